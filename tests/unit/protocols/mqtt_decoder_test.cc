// MqttDecoder: the packets an MQTT 3.1.1 client sends, and every malformed
// case the session must close on, each fed whole, one byte at a time, and
// across the ring's wrap-around at every offset.

#include "protocols/mqtt/mqtt_decoder.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt_test_packets.h"
#include "net/ring_buffer.h"

namespace linecast {
namespace {

using mqtt_test::packet;
using mqtt_test::raw;
using mqtt_test::str;
using mqtt_test::u16;
using Status = MqttDecoder::Status;
using Events = std::vector<std::string>;

constexpr std::size_t kRing = RingBuffer::kMinCapacity;  // 256
constexpr std::size_t kMaxRemaining = 200;

std::string describe(const MqttDecoder& d) {
  switch (d.type()) {
    case MqttPacketType::kConnect: {
      const MqttConnect& c = d.connect();
      std::string s = "connect:" + std::string(c.protocolName) + "/" + std::to_string(c.protocolLevel);
      if (c.protocolName != "MQTT" || c.protocolLevel != 4) return s;
      s += ",clean=" + std::to_string(c.cleanSession) + ",keep=" + std::to_string(c.keepAlive) +
           ",id=" + std::string(c.clientId);
      if (c.hasWill) {
        s += ",will=" + std::string(c.will.topic) + "@" + std::to_string(c.will.qos) +
             (c.will.retain ? "r" : "") + ":" + std::string(c.will.payload);
      }
      if (c.hasUserName) s += ",user=" + std::string(c.userName);
      if (c.hasPassword) s += ",pass=" + std::string(c.password);
      return s;
    }
    case MqttPacketType::kPublish: {
      const MqttPublish& p = d.publish();
      return "publish:" + std::string(p.topic) + ",q" + std::to_string(p.qos) + (p.dup ? ",dup" : "") +
             (p.retain ? ",retain" : "") + ",id=" + std::to_string(p.packetId) + ":" + std::string(p.payload);
    }
    case MqttPacketType::kSubscribe:
    case MqttPacketType::kUnsubscribe: {
      MqttSubscribe s = d.subscribe();
      std::string out = d.type() == MqttPacketType::kSubscribe ? "subscribe:" : "unsubscribe:";
      out += std::to_string(s.packetId);
      for (const MqttTopicRequest& t : *s.topics) {
        out += "," + std::string(t.filter);
        if (d.type() == MqttPacketType::kSubscribe) out += "@" + std::to_string(t.qos);
      }
      return out;
    }
    case MqttPacketType::kPuback: return "puback:" + std::to_string(d.ack().packetId);
    case MqttPacketType::kPubrec: return "pubrec:" + std::to_string(d.ack().packetId);
    case MqttPacketType::kPubrel: return "pubrel:" + std::to_string(d.ack().packetId);
    case MqttPacketType::kPubcomp: return "pubcomp:" + std::to_string(d.ack().packetId);
    case MqttPacketType::kPingreq: return "pingreq";
    case MqttPacketType::kDisconnect: return "disconnect";
    default: return "unexpected type";
  }
}

// Takes every whole packet from the ring into `events`; false once failed.
bool drain(MqttDecoder& decoder, RingBuffer& ring, Events& events) {
  for (;;) {
    std::size_t length = 0;
    Status status = decoder.next(ring, length);
    if (status == Status::kNeedMore) return true;
    if (status == Status::kMalformed) {
      events.push_back("malformed:" + std::string(decoder.errorText()));
      // It stays failed.
      EXPECT_EQ(decoder.next(ring, length), Status::kMalformed);
      return false;
    }
    EXPECT_LE(length, ring.size());
    events.push_back(describe(decoder));
    ring.consume(length);
  }
}

// Feeds `wire` `step` bytes at a time (0: whole) into a ring whose read
// position starts at `offset`, so that packets straddle its wrap.
Events feed(std::string_view wire, std::size_t step, std::size_t offset) {
  MqttDecoder decoder(kMaxRemaining);
  RingBuffer ring;
  EXPECT_TRUE(ring.reserve(kRing, kRing));
  ring.append(std::string(offset, '#'));
  ring.consume(offset);
  Events events;
  if (step == 0) step = wire.size();
  for (std::size_t from = 0; from < wire.size(); from += step) {
    std::string_view piece = wire.substr(from, step);
    EXPECT_TRUE(ring.reserve(piece.size(), kRing));
    ring.append(piece);
    if (!drain(decoder, ring, events)) return events;
  }
  // What is left is one packet still incomplete.
  EXPECT_LE(ring.size(), decoder.maxPending());
  return events;
}

// Decodes `wire` whole, and checks that every other way of feeding it
// (one byte at a time; whole and byte by byte from every ring offset, so
// across the wrap) gives the same events.
Events decode(std::string_view wire) {
  Events whole = feed(wire, 0, 0);
  EXPECT_EQ(feed(wire, 1, 0), whole) << "one byte at a time";
  for (std::size_t offset = 1; offset < kRing; ++offset) {
    EXPECT_EQ(feed(wire, 0, offset), whole) << "whole at ring offset " << offset;
    EXPECT_EQ(feed(wire, 1, offset), whole) << "byte by byte at ring offset " << offset;
  }
  return whole;
}

std::string decodeOne(std::string_view wire) {
  Events events = decode(wire);
  EXPECT_EQ(events.size(), 1u);
  return events.empty() ? "" : events.front();
}

// CONNECT's variable header (3.1.2) with the given flags and keep-alive.
std::string connectHeader(std::uint8_t flags, std::uint16_t keepAlive = 60) {
  return str("MQTT") + "\x04" + std::string(1, static_cast<char>(flags)) + u16(keepAlive);
}

std::string connect(std::uint8_t flags, std::string_view payload) {
  return packet(0x10, connectHeader(flags) + std::string(payload));
}

// --- well-formed packets ---

TEST(MqttDecoderTest, ConnectMinimal) {
  EXPECT_EQ(decodeOne(connect(0x02, str("dev1"))), "connect:MQTT/4,clean=1,keep=60,id=dev1");
  EXPECT_EQ(decodeOne(connect(0x00, str(""))), "connect:MQTT/4,clean=0,keep=60,id=");
}

TEST(MqttDecoderTest, ConnectWithWillUserAndPassword) {
  // will QoS 2, will retain, user name, password.
  const std::uint8_t flags = 0x04 | 0x10 | 0x20 | 0x80 | 0x40;
  std::string payload = str("dev1") + str("status/dev1") + str("gone") + str("alice") + str(raw("s3cr\x00t"));
  EXPECT_EQ(decodeOne(connect(flags, payload)),
            "connect:MQTT/4,clean=0,keep=60,id=dev1,will=status/dev1@2r:gone,user=alice,pass=" +
                std::string("s3cr\x00t", 6));
}

TEST(MqttDecoderTest, ConnectUnsupportedLevelOrMqisdpIsHandedUpUndecoded) {
  // The rest is not looked at: the session answers CONNACK 1.
  EXPECT_EQ(decodeOne(packet(0x10, str("MQTT") + "\x05" + "garbage")), "connect:MQTT/5");
  EXPECT_EQ(decodeOne(packet(0x10, str("MQIsdp") + "\x03" + raw("\x02\x00\x3c") + str("x"))), "connect:MQIsdp/3");
}

TEST(MqttDecoderTest, Publish) {
  EXPECT_EQ(decodeOne(packet(0x30, str("a/b") + "hello")), "publish:a/b,q0,id=0:hello");
  EXPECT_EQ(decodeOne(packet(0x31, str("a/b"))), "publish:a/b,q0,retain,id=0:");
  EXPECT_EQ(decodeOne(packet(0x32, str("a") + u16(7) + "x")), "publish:a,q1,id=7:x");
  EXPECT_EQ(decodeOne(packet(0x3D, str("a") + u16(65535) + "x")), "publish:a,q2,dup,retain,id=65535:x");
  // Any payload bytes; topics may hold spaces, Unicode, empty levels, '$'.
  EXPECT_EQ(decodeOne(packet(0x30, str("$SYS/caf\xC3\xA9 //x") + std::string("\x00\xFF\n", 3))),
            "publish:$SYS/caf\xC3\xA9 //x,q0,id=0:" + std::string("\x00\xFF\n", 3));
  EXPECT_EQ(decodeOne(packet(0x30, str("/"))), "publish:/,q0,id=0:");
}

TEST(MqttDecoderTest, SubscribeAndUnsubscribe) {
  EXPECT_EQ(decodeOne(packet(0x82, u16(10) + str("a/+/c") + '\x01' + str("#") + '\x02' + str("x") + '\x00')),
            "subscribe:10,a/+/c@1,#@2,x@0");
  EXPECT_EQ(decodeOne(packet(0xA2, u16(11) + str("a/#") + str("+"))), "unsubscribe:11,a/#,+");
}

TEST(MqttDecoderTest, AcksPingAndDisconnect) {
  EXPECT_EQ(decodeOne(packet(0x40, u16(1))), "puback:1");
  EXPECT_EQ(decodeOne(packet(0x50, u16(2))), "pubrec:2");
  EXPECT_EQ(decodeOne(packet(0x62, u16(3))), "pubrel:3");
  EXPECT_EQ(decodeOne(packet(0x70, u16(0x1234))), "pubcomp:4660");
  EXPECT_EQ(decodeOne(packet(0xC0, "")), "pingreq");
  EXPECT_EQ(decodeOne(packet(0xE0, "")), "disconnect");
}

TEST(MqttDecoderTest, ASessionsWorthOfPacketsInOneStream) {
  std::string wire = connect(0x02, str("c")) + packet(0x82, u16(1) + str("t/#") + '\x01') +
                     packet(0x32, str("t/1") + u16(2) + "one") + packet(0x40, u16(9)) +
                     packet(0x30, str("t/2") + std::string(150, 'p')) + packet(0xA2, u16(3) + str("t/#")) +
                     packet(0xC0, "") + packet(0xE0, "");
  Events events = decode(wire);
  EXPECT_EQ(events, (Events{"connect:MQTT/4,clean=1,keep=60,id=c", "subscribe:1,t/#@1", "publish:t/1,q1,id=2:one",
                            "puback:9", "publish:t/2,q0,id=0:" + std::string(150, 'p'), "unsubscribe:3,t/#",
                            "pingreq", "disconnect"}));
}

TEST(MqttDecoderTest, RemainingLengthAtTheLimitIsAccepted) {
  std::string topic = str("t");
  std::string body = topic + std::string(kMaxRemaining - topic.size(), 'x');
  EXPECT_EQ(decodeOne(packet(0x30, body)), "publish:t,q0,id=0:" + std::string(kMaxRemaining - 3, 'x'));
}

TEST(MqttDecoderTest, NonMinimalRemainingLengthIsAccepted) {
  // 3.1.1 does not require the shortest form: 0x82 0x00 is 2.
  EXPECT_EQ(decodeOne(std::string("\x40\x82\x00", 3) + u16(5)), "puback:5");
}

// --- what stays in the ring, and what is reused ---

TEST(MqttDecoderTest, ContiguousPublishIsViewedInTheRing) {
  MqttDecoder decoder(kMaxRemaining);
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(kRing, kRing));
  ring.append(packet(0x30, str("a/b") + "payload"));
  std::size_t length = 0;
  ASSERT_EQ(decoder.next(ring, length), Status::kPacket);
  std::span<const char> span = ring.readableSpans()[0];
  const char* begin = span.data();
  const char* end = span.data() + span.size();
  EXPECT_TRUE(decoder.publish().topic.data() >= begin && decoder.publish().topic.data() < end);
  EXPECT_TRUE(decoder.publish().payload.data() >= begin && decoder.publish().payload.data() < end);
  EXPECT_EQ(length, ring.size());
}

TEST(MqttDecoderTest, TopicVectorIsReused) {
  MqttDecoder decoder(kMaxRemaining);
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(kRing, kRing));
  std::size_t length = 0;
  ring.append(packet(0x82, u16(1) + str("a") + '\0' + str("b") + '\0' + str("c") + '\0'));
  ASSERT_EQ(decoder.next(ring, length), Status::kPacket);
  const std::vector<MqttTopicRequest>* topics = decoder.subscribe().topics;
  const MqttTopicRequest* storage = topics->data();
  ring.consume(length);
  ring.append(packet(0xA2, u16(2) + str("z")));
  ASSERT_EQ(decoder.next(ring, length), Status::kPacket);
  EXPECT_EQ(decoder.type(), MqttPacketType::kUnsubscribe);
  EXPECT_EQ(decoder.subscribe().topics, topics);
  EXPECT_EQ(decoder.subscribe().topics->data(), storage);
  ASSERT_EQ(decoder.subscribe().topics->size(), 1u);
  EXPECT_EQ((*decoder.subscribe().topics)[0].filter, "z");
}

