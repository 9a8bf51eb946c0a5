#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/cluster_mark.h"
#include "cluster/remote_interest.h"
#include "routing/interest_sink.h"
#include "routing/route_cache.h"

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
// Message record: u32 channel length, u32 payload length, the record's
// cluster_mark byte, channel, payload (host order: it never leaves the
// process). A retained value (RETAIN and its kind, docs/PROTOCOL.md
// "Cluster": stored in Redis, kept by every node) is a record marked
// cluster_mark::kRetained; an empty payload clears the channel's.
//
// Interest changes and retained values are handed over in numbered batches
// (1, 2, ...: each hand-over that carries any), and the backplane confirms
// a batch once Redis answered every (P)SUBSCRIBE it needed and stored its
// values (docs/PROTOCOL.md, "Cluster": PONG after SUB, after RETAIN). A
// connection remembers the batch it needs (neededBatch()) and its PING
// waits until confirmedBatch() reaches it.
class ClusterOutbox final : public InterestSink {
 public:
  // A message on a channel, marked as what is being published now (see
  // setMark).
  void publish(std::string_view channel, std::string_view payload) { append(mark_, channel, payload); }
  // The same for a routed channel: on thread 0, where the backplane's view
  // of the other nodes' interest lives (setInterest), a channel no other
  // node wants is not even copied (counted in skipped()). The answer is
  // kept in the route with the view's version, so a message costs a
  // compare. Other threads' messages are decided by the backplane.
  void publish(PublishRoute& route, std::string_view payload) {
    if (interest_ != nullptr) {
      if (route.clusterVersion != interest_->version()) {
        route.clusterWanted = interest_->wanted(route.channel);
        route.clusterVersion = interest_->version();
      }
      if (!route.clusterWanted) {
        ++skipped_;
        return;
      }
    }
    append(mark_, route.channel, payload);
  }
  // An MQTT-only topic's message: MQTT subscribers on other nodes only.
  void publishMqttTopic(std::string_view topic, std::string_view payload, std::uint8_t qos) {
    append(cluster_mark::mqttTopic(qos), topic, payload);
  }
  // The channel's retained value changed on this thread (empty: cleared).
  void retain(std::string_view channel, std::string_view payload) {
    append(cluster_mark::kRetained, channel, payload);
    retainedInBatch_ = true;
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

  // On the owning thread: the batch that holds (or held) every change made
  // on it so far: the one being filled, else the last handed over (0: none
  // yet). A SUB that changed nothing still needs the last batch, whose
  // (P)SUBSCRIBE may not be answered yet.
  std::uint64_t neededBatch() const { return batchOpen() ? handedBatches_ + 1 : handedBatches_; }
  bool batchOpen() const { return !changes_.empty() || retainedInBatch_; }
  // On the owning thread, as its batch is handed over: its number.
  std::uint64_t sealBatch() {
    retainedInBatch_ = false;
    return ++handedBatches_;
  }

  // Thread 0's backplane: every batch up to `batch` is confirmed; the
  // owning thread is woken to let the connections that waited go on.
  void confirm(std::uint64_t batch) {
    confirmed_.store(batch, std::memory_order_release);
    if (wakeFd_ < 0) return;
    std::uint64_t one = 1;
    ssize_t ignored = ::write(wakeFd_, &one, sizeof one);
    (void)ignored;
  }
  std::uint64_t confirmedBatch() const { return confirmed_.load(std::memory_order_acquire); }
  // The owning thread's wake eventfd, before any thread runs.
  void setWakeFd(int fd) { wakeFd_ = fd; }

  // Whether Redis takes retained values now (the publish link is up): set
  // by thread 0's backplane, read by every thread before a RETAIN.
  void setAvailable(bool up) { available_.store(up, std::memory_order_relaxed); }
  bool available() const { return available_.load(std::memory_order_relaxed); }

  // Thread 0's outbox only, by the backplane on that thread.
  void setInterest(const RemoteInterest* interest) { interest_ = interest; }
  std::uint64_t takeSkipped() { return std::exchange(skipped_, 0); }

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
  const RemoteInterest* interest_ = nullptr;
  std::uint64_t skipped_ = 0;
  std::string messages_;
  std::vector<InterestChange> changes_;
  std::uint64_t handedBatches_ = 0;  // the owning thread's alone
  bool retainedInBatch_ = false;     // the owning thread's alone
  std::atomic<std::uint64_t> confirmed_{0};
  std::atomic<bool> available_{false};
  int wakeFd_ = -1;
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
