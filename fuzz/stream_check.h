#pragma once

#include <cstddef>
#include <string_view>

#include "routing/channel.h"

// Checks on what the server sends, shared by the fuzz targets: every byte a
// client receives must be a well-formed reply of its protocol.
namespace linecast::fuzz {

enum class LineKind { kNone, kMsg, kPong, kOk, kBye, kError };

// One line-protocol line from the server, without its '\n'; kNone when it
// is not one the spec allows.
inline LineKind classifyLine(std::string_view line) {
  if (line.starts_with("MSG ")) {
    std::string_view rest = line.substr(4);
    std::size_t space = rest.find(' ');
    if (space == std::string_view::npos) return LineKind::kNone;  // always a space after the channel
    if (checkPublishChannel(rest.substr(0, space)) != ChannelStatus::kValid) return LineKind::kNone;
    return LineKind::kMsg;
  }
  if (line == "PONG" || line.starts_with("PONG ")) return LineKind::kPong;
  if (line == "+OK") return LineKind::kOk;
  if (line == "+OK bye") return LineKind::kBye;
  if (line.starts_with("-ERR ") && line.size() > 5) return LineKind::kError;
  return LineKind::kNone;
}

// Walks the complete lines of `out`; false at the first line that is not
// allowed. `last` is the kind of the last complete line, `tail` the bytes
// after it (a line still being written).
inline bool lineStreamValid(std::string_view out, LineKind& last, std::string_view& tail) {
  last = LineKind::kNone;
  while (true) {
    std::size_t nl = out.find('\n');
    if (nl == std::string_view::npos) break;
    LineKind kind = classifyLine(out.substr(0, nl));
    if (kind == LineKind::kNone) return false;
    last = kind;
    out.remove_prefix(nl + 1);
  }
  tail = out;
  return true;
}

enum class RespStatus { kComplete, kIncomplete, kInvalid };

// Parses one RESP2 or RESP3 reply (of the types linecast sends: simple,
// error, integer, bulk, array, and RESP3's push '>', map '%', set '~' and
// null '_')
// at out[pos]; on kComplete advances pos past it and sets isError when it
// is a top-level error ('-').
inline RespStatus parseRespReply(std::string_view out, std::size_t& pos, bool& isError, int depth = 0) {
  // COMMAND DOCS nests deepest: CLIENT KILL's arguments are 12 levels down.
  if (depth > 16) return RespStatus::kInvalid;
  if (pos >= out.size()) return RespStatus::kIncomplete;
  char type = out[pos];
  std::size_t crlf = out.find("\r\n", pos + 1);
  if (crlf == std::string_view::npos) {
    // A header line may still be arriving, but never holds a bare '\n'.
    return out.find('\n', pos + 1) == std::string_view::npos ? RespStatus::kIncomplete : RespStatus::kInvalid;
  }
  std::string_view header = out.substr(pos + 1, crlf - pos - 1);
  if (header.find('\n') != std::string_view::npos || header.find('\r') != std::string_view::npos) {
    return RespStatus::kInvalid;
  }
  auto number = [&](long long& value) {
    if (header.empty() || header.size() > 20) return false;
    std::size_t i = header[0] == '-' ? 1 : 0;
    if (i == header.size()) return false;
    value = 0;
    for (; i < header.size(); ++i) {
      if (header[i] < '0' || header[i] > '9') return false;
      value = value * 10 + (header[i] - '0');
    }
    if (header[0] == '-') value = -value;
    return true;
  };
  isError = type == '-';
  long long n = 0;
  switch (type) {
    case '+':
    case '-':
      pos = crlf + 2;
      return RespStatus::kComplete;
    case ':':
      if (!number(n)) return RespStatus::kInvalid;
      pos = crlf + 2;
      return RespStatus::kComplete;
    case '$':
    case '=': {  // RESP3's verbatim string: a bulk that starts "txt:"
      if (!number(n) || n < (type == '=' ? 4 : -1)) return RespStatus::kInvalid;
      std::size_t next = crlf + 2;
      if (n >= 0) {
        std::size_t len = static_cast<std::size_t>(n);
        if (out.size() < next + len + 2) return RespStatus::kIncomplete;
        if (out.substr(next + len, 2) != "\r\n") return RespStatus::kInvalid;
        if (type == '=' && out.substr(next, 4) != "txt:") return RespStatus::kInvalid;
        next += len + 2;
      }
      pos = next;
      return RespStatus::kComplete;
    }
    case '_':
      if (!header.empty()) return RespStatus::kInvalid;
      pos = crlf + 2;
      return RespStatus::kComplete;
    case '*':
    case '>':
    case '~':
    case '%': {
      // RESP3's push, set and map have no null form; a map holds n pairs.
      if (!number(n) || n < (type == '*' ? -1 : 0)) return RespStatus::kInvalid;
      if (type == '%') n *= 2;
      std::size_t next = crlf + 2;
      for (long long i = 0; i < n; ++i) {
        bool nestedError = false;
        auto status = parseRespReply(out, next, nestedError, depth + 1);
        if (status != RespStatus::kComplete) return status;
      }
      pos = next;
      isError = false;
      return RespStatus::kComplete;
    }
    default:
      return RespStatus::kInvalid;
  }
}

// Walks every complete reply of `out`; false at the first malformed one.
// `lastIsError`/`lastIsOk` describe the last complete reply, `complete`
// says whether the stream ends on a reply boundary.
inline bool respStreamValid(std::string_view out, bool& lastIsError, bool& lastIsOk, bool& complete) {
  std::size_t pos = 0;
  lastIsError = false;
  lastIsOk = false;
  complete = true;
  while (pos < out.size()) {
    std::size_t start = pos;
    bool isError = false;
    auto status = parseRespReply(out, pos, isError);
    if (status == RespStatus::kInvalid) return false;
    if (status == RespStatus::kIncomplete) {
      complete = false;
      return true;
    }
    lastIsError = isError;
    lastIsOk = out.substr(start, pos - start) == "+OK\r\n";
  }
  return true;
}

}  // namespace linecast::fuzz