TEST(MqttDecoderTest, OversizedPacketIsRefusedFromItsFixedHeader) {
  MqttDecoder decoder(kMaxRemaining);
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(kRing, kRing));
  std::size_t length = 0;
  // 201 bytes announced (0xC9 0x01), none of them sent.
  ring.append(std::string("\x30\xC9", 2));
  EXPECT_EQ(decoder.next(ring, length), Status::kNeedMore);
  ring.append('\x01');
  EXPECT_EQ(decoder.next(ring, length), Status::kMalformed);
  EXPECT_EQ(std::string(decoder.errorText()), "packet too large");
  EXPECT_EQ(decoder.maxPending(), kMaxRemaining + 5);
}

// A limit above what 4 length bytes can say (a huge --max-line) is held
// as that maximum: the largest packet still waits for its body, and the
// pending bound is the largest packet, not the limit given.
TEST(MqttDecoderTest, ALimitPastTheEncodingsMaximumIsTheMaximum) {
  constexpr std::size_t kEncodingMax = 268'435'455;  // 0xFF 0xFF 0xFF 0x7F
  MqttDecoder decoder(std::size_t{1} << 40);
  EXPECT_EQ(decoder.maxPending(), kEncodingMax + 5);
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(kRing, kRing));
  std::size_t length = 0;
  ring.append(std::string("\x30\xFF\xFF\xFF\x7F", 5));
  EXPECT_EQ(decoder.next(ring, length), Status::kNeedMore);
}

