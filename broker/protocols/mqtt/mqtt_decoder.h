#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/ring_buffer.h"
#include "protocols/mqtt/mqtt_packet.h"

namespace linecast {

// Decodes the control packets an MQTT 3.1.1 client sends (OASIS standard,
// sections 2 and 3) at the front of a connection's input ring.
//
//   ring:  |30 0d|00 03 61 2f 62|68 65 6c 6c 6f 21 0a|82 ...
//          |hdr  |topic "a/b"   |payload             |next packet (partial)
//          |<------------- packetLength ------------>|
//
// It is resumable: a packet stays in the ring until it is whole, and the
// fixed header is decoded once and remembered meanwhile, so a packet that
// arrives one byte per read costs no re-parse of its header. A remaining
// length over the limit is refused from the fixed header alone, before the
// body is read.
//
// A packet that lies in one piece of the ring is decoded in place: the
// views handed up point into the ring, so nothing is allocated per PUBLISH
// and the caller consumes the packet only after using it. A packet that
// straddles the ring's wrap is first copied into a buffer the decoder keeps
// and reuses. Any violation of the specification is kMalformed: the
// connection must close (4.8), and the decoder stays failed.
// The decoded packet a decoder hands up: views into the ring or into
// `straddled`, valid until the next decode.
struct MqttDecodedPacket {
  MqttConnect connect;
  MqttPublish publish;
  std::vector<MqttTopicRequest> topics;  // reused: no allocation once grown
  std::string straddled;                 // a packet split by the ring's wrap, copied whole
};

class MqttDecoder {
 public:
  enum class Status { kPacket, kNeedMore, kMalformed };

  // The session passes --max-line + 64 KiB (docs/PROTOCOL.md, decisions).
  // A decoder of its own decoded packet (tests, the fuzzer), or one that
  // shares its thread's (MqttProtocol's): a packet is dispatched before
  // any decoder decodes the next, so an idle connection keeps only its
  // fixed-header state (issue 14: about 230 B each).
  explicit MqttDecoder(std::size_t maxRemainingLength);
  MqttDecoder(std::size_t maxRemainingLength, MqttDecodedPacket& shared);

  // kPacket: type() and its accessor are valid until the next call, and
  // packetLength is the bytes to consume from the ring (after using the
  // packet: views may point into the ring). kNeedMore: the packet is not
  // whole (nothing to consume). kMalformed: errorText() says why.
  Status next(const RingBuffer& in, std::size_t& packetLength);

  MqttPacketType type() const { return type_; }
  const MqttConnect& connect() const { return packet_->connect; }
  const MqttPublish& publish() const { return packet_->publish; }
  // SUBSCRIBE or UNSUBSCRIBE (type() says which).
  MqttSubscribe subscribe() const { return MqttSubscribe{packetId_, &packet_->topics}; }
  // PUBACK, PUBREC, PUBREL, PUBCOMP.
  MqttAck ack() const { return MqttAck{type_, packetId_}; }
  std::string_view errorText() const { return errorText_; }

  // The most bytes next() may leave unconsumed in the ring (one partial
  // packet: the largest fixed header and body), for Connection::setMaxPending.
  std::size_t maxPending() const { return maxRemainingLength_ + kMaxFixedHeader; }

  // A CONNECT after the first is a protocol violation (3.1.0-2); the
  // decoder does not track it: the session checks that itself.

  static constexpr std::size_t kMaxFixedHeader = 5;  // 1 type byte, up to 4 length bytes

 private:
  Status parseFixedHeader(const RingBuffer& in);
  Status decodeBody(std::string_view body);
  Status decodeConnect(std::string_view body);
  Status decodePublish(std::string_view body);
  Status decodeTopicList(std::string_view body);
  Status fail(std::string_view text);
  static std::uint32_t clampedLimit(std::size_t maxRemainingLength);

  // Sizes as 32-bit and 8-bit fields: every MQTT connection holds a
  // decoder, idle or not (72 -> 48 bytes; docs/notes-mqtt-compact.md).
  // At most kMqttMaxRemainingLength: a larger limit could never be reached.
  std::uint32_t maxRemainingLength_;
  bool failed_ = false;

  // The fixed header of the packet at the front of the ring, once decoded.
  bool haveHeader_ = false;
  std::uint8_t firstByte_ = 0;
  std::uint8_t headerSize_ = 0;  // at most kMaxFixedHeader
  std::uint32_t remaining_ = 0;  // at most maxRemainingLength_

  // What the last call handed up (the rest is in *packet_).
  MqttPacketType type_ = MqttPacketType::kConnect;
  std::uint16_t packetId_ = 0;
  std::unique_ptr<MqttDecodedPacket> owned_;  // null when shared
  MqttDecodedPacket* packet_;
  std::string_view errorText_;
};

}  // namespace linecast
