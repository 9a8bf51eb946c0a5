#pragma once

#include <charconv>
#include <string>
#include <string_view>

#include "net/connection.h"

namespace linecast {

// Encoders for the RESP2 and RESP3 replies and pushes linecast sends
// (replies through Connection::queueReply, which CLIENT REPLY may switch
// off; pushes through queue()). The
// two differ, for what linecast sends, only in a frame's first byte: a
// push is '>' in RESP3 where RESP2 sends an array '*', and null is "_"
// where RESP2 sends "$-1". Each appends
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
  return conn.queueReply('+', text, kCrlf);
}

// "-ERR <text>\r\n"; a text that starts with '-' brings its own code
// ("-NOAUTH ..."), as Redis's addReplyError does. The text must hold no CR
// or LF (see respSanitize).
inline bool respError(Connection& conn, std::string_view text) {
  if (!text.empty() && text.front() == '-') return conn.queueReply(text, kCrlf);
  return conn.queueReply(std::string_view("-ERR "), text, kCrlf);
}

// ":42\r\n"
inline bool respInteger(Connection& conn, long long value) {
  RespDecimal digits(value);
  return conn.queueReply(':', digits.view(), kCrlf);
}

// "$5\r\nhello\r\n"
inline bool respBulk(Connection& conn, std::string_view bytes) {
  RespDecimal length(static_cast<long long>(bytes.size()));
  return conn.queueReply('$', length.view(), kCrlf, bytes, kCrlf);
}

// A connection's protocol version, as far as framing goes: the first byte
// of its pushes ('*' for RESP2, '>' for RESP3).
enum class RespVersion : char { k2 = '*', k3 = '>' };

inline char pushByte(RespVersion version) { return static_cast<char>(version); }

// The null reply: "$-1" (RESP2's null bulk) or "_" (RESP3's null).
inline std::string_view respNullText(RespVersion version) {
  return version == RespVersion::k3 ? std::string_view("_\r\n") : std::string_view("$-1\r\n");
}

inline bool respNull(Connection& conn, RespVersion version) { return conn.queueReply(respNullText(version)); }

// A message delivered through a channel: *3 (RESP3: >3) $<n> <kind>
// $<channel> $<payload>, where `header` is "3\r\n$7\r\nmessage\r\n$"
// (SUBSCRIBE) or "3\r\n$8\r\nsmessage\r\n$" (SSUBSCRIBE).
inline bool respChannelMessage(Connection& conn, RespVersion version, std::string_view header,
                               std::string_view channel, std::string_view payload) {
  RespDecimal channelLength(static_cast<long long>(channel.size()));
  RespDecimal payloadLength(static_cast<long long>(payload.size()));
  return conn.queue(pushByte(version), header, channelLength.view(), kCrlf, channel,
                    std::string_view("\r\n$"), payloadLength.view(), kCrlf, payload, kCrlf);
}

// The part of a channel message that is the same for every subscriber of
// the channel: from after the push byte to the payload's length line
// ("3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\n"). A fan-out builds it once
// and queues each subscriber's frame as push byte, head, payload, CRLF.
inline void respMessageHead(std::string& out, std::string_view header, std::string_view channel,
                            std::size_t payloadSize) {
  RespDecimal channelLength(static_cast<long long>(channel.size()));
  RespDecimal payloadLength(static_cast<long long>(payloadSize));
  out.assign(header);
  out.append(channelLength.view()).append(kCrlf).append(channel).append("\r\n$");
  out.append(payloadLength.view()).append(kCrlf);
}

// A PUBLISH delivered through a SUBSCRIBE channel.
inline bool respMessage(Connection& conn, RespVersion version, std::string_view channel,
                        std::string_view payload) {
  return respChannelMessage(conn, version, "3\r\n$7\r\nmessage\r\n$", channel, payload);
}

// An SPUBLISH delivered through an SSUBSCRIBE shard channel.
inline bool respSmessage(Connection& conn, RespVersion version, std::string_view channel,
                         std::string_view payload) {
  return respChannelMessage(conn, version, "3\r\n$8\r\nsmessage\r\n$", channel, payload);
}

// A PUBLISH delivered through a PSUBSCRIBE pattern:
// *4 (RESP3: >4) $8 pmessage $<pattern> $<channel> $<payload>
inline bool respPmessage(Connection& conn, RespVersion version, std::string_view pattern,
                         std::string_view channel, std::string_view payload) {
  RespDecimal patternLength(static_cast<long long>(pattern.size()));
  RespDecimal channelLength(static_cast<long long>(channel.size()));
  RespDecimal payloadLength(static_cast<long long>(payload.size()));
  return conn.queue(pushByte(version), std::string_view("4\r\n$8\r\npmessage\r\n$"),
                    patternLength.view(), kCrlf, pattern, std::string_view("\r\n$"), channelLength.view(),
                    kCrlf, channel, std::string_view("\r\n$"), payloadLength.view(), kCrlf, payload,
                    kCrlf);
}

// A (un)subscribe confirmation: *3 (RESP3: >3) $<kind> $<name> :<count>,
// where kind is "subscribe", "unsubscribe", "psubscribe", "punsubscribe"
// (or the shard kinds) and count the connection's subscriptions of that
// family afterwards.
inline bool respSubscription(Connection& conn, RespVersion version, std::string_view kind,
                             std::string_view name, std::size_t count) {
  RespDecimal kindLength(static_cast<long long>(kind.size()));
  RespDecimal nameLength(static_cast<long long>(name.size()));
  RespDecimal total(static_cast<long long>(count));
  return conn.queue(pushByte(version), std::string_view("3\r\n$"), kindLength.view(), kCrlf, kind,
                    std::string_view("\r\n$"), nameLength.view(), kCrlf, name,
                    std::string_view("\r\n:"), total.view(), kCrlf);
}

// The same with a null name: UNSUBSCRIBE or PUNSUBSCRIBE without arguments
// from a connection that holds none.
inline bool respSubscriptionNone(Connection& conn, RespVersion version, std::string_view kind,
                                 std::size_t count) {
  RespDecimal kindLength(static_cast<long long>(kind.size()));
  RespDecimal total(static_cast<long long>(count));
  return conn.queue(pushByte(version), std::string_view("3\r\n$"), kindLength.view(), kCrlf, kind,
                    kCrlf, respNullText(version), std::string_view(":"), total.view(), kCrlf);
}

// Redis turns CR and LF into spaces in error texts built from client bytes,
// so an error stays one line.
inline void respSanitize(std::string& text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
}

}  // namespace linecast