// --- malformed packets: each closes the connection ---

std::string malformed(std::string_view wire) {
  std::string event = decodeOne(wire);
  EXPECT_TRUE(event.starts_with("malformed:")) << event;
  return event.substr(std::string_view("malformed:").size());
}

TEST(MqttDecoderTest, FixedHeaderViolations) {
  EXPECT_EQ(malformed(packet(0x00, "")), "reserved packet type");
  EXPECT_EQ(malformed(packet(0xF0, "")), "reserved packet type");
  for (std::uint8_t b : {0x20, 0x90, 0xB0, 0xD0}) {
    EXPECT_EQ(malformed(packet(b, u16(1))), "server-to-client packet type sent by the client") << int(b);
  }
  // 2.2.2-1/2: the flags each type must carry.
  for (std::uint8_t b : {0x11, 0x41, 0x51, 0x60, 0x63, 0x71, 0x80, 0x83, 0xA0, 0xA3, 0xC8, 0xE4}) {
    EXPECT_EQ(malformed(packet(b, u16(1))), "invalid fixed-header flags") << int(b);
  }
  EXPECT_EQ(malformed(packet(0x36, str("a") + u16(1))), "PUBLISH with QoS 3");
  EXPECT_EQ(malformed(packet(0x38, str("a"))), "PUBLISH with DUP set at QoS 0");
  // A fifth length byte.
  EXPECT_EQ(malformed(std::string("\x30\xFF\xFF\xFF\xFF\x01", 6)), "remaining length longer than 4 bytes");
  EXPECT_EQ(malformed(std::string("\x30\xFF\xFF\xFF\x7F", 5)), "packet too large");
  EXPECT_EQ(malformed(packet(0x30, str("t") + std::string(kMaxRemaining - 2, 'x'))), "packet too large");
}

