#include "protocols/resp/resp_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cstring>

namespace linecast {
namespace {

constexpr std::size_t kNotFound = std::string_view::npos;

// The longest text string2ll accepts ("-9223372036854775808" is 20 bytes).
constexpr std::size_t kMaxIntegerText = 20;

// The first `byte` at or after ring offset `from`, or kNotFound.
std::size_t findByte(const RingBuffer& in, std::size_t from, char byte) {
  std::size_t offset = 0;  // ring offset where the span starts
  for (auto span : in.readableSpans()) {
    if (from < offset + span.size()) {
      std::size_t skip = from > offset ? from - offset : 0;
      const void* hit = std::memchr(span.data() + skip, byte, span.size() - skip);
      if (hit != nullptr) {
        return offset + static_cast<std::size_t>(static_cast<const char*>(hit) - span.data());
      }
    }
    offset += span.size();
  }
  return kNotFound;
}

// The integer between ring offsets [from, to), which may wrap.
bool ringInteger(const RingBuffer& in, std::size_t from, std::size_t to, long long& value) {
  std::size_t length = to - from;
  if (length > kMaxIntegerText) return false;
  char digits[kMaxIntegerText];
  in.copyOut(from, length, digits);
  return parseRedisInteger(std::string_view(digits, length), value);
}

bool isHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// isspace() in the C locale, which sdssplitargs uses between arguments.
bool isSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

}  // namespace

bool parseRedisInteger(std::string_view text, long long& value) {
  if (text.empty() || text.size() > kMaxIntegerText) return false;
  if (text == "0") {
    value = 0;
    return true;
  }
  bool negative = text[0] == '-';
  std::string_view digits = negative ? text.substr(1) : text;
  if (digits.empty() || digits[0] < '1' || digits[0] > '9') return false;
  unsigned long long magnitude = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    unsigned digit = static_cast<unsigned>(c - '0');
    if (magnitude > (~0ULL - digit) / 10) return false;
    magnitude = magnitude * 10 + digit;
  }
  constexpr unsigned long long kMaxPositive = 9223372036854775807ULL;
  if (negative) {
    if (magnitude > kMaxPositive + 1) return false;
    value = magnitude == kMaxPositive + 1 ? (-9223372036854775807LL - 1)
                                          : -static_cast<long long>(magnitude);
  } else {
    if (magnitude > kMaxPositive) return false;
    value = static_cast<long long>(magnitude);
  }
  return true;
}

bool splitInlineArgs(std::string_view line, std::string& out, std::vector<std::string_view>& args) {
  out.clear();
  out.reserve(line.size());  // unquoting never grows an argument
  args.clear();
  // Past the end reads as NUL, as sdssplitargs reads its C string.
  auto at = [&](std::size_t i) { return i < line.size() ? line[i] : '\0'; };
  std::size_t i = 0;
  for (;;) {
    while (i < line.size() && isSpace(line[i])) ++i;
    if (i == line.size()) return true;
    std::size_t start = out.size();
    bool inDouble = false;
    bool inSingle = false;
    bool done = false;
    while (!done) {
      char c = at(i);
      if (inDouble) {
        if (c == '\\' && at(i + 1) == 'x' && isHexDigit(at(i + 2)) && isHexDigit(at(i + 3))) {
          out += static_cast<char>(hexValue(at(i + 2)) * 16 + hexValue(at(i + 3)));
          i += 3;
        } else if (c == '\\' && i + 1 < line.size()) {
          ++i;
          switch (line[i]) {
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'b': out += '\b'; break;
            case 'a': out += '\a'; break;
            default: out += line[i]; break;
          }
        } else if (c == '"') {
          if (i + 1 < line.size() && !isSpace(line[i + 1])) return false;
          done = true;
        } else if (i >= line.size()) {
          return false;  // unterminated quotes
        } else {
          out += c;
        }
      } else if (inSingle) {
        if (c == '\\' && at(i + 1) == '\'') {
          ++i;
          out += '\'';
        } else if (c == '\'') {
          if (i + 1 < line.size() && !isSpace(line[i + 1])) return false;
          done = true;
        } else if (i >= line.size()) {
          return false;
        } else {
          out += c;
        }
      } else if (i >= line.size() || c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        done = true;
      } else if (c == '"') {
        inDouble = true;
      } else if (c == '\'') {
        inSingle = true;
      } else {
        out += c;  // unlike Redis, a NUL byte is data, not the end of the line
      }
      if (i < line.size()) ++i;
    }
    args.emplace_back(out.data() + start, out.size() - start);
  }
}

