#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "cluster/cluster_mark.h"

namespace linecast {

// The payload of one PUBLISH to the cluster's Redis: a run of messages to
// one channel from one node, so that Redis, which pays per command, is paid
// once per run rather than once per message (docs/PROTOCOL.md, "Cluster").
//
//   "LC" mark                      magic, then the messages' cluster_mark
//                                  (0x01, the revision-4 version byte, for
//                                  every protocol but MQTT; 0x02: retained
//                                  values, a flags byte follows)
//   u8 n, n bytes                  the origin node id (1..255 bytes)
//   u64 little-endian              the origin's envelope sequence number
//   mark 0x02 only: u8 flags       bit 0: retained (other bits: zero)
//   then per message: u32 little-endian length, the payload bytes
//
// The channel is Redis's own (the PUBLISH channel). The origin lets a node
// drop its own echo; origin and sequence let it drop the second copy Redis
// sends when a channel matches several of its subscriptions. A retained
// envelope holds channels' new retained values as pairs of messages (the
// channel, then its value; empty: none), which a node keeps and does not
// deliver (the message itself follows in a plain envelope). Plain runs
// stay version 1, so a node of the previous release still takes them.
class EnvelopeWriter {
 public:
  // `mark`: a cluster_mark (kRetained for retained values).
  void begin(std::string_view origin, std::uint64_t sequence, std::uint8_t mark = cluster_mark::kChannel);
  // A bool was the retained flag once: refused, not read as mark 0x01.
  void begin(std::string_view origin, std::uint64_t sequence, bool retained) = delete;
  void add(std::string_view payload);
  std::string_view bytes() const { return bytes_; }
  std::size_t messages() const { return messages_; }
  bool retained() const { return retained_; }

 private:
  void putLittleEndian(std::uint64_t value, int bytes);
  std::string bytes_;  // reused: its capacity stays
  std::size_t messages_ = 0;
  bool retained_ = false;
};

struct EnvelopeHead {
  std::string_view origin;
  std::uint64_t sequence = 0;
  std::uint8_t mark = cluster_mark::kChannel;
  bool retained = false;  // mark kRetained with its flag set
};

// Reads an envelope's head and calls onMessage(payload) for each message;
// false (having called it for none) when the bytes are not a whole,
// well-formed envelope: Redis may carry anything another client published.
template <class OnMessage>
bool decodeEnvelope(std::string_view bytes, EnvelopeHead& head, OnMessage&& onMessage);

namespace envelope_detail {
inline std::uint64_t readLittleEndian(const char* p, int bytes) {
  std::uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(p[i]);
  return value;
}
// The bytes' messages, or false when they do not end exactly at the end.
template <class OnMessage>
bool walk(std::string_view body, OnMessage&& onMessage) {
  while (!body.empty()) {
    if (body.size() < 4) return false;
    std::uint64_t length = readLittleEndian(body.data(), 4);
    if (length > body.size() - 4) return false;
    onMessage(body.substr(4, length));
    body.remove_prefix(4 + length);
  }
  return true;
}
}  // namespace envelope_detail

// The head alone (false: not an envelope's head), and where its messages
// start; what a node needs to drop its own echo without reading the rest.
inline bool readEnvelopeHead(std::string_view bytes, EnvelopeHead& head, std::string_view& body) {
  if (bytes.size() < 4 || bytes[0] != 'L' || bytes[1] != 'C') return false;
  head.mark = static_cast<std::uint8_t>(bytes[2]);
  if (!cluster_mark::known(head.mark)) return false;
  std::size_t flagBytes = head.mark == cluster_mark::kRetained ? 1 : 0;
  std::size_t originLength = static_cast<unsigned char>(bytes[3]);
  if (originLength == 0 || bytes.size() < 4 + originLength + 8 + flagBytes) return false;
  head.origin = bytes.substr(4, originLength);
  head.sequence = envelope_detail::readLittleEndian(bytes.data() + 4 + originLength, 8);
  head.retained = false;
  if (flagBytes != 0) {
    unsigned char flags = static_cast<unsigned char>(bytes[4 + originLength + 8]);
    if ((flags & ~1u) != 0) return false;  // a flag this node does not know
    head.retained = (flags & 1u) != 0;
  }
  body = bytes.substr(4 + originLength + 8 + flagBytes);
  return true;
}

template <class OnMessage>
bool decodeEnvelope(std::string_view bytes, EnvelopeHead& head, OnMessage&& onMessage) {
  std::string_view body;
  if (!readEnvelopeHead(bytes, head, body)) return false;
  // Checked whole first, so a truncated envelope delivers nothing.
  if (!envelope_detail::walk(body, [](std::string_view) {})) return false;
  envelope_detail::walk(body, onMessage);
  return true;
}

}  // namespace linecast