TEST(MqttDecoderTest, FixedLengthPacketsWithOtherLengths) {
  const std::string ackError = "acknowledgement with a remaining length other than 2";
  EXPECT_EQ(malformed(packet(0x40, "")), ackError);
  EXPECT_EQ(malformed(packet(0x50, "\x01")), ackError);
  EXPECT_EQ(malformed(packet(0x62, u16(1) + "x")), ackError);
  EXPECT_EQ(malformed(packet(0x70, u16(1) + u16(2))), ackError);
  EXPECT_EQ(malformed(packet(0xC0, "x")), "PINGREQ or DISCONNECT with a body");
  EXPECT_EQ(malformed(packet(0xE0, u16(0))), "PINGREQ or DISCONNECT with a body");
}

TEST(MqttDecoderTest, PacketIdZero) {
  for (std::uint8_t b : {0x40, 0x50, 0x62, 0x70}) EXPECT_EQ(malformed(packet(b, u16(0))), "packet identifier 0");
  EXPECT_EQ(malformed(packet(0x32, str("a") + u16(0) + "x")), "packet identifier 0");
  EXPECT_EQ(malformed(packet(0x34, str("a") + u16(0))), "packet identifier 0");
  EXPECT_EQ(malformed(packet(0x82, u16(0) + str("a") + '\0')), "packet identifier 0");
  EXPECT_EQ(malformed(packet(0xA2, u16(0) + str("a"))), "packet identifier 0");
}