namespace linecast::fuzz {

inline bool knownHttpStatus(int status) {
  switch (status) {
    case 100: case 101: case 200: case 400: case 401: case 403: case 404: case 405:
    case 408: case 411: case 413: case 414: case 426: case 431:
      return true;
    default:
      return false;
  }
}

// The HTTP responses of one connection, as far as they arrived: each is
// "HTTP/1.1 <status> ..." with a status the spec names, Content-Type and
// Content-Length (no body for HEAD), 401 with WWW-Authenticate, error
// bodies as JSON, and nothing after a "Connection: close" response.
inline bool httpStreamValid(std::string_view out) {
  bool sawClose = false;
  while (!out.empty()) {
    if (sawClose || !out.starts_with("HTTP/1.1 ")) return false;
    std::size_t end = out.find("\r\n\r\n");
    if (end == std::string_view::npos) return true;  // still arriving
    std::string_view head = out.substr(0, end + 2);
    int status = 0;
    for (std::size_t i = 9; i < 12 && i < head.size(); ++i) status = status * 10 + (head[i] - '0');
    if (!knownHttpStatus(status)) return false;
    out.remove_prefix(end + 4);
    if (status == 100) {
      if (head != "HTTP/1.1 100 Continue\r\n") return false;
      continue;
    }
    // A switch to WebSocket or to an event stream ends the HTTP part.
    if (status == 101) {
      return head.find("\r\nUpgrade: websocket\r\n") != std::string_view::npos &&
             head.find("\r\nSec-WebSocket-Accept: ") != std::string_view::npos;
    }
    if (status == 200 && head.find("\r\nContent-Type: text/event-stream\r\n") != std::string_view::npos) {
      return true;
    }
    constexpr std::string_view kLength = "\r\nContent-Length: ";
    std::size_t at = head.find(kLength);
    if (at == std::string_view::npos || head.find("\r\nContent-Type: ") == std::string_view::npos) return false;
    std::size_t length = 0;
    for (std::size_t i = at + kLength.size(); i < head.size() && head[i] >= '0' && head[i] <= '9'; ++i) {
      length = length * 10 + static_cast<std::size_t>(head[i] - '0');
    }
    if (status == 401 && head.find("\r\nWWW-Authenticate: Bearer\r\n") == std::string_view::npos) return false;
    sawClose = head.find("\r\nConnection: close\r\n") != std::string_view::npos;
    // A HEAD response has the length of the body it does not send: then the
    // next bytes are the next response, or nothing.
    if (length == 0 || out.empty() || out.starts_with("HTTP/1.1 ")) continue;
    if (out.size() < length) return true;  // still arriving
    std::string_view body = out.substr(0, length);
    if (body.back() != '\n') return false;
    if (status != 200 && !body.starts_with("{\"error\":\"")) return false;
    out.remove_prefix(length);
  }
  return true;
}

// Whether the last complete response of a stream asked to close.
inline bool httpLastAskedToClose(std::string_view out) {
  std::size_t at = out.rfind("HTTP/1.1 ");
  if (at == std::string_view::npos) return false;
  std::string_view head = out.substr(at, out.find("\r\n\r\n", at) - at + 2);
  return head.find("\r\nConnection: close\r\n") != std::string_view::npos;
}

}  // namespace linecast::fuzz
