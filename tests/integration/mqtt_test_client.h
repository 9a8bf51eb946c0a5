#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "test_client.h"
#include "test_util.h"

namespace linecast::test {

// One MQTT control packet as read from the wire.
struct MqttPacketIn {
  std::uint8_t header = 0;  // type << 4 | flags
  std::string body;         // after the remaining length
  int type() const { return header >> 4; }
  std::string bytes() const;  // re-encoded whole, for exact comparisons
};

// A PUBLISH taken apart.
struct MqttPublishIn {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool dup = false;
  bool retain = false;
  std::uint16_t packetId = 0;
};

struct MqttWillOptions {
  std::string topic{};
  std::string payload{};
  int qos = 0;
  bool retain = false;
};

struct MqttConnectOptions {
  std::string clientId{};
  bool clean = true;
  std::uint16_t keepAlive = 60;
  std::optional<MqttWillOptions> will{};
  std::optional<std::string> user{};
  std::optional<std::string> password{};
  std::string protocolName = "MQTT";
  int level = 4;
};

// A raw-packet MQTT 3.1.1 client for the integration tests: it builds the
// packets byte by byte (so a test can also send malformed ones) and reads
// the server's packets whole.
class MqttTestClient {
 public:
  // Packet builders.
  static std::string remainingLength(std::size_t n);
  static std::string packet(std::uint8_t header, std::string_view body);
  static std::string connectPacket(const MqttConnectOptions& options);
  static std::string publishPacket(std::string_view topic, std::string_view payload, int qos = 0,
                                   std::uint16_t id = 0, bool dup = false, bool retain = false);
  static std::string subscribePacket(std::uint16_t id, const std::vector<std::pair<std::string, int>>& filters);
  static std::string unsubscribePacket(std::uint16_t id, const std::vector<std::string>& filters);
  // PUBACK (4), PUBREC (5), PUBREL (6, flags 2), PUBCOMP (7), UNSUBACK (11).
  static std::string ackPacket(int type, std::uint16_t id);
  static std::string connackPacket(bool sessionPresent, int code);
  static std::string subackPacket(std::uint16_t id, const std::vector<int>& codes);
  static std::string pingreq() { return std::string("\xC0\x00", 2); }
  static std::string disconnect() { return std::string("\xE0\x00", 2); }

  ::testing::AssertionResult open(std::uint16_t port);
  // open, CONNECT, and exactly the CONNACK expected.
  ::testing::AssertionResult connect(std::uint16_t port, const MqttConnectOptions& options,
                                     bool sessionPresent = false, int code = 0);
  ::testing::AssertionResult send(std::string_view bytes) { return tcp_.send(bytes); }
  std::optional<MqttPacketIn> readPacket(milliseconds timeout = kDefaultTimeout);
  // The next packet is exactly these bytes.
  ::testing::AssertionResult expectPacket(std::string_view bytes, milliseconds timeout = kDefaultTimeout);
  // The next packet is a PUBLISH; nullopt (and a test failure) otherwise.
  std::optional<MqttPublishIn> readPublish(milliseconds timeout = kDefaultTimeout);
  // SUBSCRIBE and its SUBACK with these codes.
  ::testing::AssertionResult subscribe(std::uint16_t id, const std::vector<std::pair<std::string, int>>& filters,
                                       const std::vector<int>& codes);
  ::testing::AssertionResult expectClosed(milliseconds timeout = kDefaultTimeout) { return tcp_.expectClosed(timeout); }
  ::testing::AssertionResult expectNothing(milliseconds window = kQuietWindow) { return tcp_.expectNothing(window); }
  // PINGREQ, then PINGRESP: everything the server sent before is read.
  ::testing::AssertionResult ping();
  TestClient& tcp() { return tcp_; }

 private:
  TestClient tcp_;
};

}  // namespace linecast::test
