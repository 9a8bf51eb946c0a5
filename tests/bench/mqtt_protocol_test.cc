#include "loadgen/mqtt_protocol.h"

#include <gtest/gtest.h>

#include "loadgen/options.h"

#include "recording_sink.h"

namespace linecast::bench {
namespace {

using testing::decodeInChunks;
using testing::decodeSplitAt;
using testing::Recorded;

// Bytes written as a list of values, MQTT being binary.
std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

TEST(MqttEncoder, WritesMqtt311Packets) {
  MqttEncoder enc(1);
  std::string out;
  enc.connect(out, "c1");
  EXPECT_EQ(out, bytes({0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0, 0, 2, 'c', '1'}));
  out.clear();
  enc.subscribe(out, "lcb/000002", 1);
  EXPECT_EQ(out, bytes({0x82, 15, 0, 1, 0, 10}) + "lcb/000002" + bytes({1}));
  out.clear();
  enc.publish(out, "a", "hi");
  EXPECT_EQ(out, bytes({0x30, 5, 0, 1, 'a', 'h', 'i'}));
  out.clear();
  enc.publish(out, "a", "hi", 0x1234);
  EXPECT_EQ(out, bytes({0x32, 7, 0, 1, 'a', 0x12, 0x34, 'h', 'i'}));
  out.clear();
  enc.puback(out, 0x1234);
  enc.ping(out);
  enc.pong(out);  // nothing: servers never ping
  EXPECT_EQ(out, bytes({0x40, 2, 0x12, 0x34, 0xc0, 0}));
  out.clear();
  enc.hello(out);  // an empty client id: the server names the session
  EXPECT_EQ(out, bytes({0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0, 0, 0}));
  EXPECT_FALSE(enc.serverGreets());
  EXPECT_TRUE(enc.subscribeConfirms());
  MqttEncoder qos0(0);
  out.clear();
  qos0.subscribe(out, "t", 9);
  EXPECT_EQ(out, bytes({0x82, 6, 0, 9, 0, 1, 't', 0}));
}

TEST(MqttEncoder, RemainingLengthTakesMoreBytesPast127) {
  MqttEncoder enc(0);
  std::string out;
  enc.publish(out, "a", std::string(200, 'x'));  // 2 + 1 + 200 = 203 = 0x4b + 1 * 128
  ASSERT_EQ(out.size(), 3u + 203u);
  EXPECT_EQ(out.substr(0, 3), bytes({0x30, 0xcb, 0x01}));
  out.clear();
  enc.publish(out, "a", std::string(20'000, 'x'));  // 20,003 = 0x23 + 0x1c * 128 + 1 * 16384
  EXPECT_EQ(out.substr(0, 4), bytes({0x30, 0xa3, 0x9c, 0x01}));
}

const std::string kBig(200, 'y');

const std::string kStream =
    bytes({0x20, 2, 0, 0}) +                                  // CONNACK accepted
    bytes({0x90, 3, 0, 1, 1}) +                               // SUBACK, QoS 1 granted
    bytes({0x30, 7, 0, 3}) + "a/b" + "hi" +                   // PUBLISH QoS 0
    bytes({0x32, 9, 0, 3}) + "a/b" + bytes({0, 7}) + "hi" +   // PUBLISH QoS 1, id 7
    bytes({0x30, 0xcd, 0x01, 0, 3}) + "a/b" + kBig +          // 205 bytes: a two-byte length
    bytes({0x31, 5, 0, 3}) + "a/b" +                          // retained, empty payload
    bytes({0x40, 2, 0x01, 0x02}) +                            // PUBACK 258
    bytes({0xd0, 0});                                         // PINGRESP

const std::vector<Recorded> kEvents = {
    {EventType::kOk, "", "", ""},
    {EventType::kSubscribed, "", "", "", 1},
    {EventType::kMessage, "a/b", "hi", ""},
    {EventType::kMessage, "a/b", "hi", "", 7},
    {EventType::kMessage, "a/b", kBig, ""},
    {EventType::kMessage, "a/b", "", ""},
    {EventType::kAcked, "", "", "", 258},
    {EventType::kPong, "", "", ""},
};

TEST(MqttDecoder, DecodesAllAtOnce) {
  bool ok = false;
  EXPECT_EQ(decodeInChunks(Protocol::kMqtt, kStream, 0, &ok), kEvents);
  EXPECT_TRUE(ok);
}

TEST(MqttDecoder, DecodesOneByteAtATime) {
  bool ok = false;
  EXPECT_EQ(decodeInChunks(Protocol::kMqtt, kStream, 1, &ok), kEvents);
  EXPECT_TRUE(ok);
}

TEST(MqttDecoder, DecodesEverySplit) {
  for (std::size_t at = 1; at < kStream.size(); ++at) {
    bool ok = false;
    EXPECT_EQ(decodeSplitAt(Protocol::kMqtt, kStream, at, &ok), kEvents) << "split at " << at;
    EXPECT_TRUE(ok) << "split at " << at;
  }
}

TEST(MqttDecoder, ABodilessPacketAtTheEndOfAChunkIsDeliveredAtOnce) {
  auto decoder = makeDecoder(Protocol::kMqtt, 1024);
  testing::RecordingSink sink;
  ASSERT_TRUE(decoder->feed(bytes({0xd0}), sink));
  EXPECT_TRUE(sink.events.empty());
  ASSERT_TRUE(decoder->feed(bytes({0}), sink));
  EXPECT_EQ(sink.events, (std::vector<Recorded>{{EventType::kPong, "", "", ""}}));
}

TEST(MqttDecoder, WhatTheEncoderPublishesDecodesAsADelivery) {
  MqttEncoder enc(1);
  std::string stream;
  enc.publish(stream, "lcb/000001", "payload-0", 65535);
  enc.publish(stream, "lcb/000001", "payload-1");
  bool ok = false;
  EXPECT_EQ(decodeInChunks(Protocol::kMqtt, stream, 1, &ok),
            (std::vector<Recorded>{{EventType::kMessage, "lcb/000001", "payload-0", "", 65535},
                                   {EventType::kMessage, "lcb/000001", "payload-1", ""}}));
  EXPECT_TRUE(ok);
}

TEST(MqttDecoder, RefusalsAreErrorEvents) {
  bool ok = false;
  auto events = decodeInChunks(Protocol::kMqtt, bytes({0x20, 2, 0, 5, 0x90, 3, 0, 1, 0x80}), 1, &ok);
  EXPECT_TRUE(ok);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, EventType::kError);
  EXPECT_EQ(events[0].text, "CONNACK refused: not authorized");
  EXPECT_EQ(events[1].type, EventType::kError);
  EXPECT_EQ(events[1].text, "SUBACK refused the subscription");
}

TEST(MqttDecoder, RejectsWhatTheLoadgenNeverAsksFor) {
  const std::vector<std::string> bad = {
      bytes({0x34, 7, 0, 1, 'a', 0, 1, 'h', 'i'}),  // QoS 2
      bytes({0x36, 3, 0, 1, 'a'}),                  // QoS 3
      bytes({0x32, 5, 0, 1, 'a', 0, 0}),            // QoS 1 with packet id 0
      bytes({0x32, 4, 0, 9, 'a', 'b'}),             // topic longer than the packet
      bytes({0xb0, 2, 0, 1}),                       // UNSUBACK
      bytes({0xc0, 0}),                             // the server pings
      bytes({0xd0, 1, 0}),                          // PINGRESP with a body
      bytes({0x41, 2, 0, 1}),                       // PUBACK with flags
      bytes({0x40, 3, 0, 1, 0}),                    // PUBACK of the wrong length
      bytes({0x20, 3, 0, 0, 0}),                    // CONNACK of the wrong length
      bytes({0x90, 2, 0, 1}),                       // SUBACK without a return code
      bytes({0x90, 3, 0, 1, 3}),                    // SUBACK granting QoS 3
      bytes({0x30, 0xff, 0xff, 0xff, 0xff, 0x01}),  // a five-byte remaining length
      bytes({0x30, 0x80, 0x80, 0x01}),              // 16 KiB, over the 1 KiB + 512 limit
  };
  for (const std::string& stream : bad) {
    auto decoder = makeDecoder(Protocol::kMqtt, 1024);
    testing::RecordingSink sink;
    bool good = true;
    for (std::size_t i = 0; i < stream.size() && good; ++i)
      good = decoder->feed(stream.substr(i, 1), sink);
    EXPECT_FALSE(good) << excerpt(stream);
    EXPECT_FALSE(decoder->error().empty()) << excerpt(stream);
    EXPECT_TRUE(sink.events.empty()) << excerpt(stream);
  }
}

TEST(MqttOptions, QosAndInflightAreForMqttOnly) {
  Options o;
  o.qos = 1;
  EXPECT_EQ(validate(o), "--qos is for --protocol mqtt");
  o.protocol = Protocol::kMqtt;
  EXPECT_FALSE(validate(o).has_value());
  o.inflight = 8;
  EXPECT_FALSE(validate(o).has_value());
  o.qos = 0;
  EXPECT_EQ(validate(o), "--inflight is for --protocol mqtt --qos 1");
  o.inflight = Options{}.inflight;
  EXPECT_FALSE(validate(o).has_value());
  EXPECT_EQ(protocolLabel(o), "mqtt");
}

TEST(MqttOptions, TheChannelPrefixIsOneTopicLevel) {
  Options o;
  o.protocol = Protocol::kMqtt;
  for (const char* prefix : {"a/b", "a+", "#"}) {
    o.channelPrefix = prefix;
    EXPECT_TRUE(validate(o).has_value()) << prefix;
  }
  o.channelPrefix = "lcb";
  EXPECT_FALSE(validate(o).has_value());
  o.user = "u";
  o.password = "p";
  EXPECT_TRUE(validate(o).has_value());  // MQTT's CONNECT login is not offered
}

}  // namespace
}  // namespace linecast::bench
