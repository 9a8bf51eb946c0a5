// Fuzz target: the MQTT 3.1.1 codec (docs/PROTOCOL.md, "MQTT 3.1.1").
//
// Input: one byte picks the maximum remaining length, one seeds how the
// rest is cut into reads; the rest is the byte stream a client sends. The
// stream is fed read by read into a RingBuffer (so packets wrap around its
// end) and decoded by MqttDecoder until a packet is malformed. Checked:
//   - packetLength is never over the bytes in the ring, and its body never
//     over the maximum; the ring never holds more than maxPending() plus
//     one read; a malformed packet has a reason and the decoder stays failed;
//   - every view lies inside its packet and holds that packet's bytes; a
//     packet that does not straddle the ring's end is viewed in place;
//   - what the decoder hands up obeys the specification: topic names and
//     filters valid and UTF-8, QoS at most 2, packet ids non-zero;
//   - the events equal those of the same bytes fed all at once;
//   - a PUBLISH or an acknowledgement re-encoded by the encoder gives the
//     packet's bytes back (its fixed header too when minimally encoded);
//   - the topic/channel mapping round-trips, and MQTT matching of each
//     filter against each topic seen agrees with the line protocol's
//     matching of the filter's patterns against the topic's channel.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "net/ring_buffer.h"
#include "protocols/mqtt/mqtt_decoder.h"
#include "protocols/mqtt/mqtt_encoder.h"
#include "protocols/mqtt/mqtt_topic.h"
#include "protocols/ws/ws_utf8.h"
#include "ring_feed.h"
#include "routing/channel.h"