RespParser::RespParser(std::size_t maxLine)
    : maxLine_(maxLine),
      maxRequest_(2 * maxLine + kMaxHeaderLine),
      requestTooBig_(
          fmt::format("-ERR Protocol error: request too big (max {} bytes)\r\n", maxRequest_)) {}

void RespParser::reset() {
  stage_ = Stage::kStart;
  pos_ = 0;
  scanned_ = 0;
  remaining_ = 0;
  bulkLength_ = 0;
  pieces_.clear();
}

// One huge request (a long inline line, a SUBSCRIBE of thousands of names)
// must not leave its buffers to the connection for good; ordinary requests
// stay far below these sizes and reuse theirs.
void RespParser::trimBuffers() {
  constexpr std::size_t kKeepBytes = 64 * 1024;
  constexpr std::size_t kKeepArgs = 1024;
  if (line_.capacity() > kKeepBytes) std::string().swap(line_);
  if (decoded_.capacity() > kKeepBytes) std::string().swap(decoded_);
  if (pieces_.capacity() > kKeepArgs) std::vector<Piece>().swap(pieces_);
  if (args_.capacity() > kKeepArgs) std::vector<std::string_view>().swap(args_);
}

void RespParser::finish() {
  stage_ = Stage::kStart;
  pos_ = 0;
  scanned_ = 0;
}

RespParser::Status RespParser::fail(std::string_view text) {
  if (!text.empty() && text.front() == '-') {
    error_.assign(text);  // a preformatted line
  } else {
    error_.assign("-ERR Protocol error: ");
    error_.append(text);
    error_.append("\r\n");
  }
  reset();
  return Status::kError;
}

RespParser::Status RespParser::next(const RingBuffer& in, std::span<char> scratch,
                                    bool unauthenticated, std::size_t& frameLength) {
  for (;;) {
    switch (stage_) {
      case Stage::kStart:
        if (in.empty()) return Status::kNeedMore;
        // The previous request has been executed: its views are dead.
        trimBuffers();
        pieces_.clear();
        args_.clear();
        stage_ = in.at(0) == '*' ? Stage::kCount : Stage::kInline;
        scanned_ = 0;
        break;
      case Stage::kCount: {
        Status status = parseCount(in, unauthenticated, frameLength);
        if (status != Status::kCommand || stage_ == Stage::kStart) return status;
        break;  // a positive count: on to the bulk strings
      }
      case Stage::kBulkHeader: {
        Status status = parseBulkHeader(in, unauthenticated);
        if (status != Status::kCommand) return status;
        break;
      }
      case Stage::kBulkData:
        if (in.size() < pos_ + bulkLength_ + 2) return Status::kNeedMore;
        pieces_.push_back({pos_, bulkLength_});
        // Redis skips the two bytes after the data without checking them.
        pos_ += bulkLength_ + 2;
        scanned_ = pos_;
        if (--remaining_ > 0) {
          stage_ = Stage::kBulkHeader;
          break;
        }
        frameLength = pos_;
        resolveArgs(in, scratch);
        finish();
        return Status::kCommand;
      case Stage::kInline:
        return parseInline(in, frameLength);
    }
  }
}

RespParser::Status RespParser::findLengthLine(const RingBuffer& in, std::size_t start,
                                              std::string_view tooBig, std::size_t& cr) {
  cr = findByte(in, std::max(scanned_, start), '\r');
  if (cr == kNotFound) {
    scanned_ = in.size();
    return in.size() - start > kMaxHeaderLine ? fail(tooBig) : Status::kNeedMore;
  }
  scanned_ = cr;
  // A '\r' at the very end waits for one more byte; the line must still
  // respect the bound, so a partial request never outgrows maxPending().
  if (cr + 1 >= in.size()) {
    return cr - start > kMaxHeaderLine ? fail(tooBig) : Status::kNeedMore;
  }
  return Status::kCommand;
}

