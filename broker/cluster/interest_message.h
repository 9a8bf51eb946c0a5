#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cluster/interest_feed.h"

namespace linecast {

// The payload of one PUBLISH on the Redis channel kInterestChannel, which
// every interest-propagating node subscribes to (docs/PROTOCOL.md, "Cluster",
// interest propagation). Binary, little-endian, like the envelope (envelope.h), because
// names may hold any byte (MQTT topics: spaces, Unicode):
//
//   "LI" kind                     magic, then one of the kinds below
//   u8 n, n bytes                 the sender's node id (1..255 bytes);
//                                 for kGone the node that is gone
//   u64                           the sender's interest sequence number
//                                 (kAck: the acknowledged node's; kGone: 0)
//   kChange, kReset: per name     u8 flags (bit 0: a glob, bit 1: lost;
//                                 other bits zero; kReset: never lost),
//                                 u32 length, the name's bytes
//   kAck                          u8 n, n bytes: the node acknowledged
class InterestMessage {
 public:
  enum class Kind : char { kChange = 'C', kReset = 'R', kAck = 'A', kGone = 'G' };
  static constexpr std::string_view kInterestChannel = "linecast:interest";

  // Writing: begin, then (kChange, kReset) one add per name.
  void begin(Kind kind, std::string_view sender, std::uint64_t seq);
  void add(const RedisInterest& name, bool lost);
  void ack(std::string_view sender, std::string_view acknowledged, std::uint64_t seq);
  std::string_view bytes() const { return bytes_; }
  // The names after the head: what the kAdvertise script puts behind the
  // head it writes itself (it alone knows the seq).
  std::string_view body() const { return std::string_view(bytes_).substr(headSize_); }

 private:
  void putLittleEndian(std::uint64_t value, int bytes);
  void putNode(std::string_view node);
  std::string bytes_;  // reused
  std::size_t headSize_ = 0;
};

// What a message said; the views point into the decoded bytes.
struct DecodedInterest {
  InterestMessage::Kind kind = InterestMessage::Kind::kChange;
  std::string_view sender;
  std::uint64_t seq = 0;
  std::string_view acknowledged;  // kAck
  InterestNotice notice;          // kChange, kReset: seq, reset, names
};

// False, having filled nothing usable, when the bytes are not one whole,
// well-formed message: Redis may carry anything any client published.
bool decodeInterestMessage(std::string_view bytes, DecodedInterest& out);

}  // namespace linecast
