#include "loadgen/split_reader.h"

#include <algorithm>
#include <cstring>

namespace linecast::bench {

std::string_view LineReader::finish(std::string_view line) {
  if (stripCr_ && !line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

LineReader::Status LineReader::next(std::string_view chunk, std::size_t& pos,
                                    std::string_view& line) {
  if (carryDone_) {
    carry_.clear();
    carryDone_ = false;
  }
  const char* start = chunk.data() + pos;
  std::size_t avail = chunk.size() - pos;
  const void* nl = avail ? std::memchr(start, '\n', avail) : nullptr;
  if (nl == nullptr) {
    carry_.append(start, avail);
    pos = chunk.size();
    // +1: a "\r" waiting for its "\n" does not count against the limit.
    return carry_.size() > maxLine_ + 1 ? Status::kTooLong : Status::kNeedMore;
  }
  std::size_t len = static_cast<std::size_t>(static_cast<const char*>(nl) - start);
  pos += len + 1;
  if (carry_.empty()) {
    line = finish(std::string_view(start, len));
  } else {
    carry_.append(start, len);
    carryDone_ = true;
    line = finish(carry_);
  }
  return line.size() > maxLine_ ? Status::kTooLong : Status::kLine;
}

void ExactReader::expect(std::size_t n) {
  carry_.clear();
  need_ = n;
  usedCarry_ = false;
}

bool ExactReader::next(std::string_view chunk, std::size_t& pos, std::string_view& bytes) {
  std::size_t avail = chunk.size() - pos;
  if (carry_.empty() && avail >= need_) {
    bytes = chunk.substr(pos, need_);
    pos += need_;
    usedCarry_ = false;
    return true;
  }
  std::size_t take = std::min(avail, need_ - carry_.size());
  carry_.append(chunk.data() + pos, take);
  pos += take;
  if (carry_.size() < need_) return false;
  bytes = carry_;
  usedCarry_ = true;
  return true;
}

}  // namespace linecast::bench
