#pragma once

#include <cstdint>

#include "loadgen/protocol.h"
#include "loadgen/split_reader.h"

namespace linecast::bench {

// MQTT 3.1.1, client side, as much of it as the loadgen needs: CONNECT
// (clean session, no keep-alive: an idle connection must not need pings),
// SUBSCRIBE, PUBLISH at QoS 0 or 1, PUBACK, PINGREQ; from the server
// CONNACK, SUBACK, PUBLISH, PUBACK and PINGREQ's PINGRESP. Topics are the
// loadgen's channel names with '/' between levels (linecast's MQTT port maps
// lcb/000001 to its channel lcb.000001).
//
// A client may send on right after CONNECT without waiting for CONNACK, so
// the handshake is pipelined like the other protocols': CONNECT, then
// SUBSCRIBE (confirmed by SUBACK) or PINGREQ (the barrier, PINGRESP).
class MqttEncoder final : public Encoder {
 public:
  // qos: of SUBSCRIBE's request and of every PUBLISH (0 or 1).
  explicit MqttEncoder(int qos) : qos_(qos) {}

  int qos() const { return qos_; }
  bool serverGreets() const override { return false; }
  bool subscribeConfirms() const override { return true; }
  // CONNECT with an empty client id: the server names the session.
  void hello(std::string& out) const override { connect(out, {}); }
  void connect(std::string& out, std::string_view clientId) const;
  // sid is SUBSCRIBE's packet id (1..65535).
  void subscribe(std::string& out, std::string_view channel, std::uint64_t sid) const override;
  // At QoS 0 (the throughput template is made of these); a QoS 1 PUBLISH
  // carries the connection's packet id: the overload below.
  void publish(std::string& out, std::string_view channel, std::string_view payload) const override;
  void publish(std::string& out, std::string_view channel, std::string_view payload,
               std::uint16_t packetId) const;
  void puback(std::string& out, std::uint16_t packetId) const;
  void ping(std::string& out) const override;  // PINGREQ
  // An MQTT server never pings its clients (the decoder has no kPing), so
  // there is never anything to answer.
  void pong(std::string&) const override {}

 private:
  int qos_;
};

// Server packets to Events: CONNACK accepted -> kOk, refused -> kError;
// SUBACK -> kSubscribed (no channel: SUBACK names none; packetId), refused
// (0x80) -> kError; PUBLISH -> kMessage (packetId set at QoS 1: answer with
// PUBACK); PUBACK -> kAcked (packetId); PINGRESP -> kPong. Anything else
// (QoS 2's packets, UNSUBACK, a server's PINGREQ) is a protocol error.
//
// A packet wholly inside the chunk is decoded in place; only one split
// across reads is gathered in the body reader's carry, which keeps its
// capacity: no allocation per message once it has grown.
class MqttDecoder final : public Decoder {
 public:
  // maxFrame bounds a PUBLISH's payload; the topic and header add a little.
  explicit MqttDecoder(std::size_t maxFrame) : maxPacket_(maxFrame + 512) {}
  bool feed(std::string_view chunk, EventSink& sink) override;

 private:
  bool onPacket(std::string_view body, EventSink& sink);
  bool onPublish(std::string_view body, EventSink& sink);

  std::size_t maxPacket_;
  // The fixed header under way: its first byte, then up to four bytes of
  // "remaining length" (7 bits each, least significant first).
  bool haveFirstByte_ = false;
  std::uint8_t firstByte_ = 0;
  int lengthBytes_ = 0;
  std::size_t remaining_ = 0;
  bool inBody_ = false;
  ExactReader body_;
};

}  // namespace linecast::bench
