#include "protocols/line/line_parser.h"

#include <cassert>
#include <cstring>

namespace linecast {

LineParser::Status LineParser::next(const RingBuffer& in, std::span<char> scratch,
                                    std::string_view& line, std::size_t& frameLength) {
  auto spans = in.readableSpans();
  std::size_t newline = std::string_view::npos;
  std::size_t offset = 0;  // ring offset where spans[i] starts
  for (auto span : spans) {
    if (scanned_ < offset + span.size()) {
      std::size_t from = scanned_ > offset ? scanned_ - offset : 0;
      const void* hit = std::memchr(span.data() + from, '\n', span.size() - from);
      if (hit != nullptr) {
        newline = offset + static_cast<std::size_t>(static_cast<const char*>(hit) - span.data());
        break;
      }
    }
    offset += span.size();
  }

  if (newline == std::string_view::npos) {
    scanned_ = in.size();
    // One byte of slack: a '\r' at the limit may still be the start of a
    // "\r\n" terminator, which the limit does not count.
    return scanned_ > maxLine_ + 1 ? Status::kTooLong : Status::kNeedMore;
  }

  scanned_ = 0;
  std::size_t length = newline;
  if (length > 0 && in.at(length - 1) == '\r') --length;
  if (length > maxLine_) return Status::kTooLong;
  frameLength = newline + 1;
  if (length <= spans[0].size()) {
    line = std::string_view(spans[0].data(), length);
  } else {
    assert(scratch.size() >= length);
    in.copyOut(0, length, scratch.data());
    line = std::string_view(scratch.data(), length);
  }
  return Status::kLine;
}

}  // namespace linecast
