#include "protocols/mqtt/mqtt_decoder.h"

#include <algorithm>
#include <cstring>

#include "protocols/mqtt/mqtt_encoder.h"
#include "protocols/mqtt/mqtt_topic.h"
#include "protocols/ws/ws_utf8.h"

namespace linecast {

namespace {

// A straddling packet's copy that grew past this is given back before the
// next packet, so one large packet does not pin its size for good.
constexpr std::size_t kKeptCopyCapacity = 64 * 1024;

unsigned char byteAt(const RingBuffer& in, std::size_t offset) {
  return static_cast<unsigned char>(in.at(offset));
}

// Reads a packet's fields front to back; each read fails rather than run
// past the packet's end.
class FieldReader {
 public:
  explicit FieldReader(std::string_view body) : rest_(body) {}

  bool byte(std::uint8_t& out) {
    if (rest_.empty()) return false;
    out = static_cast<std::uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return true;
  }
  bool u16(std::uint16_t& out) {
    if (rest_.size() < 2) return false;
    out = static_cast<std::uint16_t>(static_cast<unsigned char>(rest_[0]) << 8 |
                                     static_cast<unsigned char>(rest_[1]));
    rest_.remove_prefix(2);
    return true;
  }
  // A 2-byte length, then that many bytes (1.5.3 strings, 3.1.3 binary data).
  bool prefixed(std::string_view& out) {
    std::uint16_t length = 0;
    if (!u16(length) || rest_.size() < length) return false;
    out = rest_.substr(0, length);
    rest_.remove_prefix(length);
    return true;
  }
  std::string_view rest() const { return rest_; }
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

// 1.5.3: well-formed UTF-8 (1.5.3-1) without U+0000 (1.5.3-2). The other
// code points 1.5.3-3 lists are allowed; a server need not refuse them.
bool mqttStringValid(std::string_view s) {
  return utf8Valid(s) && (s.empty() || std::memchr(s.data(), 0, s.size()) == nullptr);
}

bool isServerToClient(unsigned type) {
  switch (static_cast<MqttPacketType>(type)) {
    case MqttPacketType::kConnack:
    case MqttPacketType::kSuback:
    case MqttPacketType::kUnsuback:
    case MqttPacketType::kPingresp:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::uint32_t MqttDecoder::clampedLimit(std::size_t maxRemainingLength) {
  return static_cast<std::uint32_t>(std::min(maxRemainingLength, kMqttMaxRemainingLength));
}

MqttDecoder::MqttDecoder(std::size_t maxRemainingLength)
    : maxRemainingLength_(clampedLimit(maxRemainingLength)),
      owned_(std::make_unique<MqttDecodedPacket>()),
      packet_(owned_.get()) {}

MqttDecoder::MqttDecoder(std::size_t maxRemainingLength, MqttDecodedPacket& shared)
    : maxRemainingLength_(clampedLimit(maxRemainingLength)),
      packet_(&shared) {}

MqttDecoder::Status MqttDecoder::fail(std::string_view text) {
  failed_ = true;
  haveHeader_ = false;
  errorText_ = text;
  return Status::kMalformed;
}

MqttDecoder::Status MqttDecoder::next(const RingBuffer& in, std::size_t& packetLength) {
  if (failed_) return Status::kMalformed;
  // The last packet handed up may be viewed until this call, so its copy is
  // only given back now.
  if (packet_->straddled.capacity() > kKeptCopyCapacity) std::string().swap(packet_->straddled);

  if (!haveHeader_) {
    Status status = parseFixedHeader(in);
    if (!haveHeader_) return status;
  }
  if (in.size() - headerSize_ < remaining_) return Status::kNeedMore;
  haveHeader_ = false;
  const std::size_t length = headerSize_ + remaining_;
  std::span<const char> first = in.readableSpans()[0];
  std::string_view body;
  if (first.size() >= length) {
    body = std::string_view(first.data() + headerSize_, remaining_);
  } else {
    packet_->straddled.resize(remaining_);
    in.copyOut(headerSize_, remaining_, packet_->straddled.data());
    body = packet_->straddled;
  }
  Status status = decodeBody(body);
  if (status == Status::kPacket) packetLength = length;
  return status;
}

// Every check the fixed header allows is made as soon as its bytes are in
// the ring, so the verdict never depends on how the input was split.
MqttDecoder::Status MqttDecoder::parseFixedHeader(const RingBuffer& in) {
  const std::size_t avail = in.size();
  if (avail < 1) return Status::kNeedMore;
  const unsigned char b0 = byteAt(in, 0);
  const unsigned type = b0 >> 4;
  const unsigned flags = b0 & 0x0F;
  if (type == 0 || type == 15) return fail("reserved packet type");
  if (isServerToClient(type)) return fail("server-to-client packet type sent by the client");
  const auto packetType = static_cast<MqttPacketType>(type);
  if (packetType == MqttPacketType::kPublish) {
    const unsigned qos = (flags >> 1) & 3;
    if (qos == 3) return fail("PUBLISH with QoS 3");  // 3.3.1-4
    if (qos == 0 && (flags & 0x08) != 0) return fail("PUBLISH with DUP set at QoS 0");  // 3.3.1-2
  } else {
    // 2.2.2-1/2: PUBREL, SUBSCRIBE and UNSUBSCRIBE carry 0b0010, every
    // other packet but PUBLISH 0.
    const bool flagged = packetType == MqttPacketType::kPubrel || packetType == MqttPacketType::kSubscribe ||
                         packetType == MqttPacketType::kUnsubscribe;
    if (flags != (flagged ? 0x2u : 0u)) return fail("invalid fixed-header flags");
  }

  // 2.2.3: seven bits per byte, least significant first, at most 4 bytes.
  std::size_t remaining = 0;
  std::size_t size = 1;
  for (;;) {
    if (avail < size + 1) return Status::kNeedMore;
    const unsigned char b = byteAt(in, size);
    remaining |= std::size_t{b & 0x7Fu} << (7 * (size - 1));
    ++size;
    if ((b & 0x80) == 0) break;
    if (size == kMaxFixedHeader) return fail("remaining length longer than 4 bytes");
  }
  if (remaining > maxRemainingLength_) return fail("packet too large");
  switch (packetType) {
    case MqttPacketType::kPuback:
    case MqttPacketType::kPubrec:
    case MqttPacketType::kPubrel:
    case MqttPacketType::kPubcomp:
      if (remaining != 2) return fail("acknowledgement with a remaining length other than 2");
      break;
    case MqttPacketType::kPingreq:
    case MqttPacketType::kDisconnect:
      if (remaining != 0) return fail("PINGREQ or DISCONNECT with a body");
      break;
    default:
      break;
  }
  firstByte_ = b0;
  headerSize_ = static_cast<std::uint8_t>(size);
  remaining_ = static_cast<std::uint32_t>(remaining);  // <= maxRemainingLength_, checked above
  haveHeader_ = true;
  return Status::kNeedMore;
}

MqttDecoder::Status MqttDecoder::decodeBody(std::string_view body) {
  type_ = static_cast<MqttPacketType>(firstByte_ >> 4);
  switch (type_) {
    case MqttPacketType::kConnect:
      return decodeConnect(body);
    case MqttPacketType::kPublish:
      return decodePublish(body);
    case MqttPacketType::kSubscribe:
    case MqttPacketType::kUnsubscribe:
      return decodeTopicList(body);
    case MqttPacketType::kPuback:
    case MqttPacketType::kPubrec:
    case MqttPacketType::kPubrel:
    case MqttPacketType::kPubcomp: {
      FieldReader reader(body);
      reader.u16(packetId_);  // the fixed header made sure there are 2 bytes
      // 2.3.1: a packet identifier is non-zero; none of ours is 0.
      if (packetId_ == 0) return fail("packet identifier 0");
      return Status::kPacket;
    }
    default:  // PINGREQ, DISCONNECT: checked empty at the fixed header
      return Status::kPacket;
  }
}

MqttDecoder::Status MqttDecoder::decodeConnect(std::string_view body) {
  packet_->connect = MqttConnect{};
  FieldReader reader(body);
  if (!reader.prefixed(packet_->connect.protocolName) || !reader.byte(packet_->connect.protocolLevel)) {
    return fail("CONNECT cut short in its protocol name or level");
  }
  // 3.1.2.1-2: another protocol name may be closed on; "MQTT" at another
  // level, and MQTT 3.1's "MQIsdp", get CONNACK 1 from the session, which
  // needs no more of the packet (the rest is laid out differently).
  if (packet_->connect.protocolName == "MQIsdp" || (packet_->connect.protocolName == "MQTT" && packet_->connect.protocolLevel != 4)) {
    return Status::kPacket;
  }
  if (packet_->connect.protocolName != "MQTT") return fail("CONNECT with an unknown protocol name");

  std::uint8_t flags = 0;
  if (!reader.byte(flags) || !reader.u16(packet_->connect.keepAlive)) return fail("CONNECT cut short in its flags");
  if ((flags & 0x01) != 0) return fail("CONNECT reserved flag set");  // 3.1.2-3
  packet_->connect.cleanSession = (flags & 0x02) != 0;
  packet_->connect.hasWill = (flags & 0x04) != 0;
  packet_->connect.will.qos = static_cast<std::uint8_t>((flags >> 3) & 3);
  packet_->connect.will.retain = (flags & 0x20) != 0;
  packet_->connect.hasPassword = (flags & 0x40) != 0;
  packet_->connect.hasUserName = (flags & 0x80) != 0;
  if (!packet_->connect.hasWill && (packet_->connect.will.qos != 0 || packet_->connect.will.retain)) {
    return fail("CONNECT will QoS or retain set without a will");  // 3.1.2-11, 3.1.2-13
  }
  if (packet_->connect.will.qos == 3) return fail("CONNECT will QoS 3");  // 3.1.2-14
  if (packet_->connect.hasPassword && !packet_->connect.hasUserName) {
    return fail("CONNECT password without a user name");  // 3.1.2-22
  }

  // 3.1.3: the payload's fields, in this order, each present iff flagged.
  if (!reader.prefixed(packet_->connect.clientId)) return fail("CONNECT client id runs past the packet");
  if (!mqttStringValid(packet_->connect.clientId)) return fail("CONNECT client id not valid UTF-8");  // 3.1.3-4
  if (packet_->connect.hasWill) {
    if (!reader.prefixed(packet_->connect.will.topic) || !reader.prefixed(packet_->connect.will.payload)) {
      return fail("CONNECT will runs past the packet");
    }
    if (!mqttStringValid(packet_->connect.will.topic)) return fail("CONNECT will topic not valid UTF-8");
    // The will is published as it stands, so its topic is held to a
    // PUBLISH topic's rules.
    if (!mqttTopicNameValid(packet_->connect.will.topic)) return fail("CONNECT will topic empty or holding a wildcard");
  }
  if (packet_->connect.hasUserName) {
    if (!reader.prefixed(packet_->connect.userName)) return fail("CONNECT user name runs past the packet");
    if (!mqttStringValid(packet_->connect.userName)) return fail("CONNECT user name not valid UTF-8");  // 3.1.3-11
  }
  if (packet_->connect.hasPassword && !reader.prefixed(packet_->connect.password)) {
    return fail("CONNECT password runs past the packet");
  }
  if (!reader.done()) return fail("CONNECT with bytes after its last field");
  return Status::kPacket;
}

MqttDecoder::Status MqttDecoder::decodePublish(std::string_view body) {
  packet_->publish.qos = static_cast<std::uint8_t>((firstByte_ >> 1) & 3);
  packet_->publish.dup = (firstByte_ & 0x08) != 0;
  packet_->publish.retain = (firstByte_ & 0x01) != 0;
  packet_->publish.packetId = 0;
  FieldReader reader(body);
  if (!reader.prefixed(packet_->publish.topic)) return fail("PUBLISH topic runs past the packet");
  if (!mqttStringValid(packet_->publish.topic)) return fail("PUBLISH topic not valid UTF-8");
  // 3.3.2-2, 4.7.3-1: a topic name is non-empty and holds no wildcard.
  if (!mqttTopicNameValid(packet_->publish.topic)) return fail("PUBLISH topic empty or holding a wildcard");
  if (packet_->publish.qos > 0) {
    if (!reader.u16(packet_->publish.packetId)) return fail("PUBLISH packet identifier runs past the packet");
    if (packet_->publish.packetId == 0) return fail("packet identifier 0");  // 2.3.1-1
  }
  packet_->publish.payload = reader.rest();  // any bytes, possibly none (3.3.3)
  return Status::kPacket;
}

MqttDecoder::Status MqttDecoder::decodeTopicList(std::string_view body) {
  const bool subscribe = type_ == MqttPacketType::kSubscribe;
  packet_->topics.clear();
  FieldReader reader(body);
  if (!reader.u16(packetId_)) return fail("SUBSCRIBE or UNSUBSCRIBE without a packet identifier");
  if (packetId_ == 0) return fail("packet identifier 0");  // 2.3.1-1
  // 3.8.3-3, 3.10.3-2: at least one filter.
  if (reader.done()) return fail("SUBSCRIBE or UNSUBSCRIBE without a topic filter");
  while (!reader.done()) {
    MqttTopicRequest request;
    if (!reader.prefixed(request.filter)) return fail("topic filter runs past the packet");
    if (!mqttStringValid(request.filter)) return fail("topic filter not valid UTF-8");
    if (!mqttTopicFilterValid(request.filter)) return fail("invalid topic filter");  // 4.7.1
    if (subscribe) {
      if (!reader.byte(request.qos)) return fail("SUBSCRIBE filter without its requested QoS");
      // 3.8.3-4: the upper six bits are reserved (0), and QoS 3 does not exist.
      if (request.qos > 2) return fail("SUBSCRIBE requested QoS invalid");
    }
    packet_->topics.push_back(request);
  }
  return Status::kPacket;
}

}  // namespace linecast