RespParser::Status RespParser::parseCount(const RingBuffer& in, bool unauthenticated,
                                          std::size_t& frameLength) {
  std::size_t cr;
  Status status = findLengthLine(in, 0, "too big mbulk count string", cr);
  if (status != Status::kCommand) return status;
  long long count;
  if (!ringInteger(in, 1, cr, count) || count > kMaxMultibulk) {
    return fail("invalid multibulk length");
  }
  if (unauthenticated && count > kUnauthenticatedMaxMultibulk) {
    return fail("unauthenticated multibulk length");
  }
  pos_ = cr + 2;
  scanned_ = pos_;
  if (count <= 0) {  // "*0", "*-1": an empty request, skipped as Redis does
    frameLength = pos_;
    finish();
    return Status::kCommand;
  }
  remaining_ = count;
  stage_ = Stage::kBulkHeader;
  return Status::kCommand;
}

RespParser::Status RespParser::parseBulkHeader(const RingBuffer& in, bool unauthenticated) {
  if (in.size() <= pos_) return Status::kNeedMore;
  std::size_t cr;
  Status status = findLengthLine(in, pos_, "too big bulk count string", cr);
  if (status != Status::kCommand) return status;
  char first = in.at(pos_);
  if (first != '$') {
    // Redis's error replies turn CR and LF into spaces.
    std::string text = "expected '$', got '";
    text += first == '\r' || first == '\n' ? ' ' : first;
    text += '\'';
    return fail(text);
  }
  long long length;
  if (!ringInteger(in, pos_ + 1, cr, length) || length < 0 ||
      static_cast<unsigned long long>(length) > maxLine_) {
    return fail("invalid bulk length");
  }
  if (unauthenticated && length > kUnauthenticatedMaxBulk) {
    return fail("unauthenticated bulk length");
  }
  if (cr + 2 + static_cast<std::size_t>(length) + 2 > maxRequest_) return fail(requestTooBig_);
  pos_ = cr + 2;
  scanned_ = pos_;
  bulkLength_ = static_cast<std::size_t>(length);
  stage_ = Stage::kBulkData;
  return Status::kCommand;
}

RespParser::Status RespParser::parseInline(const RingBuffer& in, std::size_t& frameLength) {
  std::size_t newline = findByte(in, scanned_, '\n');
  if (newline == kNotFound) {
    scanned_ = in.size();
    // One byte of slack: a '\r' at the limit may still start the "\r\n"
    // terminator, which the limit does not count.
    return scanned_ > maxLine_ + 1 ? fail("too big inline request") : Status::kNeedMore;
  }
  std::size_t length = newline;
  if (length > 0 && in.at(length - 1) == '\r') --length;
  if (length > maxLine_) return fail("too big inline request");
  line_.resize(length);
  if (length > 0) in.copyOut(0, length, line_.data());
  if (!splitInlineArgs(line_, decoded_, args_)) return fail("unbalanced quotes in request");
  frameLength = newline + 1;
  finish();
  return Status::kCommand;
}

void RespParser::resolveArgs(const RingBuffer& in, std::span<char> scratch) {
  auto spans = in.readableSpans();
  std::size_t first = spans[0].size();
  args_.clear();
  for (const Piece& piece : pieces_) {
    if (piece.length == 0) {
      args_.emplace_back();
    } else if (piece.offset + piece.length <= first) {
      args_.emplace_back(spans[0].data() + piece.offset, piece.length);
    } else if (piece.offset >= first) {
      args_.emplace_back(spans[1].data() + (piece.offset - first), piece.length);
    } else {
      // The ring wraps only once, so at most one argument straddles it.
      assert(scratch.size() >= piece.length);
      in.copyOut(piece.offset, piece.length, scratch.data());
      args_.emplace_back(scratch.data(), piece.length);
    }
  }
  pieces_.clear();
}

}  // namespace linecast