TEST(MqttDecoderTest, ConnectViolations) {
  EXPECT_EQ(malformed(packet(0x10, str("MQTX") + "\x04" + raw("\x02\x00\x3c") + str("x"))),
            "CONNECT with an unknown protocol name");
  EXPECT_EQ(malformed(packet(0x10, str("mqtt") + "\x04" + raw("\x02\x00\x3c") + str("x"))),
            "CONNECT with an unknown protocol name");
  EXPECT_EQ(malformed(packet(0x10, raw("\x00\x04MQ"))), "CONNECT cut short in its protocol name or level");
  EXPECT_EQ(malformed(packet(0x10, str("MQTT"))), "CONNECT cut short in its protocol name or level");
  EXPECT_EQ(malformed(packet(0x10, str("MQTT") + raw("\x04\x02\x00"))), "CONNECT cut short in its flags");
  EXPECT_EQ(malformed(connect(0x03, str("x"))), "CONNECT reserved flag set");            // 3.1.2-3
  EXPECT_EQ(malformed(connect(0x08, str("x"))), "CONNECT will QoS or retain set without a will");   // 3.1.2-11
  EXPECT_EQ(malformed(connect(0x10, str("x"))), "CONNECT will QoS or retain set without a will");
  EXPECT_EQ(malformed(connect(0x20, str("x"))), "CONNECT will QoS or retain set without a will");   // 3.1.2-13
  EXPECT_EQ(malformed(connect(0x1C, str("x") + str("t") + str("m"))), "CONNECT will QoS 3");        // 3.1.2-14
  EXPECT_EQ(malformed(connect(0x40, str("x") + str("p"))), "CONNECT password without a user name");  // 3.1.2-22
  EXPECT_EQ(malformed(connect(0x02, raw("\x00\x05" "ab"))), "CONNECT client id runs past the packet");
  EXPECT_EQ(malformed(connect(0x02, "")), "CONNECT client id runs past the packet");
  EXPECT_EQ(malformed(connect(0x02, str("\xC0\x80"))), "CONNECT client id not valid UTF-8");
  EXPECT_EQ(malformed(connect(0x02, str(std::string("a\0b", 3)))), "CONNECT client id not valid UTF-8");
  EXPECT_EQ(malformed(connect(0x06, str("x") + str("t"))), "CONNECT will runs past the packet");
  EXPECT_EQ(malformed(connect(0x06, str("x") + str("\xED\xA0\x80") + str("m"))),
            "CONNECT will topic not valid UTF-8");
  EXPECT_EQ(malformed(connect(0x06, str("x") + str("a/#") + str("m"))),
            "CONNECT will topic empty or holding a wildcard");
  EXPECT_EQ(malformed(connect(0x06, str("x") + str("") + str("m"))),
            "CONNECT will topic empty or holding a wildcard");
  EXPECT_EQ(malformed(connect(0x82, str("x"))), "CONNECT user name runs past the packet");
  EXPECT_EQ(malformed(connect(0x82, str("x") + str("\xFF"))), "CONNECT user name not valid UTF-8");
  EXPECT_EQ(malformed(connect(0xC2, str("x") + str("u") + raw("\x00"))), "CONNECT password runs past the packet");
  EXPECT_EQ(malformed(connect(0x02, str("x") + "!")), "CONNECT with bytes after its last field");
  // A user name that is not flagged is a leftover byte run.
  EXPECT_EQ(malformed(connect(0x02, str("x") + str("u"))), "CONNECT with bytes after its last field");
}

