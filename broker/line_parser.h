#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "ring_buffer.h"

namespace linecast {

// Finds newline-terminated frames at the front of a connection's input ring.
// It is resumable: it remembers how far it has already searched, so a line
// that arrives one byte per read is scanned once in total, not once per read.
// It never copies unless a line wraps around the ring's end; such a line is
// copied into the caller's scratch buffer (maxLine + 1 bytes, shared by all
// connections), so the caller always sees one contiguous view.
class LineParser {
 public:
  enum class Status { kLine, kNeedMore, kTooLong };

  explicit LineParser(std::size_t maxLine) : maxLine_(maxLine) {}

  // On kLine, `line` is the frame without "\n" or "\r\n" and `frameLength`
  // the bytes to consume() from the ring (the view stays valid until then).
  Status next(const RingBuffer& in, std::span<char> scratch, std::string_view& line,
              std::size_t& frameLength);

  // Forgets the partial search (after the caller discarded the input).
  void reset() { scanned_ = 0; }
  std::size_t maxLine() const { return maxLine_; }

 private:
  std::size_t maxLine_;
  std::size_t scanned_ = 0;  // bytes of the current frame known to hold no '\n'
};

// Splits a contiguous block into the same frames (used for HTTP bodies,
// where the last line needs no terminator). Calls onLine(std::string_view).
template <class OnLine>
void forEachLine(std::string_view block, OnLine&& onLine) {
  while (!block.empty()) {
    std::size_t nl = block.find('\n');
    std::string_view line = block.substr(0, nl);
    if (nl != std::string_view::npos && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    onLine(line);
    if (nl == std::string_view::npos) break;
    block.remove_prefix(nl + 1);
  }
}

}  // namespace linecast