namespace linecast::fuzz {
namespace {

constexpr std::size_t kMaxRemainings[] = {0, 2, 10, 127, 128, 300, 16384, 70000};
constexpr std::size_t kMaxRead = 512;
constexpr std::size_t kMaxKeptNames = 16;  // topics and filters kept for the matching check

struct Run {
  std::vector<std::string> events;
  std::size_t consumed = 0;
  std::vector<std::string> topics;
  std::vector<std::string> filters;
};

// The view is inside the packet's body (which starts at `base`) and holds
// the body's bytes at its place.
void checkView(std::string_view view, const char* base, std::string_view body) {
  if (view.empty()) return;
  FUZZ_CHECK(view.data() >= base && view.data() + view.size() <= base + body.size());
  auto offset = static_cast<std::size_t>(view.data() - base);
  FUZZ_CHECK(body.substr(offset, view.size()) == view);
}

bool mqttString(std::string_view s) { return utf8Valid(s) && s.find('\0') == std::string_view::npos; }

void keep(std::vector<std::string>& names, std::string_view name) {
  if (names.size() < kMaxKeptNames) names.emplace_back(name);
}

// Checks one decoded packet; `packet` is its bytes, `header` its fixed
// header's size, `inPlace` where its body lies in the ring if it does not
// straddle the ring's end.
void record(const MqttDecoder& d, std::string_view packet, std::size_t header, const char* inPlace, Run& run) {
  const std::string_view body = packet.substr(header);
  const bool minimal = header == 1 + mqttRemainingLengthBytes(body.size());
  std::string event(1, static_cast<char>(d.type()));
  switch (d.type()) {
    case MqttPacketType::kConnect: {
      const MqttConnect& c = d.connect();
      const char* base = inPlace ? inPlace : c.protocolName.data() - 2;
      for (std::string_view v : {c.protocolName, c.clientId, c.will.topic, c.will.payload, c.userName, c.password}) {
        checkView(v, base, body);
      }
      event.append(c.protocolName).append(1, static_cast<char>(c.protocolLevel));
      if (c.protocolName != "MQTT" || c.protocolLevel != 4) {
        FUZZ_CHECK(c.protocolName == "MQTT" || c.protocolName == "MQIsdp");
        break;
      }
      FUZZ_CHECK(mqttString(c.clientId));
      FUZZ_CHECK(!c.hasPassword || c.hasUserName);
      FUZZ_CHECK(c.will.qos <= 2 && (c.hasWill || (c.will.qos == 0 && !c.will.retain)));
      if (c.hasWill) FUZZ_CHECK(mqttTopicNameValid(c.will.topic) && mqttString(c.will.topic));
      if (c.hasUserName) FUZZ_CHECK(mqttString(c.userName));
      event.append(c.clientId).append(c.will.topic).append(c.will.payload).append(c.userName).append(c.password);
      break;
    }
    case MqttPacketType::kPublish: {
      const MqttPublish& p = d.publish();
      const char* base = inPlace ? inPlace : p.topic.data() - 2;
      checkView(p.topic, base, body);
      checkView(p.payload, base, body);
      FUZZ_CHECK(mqttTopicNameValid(p.topic) && mqttString(p.topic));
      FUZZ_CHECK(p.qos <= 2 && (p.qos > 0) == (p.packetId != 0) && (p.qos > 0 || !p.dup));
      // The encoder gives the same bytes back.
      std::string again(mqttPublishHead(p.topic.size(), p.payload.size(), p.qos, p.dup, p.retain).view());
      again.append(p.topic);
      if (p.qos > 0) again.append(mqttPacketId(p.packetId).view());
      again.append(p.payload);
      FUZZ_CHECK(minimal ? again == packet : again.substr(again.size() - body.size()) == body);
      keep(run.topics, p.topic);
      event.append(p.topic).append(1, static_cast<char>(p.qos)).append(p.payload);
      break;
    }
    case MqttPacketType::kSubscribe:
    case MqttPacketType::kUnsubscribe: {
      MqttSubscribe s = d.subscribe();
      FUZZ_CHECK(s.packetId != 0 && s.topics != nullptr && !s.topics->empty());
      const char* base = inPlace ? inPlace : s.topics->front().filter.data() - 4;
      for (const MqttTopicRequest& t : *s.topics) {
        checkView(t.filter, base, body);
        FUZZ_CHECK(mqttTopicFilterValid(t.filter) && mqttString(t.filter) && t.qos <= 2);
        keep(run.filters, t.filter);
        event.append(t.filter).append(1, static_cast<char>(t.qos));
      }
      break;
    }
    case MqttPacketType::kPuback:
    case MqttPacketType::kPubrec:
    case MqttPacketType::kPubrel:
    case MqttPacketType::kPubcomp: {
      MqttAck ack = d.ack();
      FUZZ_CHECK(ack.type == d.type() && ack.packetId != 0);
      const MqttBytes again = mqttAck(ack.type, ack.packetId);
      FUZZ_CHECK(minimal ? again.view() == packet : again.view().substr(2) == body);
      break;
    }
    case MqttPacketType::kPingreq:
    case MqttPacketType::kDisconnect:
      FUZZ_CHECK(body.empty());
      break;
    default:
      violated("a server-to-client packet type handed up", __FILE__, __LINE__);
  }
  run.events.push_back(std::move(event));
}

std::size_t fixedHeaderSize(std::string_view packet) {
  std::size_t size = 1;
  while (static_cast<unsigned char>(packet[size]) & 0x80) ++size;
  return size + 1;
}

// Feeds the stream in reads of random sizes (rng 0: all at once).
Run decode(std::string_view stream, std::size_t maxRemaining, std::uint32_t rng) {
  Run run;
  MqttDecoder decoder(maxRemaining);
  RingBuffer ring;
  std::string packet;
  std::size_t fed = 0;
  bool failed = false;
  while (fed < stream.size() && !failed) {
    fed += feedNextRead(ring, stream.substr(fed), rng, kMaxRead, decoder.maxPending());
    for (;;) {
      std::size_t length = 0;
      auto status = decoder.next(ring, length);
      if (status == MqttDecoder::Status::kNeedMore) break;
      if (status == MqttDecoder::Status::kMalformed) {
        FUZZ_CHECK(!decoder.errorText().empty());
        run.events.push_back("malformed " + std::string(decoder.errorText()));
        FUZZ_CHECK(decoder.next(ring, length) == MqttDecoder::Status::kMalformed);
        failed = true;
        break;
      }
      FUZZ_CHECK(length >= 2 && length <= ring.size());
      packet.resize(length);
      ring.copyOut(0, length, packet.data());
      const std::size_t header = fixedHeaderSize(packet);
      FUZZ_CHECK(header <= MqttDecoder::kMaxFixedHeader && length - header <= maxRemaining);
      std::span<const char> first = ring.readableSpans()[0];
      const char* inPlace = first.size() >= length ? first.data() + header : nullptr;
      record(decoder, packet, header, inPlace, run);
      ring.consume(length);
      run.consumed += length;
      FUZZ_CHECK(run.consumed <= fed);
    }
    FUZZ_CHECK(failed || ring.size() <= decoder.maxPending());
  }
  return run;
}

// The mapping round-trips, and both matchers agree wherever both apply.
void checkTopics(const Run& run) {
  std::string channel;
  std::string back;
  std::vector<std::string> patterns;
  for (const std::string& topic : run.topics) {
    if (!mqttTopicToChannel(topic, channel)) continue;
    FUZZ_CHECK(checkPublishChannel(channel) == ChannelStatus::kValid);
    FUZZ_CHECK(mqttChannelToTopic(channel, back) && back == topic);
    FUZZ_CHECK(mqttFilterMatches(topic, topic));
  }
  for (const std::string& filter : run.filters) {
    if (!mqttFilterToPatterns(filter, patterns)) continue;
    for (const std::string& pattern : patterns) FUZZ_CHECK(isValidPattern(pattern));
    for (const std::string& topic : run.topics) {
      if (!mqttTopicToChannel(topic, channel)) continue;
      bool viaPatterns = std::any_of(patterns.begin(), patterns.end(),
                                     [&](const std::string& p) { return patternMatches(p, channel); });
      FUZZ_CHECK(viaPatterns == mqttFilterMatches(filter, topic));
    }
  }
}

// One input: a byte picks the maximum remaining length, one seeds the
// reads, the rest is the stream.
void fuzzOne(Input& input) {
  std::size_t maxRemaining = kMaxRemainings[input.byte() % std::size(kMaxRemainings)];
  std::uint32_t rng = 0x9E3779B9u ^ input.byte();
  std::string_view stream = input.rest();

  Run pieces = decode(stream, maxRemaining, rng);
  Run whole = decode(stream, maxRemaining, 0);
  FUZZ_CHECK(pieces.events == whole.events);
  FUZZ_CHECK(pieces.consumed == whole.consumed);
  checkTopics(whole);
}

}  // namespace
}  // namespace linecast::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  linecast::fuzz::Input input(data, size);
  linecast::fuzz::fuzzOne(input);
  return 0;
}
