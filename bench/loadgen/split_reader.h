#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace linecast::bench {

// The two ways a text protocol frames bytes: "up to the next newline" and
// "exactly n bytes". Both take the stream in arbitrary chunks (whatever one
// read() returned) and survive a frame split at any byte.
//
// A frame that lies wholly inside the current chunk is handed out as a view
// into the chunk (no copy, the common case); only a frame that straddles two
// chunks is gathered in the reader's own carry buffer. So views are valid
// until the chunk goes away or the same reader is called again, whichever
// comes first; fromCarry() tells which case the last frame was.

class LineReader {
 public:
  enum class Status { kLine, kNeedMore, kTooLong };

  // stripCr: remove one "\r" before the "\n" (NATS and RESP end lines with
  // "\r\n"; linecast's server sends "\n" alone and a payload may end in "\r").
  LineReader(std::size_t maxLine, bool stripCr) : maxLine_(maxLine), stripCr_(stripCr) {}

  // Looks for the end of the current line in chunk[pos..]. On kLine, `line`
  // is the line without its terminator and pos is just past the "\n". On
  // kNeedMore the rest of the chunk has been kept and pos == chunk.size().
  // kTooLong: the line passed maxLine bytes (so a peer that never sends a
  // newline cannot make us buffer without bound).
  Status next(std::string_view chunk, std::size_t& pos, std::string_view& line);

  bool fromCarry() const { return carryDone_; }
  bool midLine() const { return !carry_.empty() && !carryDone_; }

 private:
  std::string_view finish(std::string_view line);

  std::size_t maxLine_;
  bool stripCr_;
  std::string carry_;
  bool carryDone_ = false;  // carry_ holds the line handed out last; clear on the next call
};

class ExactReader {
 public:
  // Starts a new frame of n bytes.
  void expect(std::size_t n);

  // True when the frame is complete (`bytes` holds it, pos is past it);
  // false when the chunk ran out first (what there was has been kept).
  bool next(std::string_view chunk, std::size_t& pos, std::string_view& bytes);

  bool fromCarry() const { return usedCarry_; }

 private:
  std::string carry_;
  std::size_t need_ = 0;
  bool usedCarry_ = false;
};

}  // namespace linecast::bench
