// The MQTT encoders, byte for byte against packets written out by hand
// from the OASIS MQTT 3.1.1 standard (sections 2.2.3 and 3).

#include "protocols/mqtt/mqtt_encoder.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include "mqtt_test_packets.h"

namespace linecast {
namespace {

using mqtt_test::raw;

// Table 2.4's boundaries: each remaining length and its encoding.
struct LengthCase {
  std::size_t remaining;
  std::string encoded;
};

const LengthCase kLengths[] = {
    {0, raw("\x00")},
    {127, raw("\x7F")},
    {128, raw("\x80\x01")},
    {16383, raw("\xFF\x7F")},
    {16384, raw("\x80\x80\x01")},
    {2097151, raw("\xFF\xFF\x7F")},
    {2097152, raw("\x80\x80\x80\x01")},
    {268435455, raw("\xFF\xFF\xFF\x7F")},
};

TEST(MqttEncoderTest, RemainingLengthAtEachBoundary) {
  for (const LengthCase& c : kLengths) {
    EXPECT_EQ(mqttRemainingLengthBytes(c.remaining), c.encoded.size()) << c.remaining;
    // SUBACK's remaining length is 2 + the return codes.
    if (c.remaining >= 2) {
      EXPECT_EQ(mqttSubackHead(0x0102, c.remaining - 2).view(), "\x90" + c.encoded + "\x01\x02") << c.remaining;
    }
    // PUBLISH of topic "a" at QoS 0: 2 + 1 + the payload.
    if (c.remaining >= 3) {
      EXPECT_EQ(mqttPublishHead(1, c.remaining - 3, 0, false, false).view(), "\x30" + c.encoded + raw("\x00\x01"))
          << c.remaining;
    }
  }
}

TEST(MqttEncoderTest, PublishHeadFlagsAndPacketId) {
  // 3.3.1: DUP bit 3, QoS bits 2-1, RETAIN bit 0; QoS > 0 adds 2 id bytes.
  EXPECT_EQ(mqttPublishHead(3, 5, 1, false, false).view(), raw("\x32\x0C\x00\x03"));
  EXPECT_EQ(mqttPublishHead(3, 5, 2, true, true).view(), raw("\x3D\x0C\x00\x03"));
  EXPECT_EQ(mqttPublishHead(3, 5, 0, false, true).view(), raw("\x31\x0A\x00\x03"));
  EXPECT_EQ(mqttPublishHead(300, 0, 0, false, false).view(), raw("\x30\xAE\x02\x01\x2C"));
  EXPECT_EQ(mqttPacketId(0x1234).view(), raw("\x12\x34"));
  EXPECT_EQ(mqttPacketId(1).view(), raw("\x00\x01"));
}

TEST(MqttEncoderTest, Connack) {
  // 3.2: 0x20, length 2, acknowledge flags, return code.
  EXPECT_EQ(mqttConnack(false, MqttConnackCode::kAccepted).view(), raw("\x20\x02\x00\x00"));
  EXPECT_EQ(mqttConnack(true, MqttConnackCode::kAccepted).view(), raw("\x20\x02\x01\x00"));
  EXPECT_EQ(mqttConnack(false, MqttConnackCode::kUnacceptableProtocolVersion).view(), raw("\x20\x02\x00\x01"));
  EXPECT_EQ(mqttConnack(false, MqttConnackCode::kIdentifierRejected).view(), raw("\x20\x02\x00\x02"));
  EXPECT_EQ(mqttConnack(false, MqttConnackCode::kNotAuthorized).view(), raw("\x20\x02\x00\x05"));
}

TEST(MqttEncoderTest, Acks) {
  EXPECT_EQ(mqttAck(MqttPacketType::kPuback, 7).view(), raw("\x40\x02\x00\x07"));
  EXPECT_EQ(mqttAck(MqttPacketType::kPubrec, 0x0102).view(), raw("\x50\x02\x01\x02"));
  // 3.6.1: PUBREL's reserved flags are 0010.
  EXPECT_EQ(mqttAck(MqttPacketType::kPubrel, 65535).view(), raw("\x62\x02\xFF\xFF"));
  EXPECT_EQ(mqttAck(MqttPacketType::kPubcomp, 1).view(), raw("\x70\x02\x00\x01"));
  EXPECT_EQ(mqttAck(MqttPacketType::kUnsuback, 9).view(), raw("\xB0\x02\x00\x09"));
}

TEST(MqttEncoderTest, SubackHeadAndPingresp) {
  EXPECT_EQ(mqttSubackHead(10, 1).view(), raw("\x90\x03\x00\x0A"));
  EXPECT_EQ(mqttSubackHead(10, 3).view(), raw("\x90\x05\x00\x0A"));
  EXPECT_EQ(mqttSubackHead(0x0203, 126).view(), raw("\x90\x80\x01\x02\x03"));
  EXPECT_EQ(mqttPingresp().view(), raw("\xD0\x00"));
}

}  // namespace
}  // namespace linecast
