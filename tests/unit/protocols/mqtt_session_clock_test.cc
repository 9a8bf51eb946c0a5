// MqttSession's last-packet time in 32-bit milliseconds since the
// connection opened: the time since it never exceeds the real elapsed time
// (a keep-alive never closes early), is 0 within the same millisecond
// (not a wrapped huge value), and stays exact across the 2^32 wrap.

#include <gtest/gtest.h>

#include <cstdint>

#include "protocols/mqtt/mqtt_session.h"

namespace linecast {
namespace {

TEST(MqttSessionClock, TheSameMillisecondIsNoTimeAtAll) {
  const double opened = 1000.25;
  std::uint32_t stamp = MqttSession::stampAt(opened, opened + 1.0005);
  EXPECT_EQ(stamp, 1001u);  // rounded up
  EXPECT_EQ(MqttSession::msSince(stamp, opened, opened + 1.0005), 0u);
  EXPECT_EQ(MqttSession::msSince(stamp, opened, opened + 1.0009), 0u);
  EXPECT_EQ(MqttSession::msSince(0, opened, opened), 0u);
}

TEST(MqttSessionClock, NeverMoreThanElapsed) {
  const double opened = 52.125;
  std::uint32_t stamp = MqttSession::stampAt(opened, opened + 3.0004);
  // 1.5 x a keep-alive of 2 s: 3,000 ms after the packet, not before.
  EXPECT_LT(MqttSession::msSince(stamp, opened, opened + 3.0004 + 2.9995), 3000u);
  EXPECT_GE(MqttSession::msSince(stamp, opened, opened + 3.0004 + 3.002), 3000u);
}

TEST(MqttSessionClock, ExactAcrossTheWrap) {
  const double opened = 10;
  const double wrap = 4294967.296;  // 2^32 ms
  std::uint32_t stamp = MqttSession::stampAt(opened, opened + wrap - 1.0);
  EXPECT_EQ(MqttSession::msSince(stamp, opened, opened + wrap + 2.0), 3000u);
  EXPECT_EQ(MqttSession::msSince(stamp, opened, opened + wrap - 1.0), 0u);
}

}  // namespace
}  // namespace linecast
