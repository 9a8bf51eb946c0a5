#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/ring_buffer.h"

namespace linecast {

// Parses a decimal integer the way Redis's string2ll does, so that lengths
// and arguments are refused exactly where Redis refuses them: an optional
// '-', then digits without a leading zero (but "0" itself), at most 20
// bytes, no '+', no spaces, no overflow.
bool parseRedisInteger(std::string_view text, long long& value);

// Finds RESP2 requests at the front of a connection's input ring, the way
// Redis's networking.c reads them. A request that starts with '*' is a
// multibulk ("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n"); any other is an inline
// command line, split like redis-cli arguments (quotes, escapes).
//
//   ring:  *2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*1\r\n$4\r\nPI
//          |<------ one request: frameLength ------>|<- partial ->
//                       ^^^^         ^^
//                       args(): views into the ring
//
// It is resumable: it remembers the stage it reached (count, bulk header,
// bulk data, inline line) and how far it has searched, so a request that
// arrives one byte per read is scanned once in total. A request stays in the
// ring until it is complete and executed; its arguments are then views into
// the ring, except the one argument that may straddle the ring's end, which
// is copied into the caller's scratch buffer (max-line + 1 bytes). An inline
// line is decoded into a buffer the parser reuses. Nothing is allocated per
// request once the argument vectors have grown to the widest request seen.
//
// Limits, with Redis's error texts:
//   - a bulk string and an inline line hold at most maxLine bytes
//     (--max-line; Redis: proto-max-bulk-len and 64 KiB inline);
//   - a multibulk count is at most 1048576; a count of zero or less is an
//     empty request that is skipped, as Redis skips it;
//   - a count or length line is at most 64 KiB (Redis's
//     PROTO_INLINE_MAX_SIZE);
//   - before authentication (when a token is set) a count is at most 10 and
//     a bulk length at most 16384, as in Redis;
//   - one whole request is at most 2 × maxLine + 64 KiB (Redis bounds it
//     only by its 1 GiB query buffer); that fits PUBLISH with a channel and
//     a payload of max-line each.
// After kError, error() holds the reply line ("-ERR Protocol error: ...\r\n")
// and the connection must close, as Redis closes it.
class RespParser {
 public:
  enum class Status { kCommand, kNeedMore, kError };

  static constexpr long long kMaxMultibulk = 1024 * 1024;
  static constexpr std::size_t kMaxHeaderLine = 64 * 1024;
  static constexpr long long kUnauthenticatedMaxMultibulk = 10;
  static constexpr long long kUnauthenticatedMaxBulk = 16384;

  explicit RespParser(std::size_t maxLine);

  // On kCommand, args() holds the request's arguments (empty for a request
  // to skip: "*0", a blank line) and frameLength the bytes to consume() once
  // it is executed; the views stay valid until the ring or the scratch
  // buffer changes. `unauthenticated` applies Redis's tighter limits.
  Status next(const RingBuffer& in, std::span<char> scratch, bool unauthenticated,
              std::size_t& frameLength);

  std::span<const std::string_view> args() const { return args_; }
  std::string_view error() const { return error_; }

  std::size_t maxLine() const { return maxLine_; }
  std::size_t maxRequest() const { return maxRequest_; }
  // The most bytes next() ever leaves unconsumed in the ring (one partial
  // request), so the connection can size its input ring to never fill up.
  std::size_t maxPending() const { return maxRequest_ + kMaxHeaderLine; }

  // Forgets the partial request (after the caller discarded the input).
  void reset();

 private:
  enum class Stage { kStart, kCount, kBulkHeader, kBulkData, kInline };
  struct Piece {
    std::size_t offset;  // in the ring, from its head
    std::size_t length;
  };

  Status parseCount(const RingBuffer& in, bool unauthenticated, std::size_t& frameLength);
  Status parseBulkHeader(const RingBuffer& in, bool unauthenticated);
  Status parseInline(const RingBuffer& in, std::size_t& frameLength);
  // Finds the '\r' ending the length line that starts at `start`; kNeedMore
  // until that '\r' and the byte after it (Redis does not check that byte)
  // are in the ring.
  Status findLengthLine(const RingBuffer& in, std::size_t start, std::string_view tooBig,
                        std::size_t& cr);
  void resolveArgs(const RingBuffer& in, std::span<char> scratch);
  Status fail(std::string_view text);
  void finish();
  void trimBuffers();

  std::size_t maxLine_;
  std::size_t maxRequest_;
  Stage stage_ = Stage::kStart;
  std::size_t pos_ = 0;      // ring offset of the next byte of this request to parse
  std::size_t scanned_ = 0;  // ring offset below which no terminator was found
  long long remaining_ = 0;  // bulk strings still expected
  std::size_t bulkLength_ = 0;
  std::vector<Piece> pieces_;
  std::vector<std::string_view> args_;
  std::string line_;     // an inline line, copied out of the ring
  std::string decoded_;  // its arguments, unquoted
  std::string error_;
  std::string requestTooBig_;
};

// Splits an inline command line into arguments as Redis's sdssplitargs
// does: separated by spaces, tabs, CR or LF; "double quotes" with \n \r \t
// \b \a \xHH and \<any> escapes; 'single quotes' with \' only; a closing
// quote must be followed by a space or the end. The unquoted bytes go to
// `out` (cleared, and reserved to the line's size first, so the views in
// `args` stay valid); returns false on unbalanced quotes.
bool splitInlineArgs(std::string_view line, std::string& out, std::vector<std::string_view>& args);

}  // namespace linecast
