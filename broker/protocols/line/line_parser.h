#pragma once

#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>

#include "net/ring_buffer.h"

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

  // The batch path for a busy connection: calls onLine(line) for each
  // complete line lying whole in the ring's first readable span, while it
  // returns true, and returns the bytes those lines take; the caller
  // consumes them at once. It frames nothing while a partial search is
  // pending (next() resumes that without rescanning), and leaves a line
  // that wraps, is unfinished or is too long to next().
  template <class OnLine>
  std::size_t frameContiguous(const RingBuffer& in, OnLine&& onLine);

  // Forgets the partial search (after the caller discarded the input).
  void reset() { scanned_ = 0; }
  std::size_t maxLine() const { return maxLine_; }

 private:
  std::size_t maxLine_;
  std::size_t scanned_ = 0;  // bytes of the current frame known to hold no '\n'
};

template <class OnLine>
std::size_t LineParser::frameContiguous(const RingBuffer& in, OnLine&& onLine) {
  if (scanned_ != 0) return 0;
  std::span<const char> span = in.readableSpans()[0];
  const char* start = span.data();
  const char* end = start + span.size();
  const std::size_t window = maxLine_ + 2;  // a line, '\r' and '\n' at most
  while (start != end) {
    std::size_t left = static_cast<std::size_t>(end - start);
    auto* nl = static_cast<const char*>(std::memchr(start, '\n', left < window ? left : window));
    if (nl == nullptr) break;
    std::size_t length = static_cast<std::size_t>(nl - start);
    if (length > 0 && nl[-1] == '\r') --length;
    if (length > maxLine_) break;
    bool more = onLine(std::string_view(start, length));
    start = nl + 1;
    if (!more) break;
  }
  return static_cast<std::size_t>(start - span.data());
}

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