TEST(MqttDecoderTest, PublishViolations) {
  EXPECT_EQ(malformed(packet(0x30, "")), "PUBLISH topic runs past the packet");
  EXPECT_EQ(malformed(packet(0x30, raw("\x00\x09" "abc"))), "PUBLISH topic runs past the packet");
  EXPECT_EQ(malformed(packet(0x30, str(""))), "PUBLISH topic empty or holding a wildcard");   // 4.7.3-1
  EXPECT_EQ(malformed(packet(0x30, str("a/+"))), "PUBLISH topic empty or holding a wildcard");  // 3.3.2-2
  EXPECT_EQ(malformed(packet(0x30, str("a/#"))), "PUBLISH topic empty or holding a wildcard");
  EXPECT_EQ(malformed(packet(0x30, str("a+b"))), "PUBLISH topic empty or holding a wildcard");
  EXPECT_EQ(malformed(packet(0x30, str("\xC3"))), "PUBLISH topic not valid UTF-8");
  EXPECT_EQ(malformed(packet(0x30, str("\xF4\x90\x80\x80"))), "PUBLISH topic not valid UTF-8");
  EXPECT_EQ(malformed(packet(0x30, str(std::string("a\0", 2)))), "PUBLISH topic not valid UTF-8");
  EXPECT_EQ(malformed(packet(0x32, str("a") + "\x01")), "PUBLISH packet identifier runs past the packet");
}

TEST(MqttDecoderTest, SubscribeViolations) {
  EXPECT_EQ(malformed(packet(0x82, "\x01")), "SUBSCRIBE or UNSUBSCRIBE without a packet identifier");
  EXPECT_EQ(malformed(packet(0x82, u16(1))), "SUBSCRIBE or UNSUBSCRIBE without a topic filter");  // 3.8.3-3
  EXPECT_EQ(malformed(packet(0x82, u16(1) + str("a"))), "SUBSCRIBE filter without its requested QoS");
  EXPECT_EQ(malformed(packet(0x82, u16(1) + str("a") + '\x03')), "SUBSCRIBE requested QoS invalid");  // 3.8.3-4
  EXPECT_EQ(malformed(packet(0x82, u16(1) + str("a") + '\x81')), "SUBSCRIBE requested QoS invalid");
  EXPECT_EQ(malformed(packet(0x82, u16(1) + str("a") + '\x04')), "SUBSCRIBE requested QoS invalid");
  EXPECT_EQ(malformed(packet(0x82, u16(1) + str("a") + '\0' + raw("\x00"))), "topic filter runs past the packet");
  for (std::string_view bad : {"", "a/#/b", "a#", "a/b+", "+a", "##"}) {
    EXPECT_EQ(malformed(packet(0x82, u16(1) + str(bad) + '\0')), "invalid topic filter") << bad;
  }
  EXPECT_EQ(malformed(packet(0x82, u16(1) + str("\xE0\x80\x80") + '\0')), "topic filter not valid UTF-8");
}

TEST(MqttDecoderTest, UnsubscribeViolations) {
  EXPECT_EQ(malformed(packet(0xA2, u16(1))), "SUBSCRIBE or UNSUBSCRIBE without a topic filter");  // 3.10.3-2
  EXPECT_EQ(malformed(packet(0xA2, u16(1) + str("a") + raw("\x00"))), "topic filter runs past the packet");
  EXPECT_EQ(malformed(packet(0xA2, u16(1) + str("a/#/b"))), "invalid topic filter");
  EXPECT_EQ(malformed(packet(0xA2, u16(1) + str(std::string("\0", 1)))), "topic filter not valid UTF-8");
}

TEST(MqttDecoderTest, NothingAfterAMalformedPacket) {
  Events events = decode(packet(0x30, str("ok")) + packet(0xF0, "") + packet(0xC0, ""));
  EXPECT_EQ(events, (Events{"publish:ok,q0,id=0:", "malformed:reserved packet type"}));
}

}  // namespace
}  // namespace linecast
