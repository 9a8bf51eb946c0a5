#pragma once

#include <charconv>
#include <string_view>

#include "net/connection.h"

namespace linecast {

// Encoders for the RESP2 replies and pushes linecast sends. Each appends
// one whole frame with a single Connection::queue() call, so a frame is
// either queued entirely or (for a subscriber cut as a slow consumer) not at
// all; integers are formatted into stack buffers, so nothing allocates.
// They return queue()'s result.

inline constexpr std::string_view kCrlf = "\r\n";

// A decimal integer in its own stack buffer, for lengths and counts.
class RespDecimal {
 public:
  explicit RespDecimal(long long value) {
    auto result = std::to_chars(digits_, digits_ + sizeof digits_, value);
    size_ = static_cast<std::size_t>(result.ptr - digits_);
  }
  std::string_view view() const { return {digits_, size_}; }

 private:
  char digits_[24];
  std::size_t size_;
};

// "+OK\r\n"
inline bool respSimple(Connection& conn, std::string_view text) {
  return conn.queue('+', text, kCrlf);
}

// "-ERR <text>\r\n"; a text that starts with '-' brings its own code
// ("-NOAUTH ..."), as Redis's addReplyError does. The text must hold no CR
// or LF (see respSanitize).
inline bool respError(Connection& conn, std::string_view text) {
  if (!text.empty() && text.front() == '-') return conn.queue(text, kCrlf);
  return conn.queue(std::string_view("-ERR "), text, kCrlf);
}

// ":42\r\n"
inline bool respInteger(Connection& conn, long long value) {
  RespDecimal digits(value);
  return conn.queue(':', digits.view(), kCrlf);
}

// "$5\r\nhello\r\n"
inline bool respBulk(Connection& conn, std::string_view bytes) {
  RespDecimal length(static_cast<long long>(bytes.size()));
  return conn.queue('$', length.view(), kCrlf, bytes, kCrlf);
}

// "$-1\r\n", RESP2's null.
inline bool respNullBulk(Connection& conn) { return conn.queue(std::string_view("$-1\r\n")); }

// A PUBLISH delivered through a SUBSCRIBE channel:
// *3 $7 message $<channel> $<payload>
inline bool respMessage(Connection& conn, std::string_view channel, std::string_view payload) {
  RespDecimal channelLength(static_cast<long long>(channel.size()));
  RespDecimal payloadLength(static_cast<long long>(payload.size()));
  return conn.queue(std::string_view("*3\r\n$7\r\nmessage\r\n$"), channelLength.view(), kCrlf,
                    channel, std::string_view("\r\n$"), payloadLength.view(), kCrlf, payload,
                    kCrlf);
}

// A PUBLISH delivered through a PSUBSCRIBE pattern:
// *4 $8 pmessage $<pattern> $<channel> $<payload>
inline bool respPmessage(Connection& conn, std::string_view pattern, std::string_view channel,
                         std::string_view payload) {
  RespDecimal patternLength(static_cast<long long>(pattern.size()));
  RespDecimal channelLength(static_cast<long long>(channel.size()));
  RespDecimal payloadLength(static_cast<long long>(payload.size()));
  return conn.queue(std::string_view("*4\r\n$8\r\npmessage\r\n$"), patternLength.view(), kCrlf,
                    pattern, std::string_view("\r\n$"), channelLength.view(), kCrlf, channel,
                    std::string_view("\r\n$"), payloadLength.view(), kCrlf, payload, kCrlf);
}

// A (un)subscribe confirmation: *3 $<kind> $<name> :<count>, where kind is
// "subscribe", "unsubscribe", "psubscribe" or "punsubscribe" and count the
// connection's channels plus patterns afterwards.
inline bool respSubscription(Connection& conn, std::string_view kind, std::string_view name,
                             std::size_t count) {
  RespDecimal kindLength(static_cast<long long>(kind.size()));
  RespDecimal nameLength(static_cast<long long>(name.size()));
  RespDecimal total(static_cast<long long>(count));
  return conn.queue(std::string_view("*3\r\n$"), kindLength.view(), kCrlf, kind,
                    std::string_view("\r\n$"), nameLength.view(), kCrlf, name,
                    std::string_view("\r\n:"), total.view(), kCrlf);
}

// The same with a null name: UNSUBSCRIBE or PUNSUBSCRIBE without arguments
// from a connection that holds none.
inline bool respSubscriptionNone(Connection& conn, std::string_view kind, std::size_t count) {
  RespDecimal kindLength(static_cast<long long>(kind.size()));
  RespDecimal total(static_cast<long long>(count));
  return conn.queue(std::string_view("*3\r\n$"), kindLength.view(), kCrlf, kind,
                    std::string_view("\r\n$-1\r\n:"), total.view(), kCrlf);
}

// Redis turns CR and LF into spaces in error texts built from client bytes,
// so an error stays one line.
inline void respSanitize(std::string& text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
}

}  // namespace linecast
