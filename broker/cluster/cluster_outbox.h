#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster_mark.h"
#include "routing/interest_sink.h"

namespace linecast {

// A subscription need that appeared (+1) or went (-1) on one thread.
struct InterestChange {
  int delta;
  InterestKind kind;
  std::string text;
};

// What one reactor thread has for the cluster during a turn: the messages
// its clients published, in order, and its interest changes. The thread's
// Broker appends to it; the Server hands it to the ClusterHub at the end of
// the turn. Appending copies into a buffer that keeps its capacity, so a
// publish allocates nothing in steady state.
//
// Message record: u32 channel length, u32 payload length, the message's
// cluster_mark byte, channel, payload (host order: it never leaves the
// process).
class ClusterOutbox final : public InterestSink {
 public:
  // A message on a channel, marked as what is being published now (see
  // setMark).
  void publish(std::string_view channel, std::string_view payload) { append(mark_, channel, payload); }
  // An MQTT-only topic's message: MQTT subscribers on other nodes only.
  void publishMqttTopic(std::string_view topic, std::string_view payload, std::uint8_t qos) {
    append(cluster_mark::mqttTopic(qos), topic, payload);
  }
  // The mark of the channel messages publish() appends until it is set
  // again: MQTT's publish sets its QoS around its Broker call (on this
  // thread, synchronously) and puts back cluster_mark::kChannel.
  void setMark(std::uint8_t mark) { mark_ = mark; }
  void gained(InterestKind kind, std::string_view text) override { changes_.push_back({1, kind, std::string(text)}); }
  void lost(InterestKind kind, std::string_view text) override { changes_.push_back({-1, kind, std::string(text)}); }

  bool empty() const { return messages_.empty() && changes_.empty(); }
  std::string& messages() { return messages_; }
  std::vector<InterestChange>& changes() { return changes_; }

  // Calls onMessage(channel, payload, mark) for each record of `records`.
  template <class OnMessage>
  static void forEachMessage(std::string_view records, OnMessage&& onMessage);

 private:
  static constexpr std::size_t kHead = 2 * sizeof(std::uint32_t) + 1;
  void append(std::uint8_t mark, std::string_view channel, std::string_view payload) {
    std::uint32_t lengths[2] = {static_cast<std::uint32_t>(channel.size()),
                                static_cast<std::uint32_t>(payload.size())};
    std::size_t at = messages_.size();
    messages_.resize(at + kHead + channel.size() + payload.size());
    char* out = messages_.data() + at;
    std::memcpy(out, lengths, sizeof lengths);
    out[sizeof lengths] = static_cast<char>(mark);
    if (!channel.empty()) std::memcpy(out + kHead, channel.data(), channel.size());
    if (!payload.empty()) std::memcpy(out + kHead + channel.size(), payload.data(), payload.size());
  }

  std::uint8_t mark_ = cluster_mark::kChannel;
  std::string messages_;
  std::vector<InterestChange> changes_;
};

template <class OnMessage>
void ClusterOutbox::forEachMessage(std::string_view records, OnMessage&& onMessage) {
  while (!records.empty()) {
    std::uint32_t lengths[2];
    std::memcpy(lengths, records.data(), sizeof lengths);
    auto mark = static_cast<std::uint8_t>(records[sizeof lengths]);
    onMessage(records.substr(kHead, lengths[0]), records.substr(kHead + lengths[0], lengths[1]), mark);
    records.remove_prefix(kHead + lengths[0] + lengths[1]);
  }
}

}  // namespace linecast
