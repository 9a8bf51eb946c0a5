#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

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
// Message record: u32 channel length, u32 payload length, channel, payload
// (host order: it never leaves the process).
//
// Interest changes are handed over in numbered batches (1, 2, ...: each
// hand-over that carries changes), and the backplane confirms a batch once
// Redis answered every (P)SUBSCRIBE it needed (docs/PROTOCOL.md, "Cluster":
// PONG after SUB). A connection remembers the batch its SUB needs (mark())
// and its PING waits until confirmedBatch() reaches it.
class ClusterOutbox final : public InterestSink {
 public:
  void publish(std::string_view channel, std::string_view payload) {
    std::uint32_t lengths[2] = {static_cast<std::uint32_t>(channel.size()),
                                static_cast<std::uint32_t>(payload.size())};
    std::size_t at = messages_.size();
    messages_.resize(at + sizeof lengths + channel.size() + payload.size());
    char* out = messages_.data() + at;
    std::memcpy(out, lengths, sizeof lengths);
    if (!channel.empty()) std::memcpy(out + sizeof lengths, channel.data(), channel.size());
    if (!payload.empty()) std::memcpy(out + sizeof lengths + channel.size(), payload.data(), payload.size());
  }
  void gained(InterestKind kind, std::string_view text) override { changes_.push_back({1, kind, std::string(text)}); }
  void lost(InterestKind kind, std::string_view text) override { changes_.push_back({-1, kind, std::string(text)}); }

  bool empty() const { return messages_.empty() && changes_.empty(); }

  // On the owning thread: the batch that holds (or held) every change made
  // on it so far: the one being filled, else the last handed over (0: none
  // yet). A SUB that changed nothing still needs the last batch, whose
  // (P)SUBSCRIBE may not be answered yet.
  std::uint64_t mark() const { return changes_.empty() ? handedBatches_ : handedBatches_ + 1; }
  // On the owning thread, as its changes are handed over: their batch.
  std::uint64_t sealBatch() { return ++handedBatches_; }

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
  std::string& messages() { return messages_; }
  std::vector<InterestChange>& changes() { return changes_; }

  // Calls onMessage(channel, payload) for each record of `records`.
  template <class OnMessage>
  static void forEachMessage(std::string_view records, OnMessage&& onMessage);

 private:
  std::string messages_;
  std::vector<InterestChange> changes_;
  std::uint64_t handedBatches_ = 0;  // the owning thread's alone
  std::atomic<std::uint64_t> confirmed_{0};
  int wakeFd_ = -1;
};

template <class OnMessage>
void ClusterOutbox::forEachMessage(std::string_view records, OnMessage&& onMessage) {
  while (!records.empty()) {
    std::uint32_t lengths[2];
    std::memcpy(lengths, records.data(), sizeof lengths);
    onMessage(records.substr(sizeof lengths, lengths[0]), records.substr(sizeof lengths + lengths[0], lengths[1]));
    records.remove_prefix(sizeof lengths + lengths[0] + lengths[1]);
  }
}

}  // namespace linecast
