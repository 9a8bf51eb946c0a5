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
// (host order: it never leaves the process). A retained value (RETAIN and
// its kind, docs/PROTOCOL.md "Cluster": stored in Redis, kept by every
// node) is such a record with kRetainedBit set in the channel length; an
// empty payload clears the channel's.
//
// Interest changes and retained values are handed over in numbered batches
// (1, 2, ...: each hand-over that carries any), and the backplane confirms
// a batch once Redis answered every (P)SUBSCRIBE it needed and stored its
// values (docs/PROTOCOL.md, "Cluster": PONG after SUB, after RETAIN). A
// connection remembers the batch it needs (mark()) and its PING waits until
// confirmedBatch() reaches it.
class ClusterOutbox final : public InterestSink {
 public:
  static constexpr std::uint32_t kRetainedBit = 0x80000000u;

  void publish(std::string_view channel, std::string_view payload) { append(channel, payload, 0); }
  // The channel's retained value changed on this thread (empty: cleared).
  void retain(std::string_view channel, std::string_view payload) {
    append(channel, payload, kRetainedBit);
    retainedInBatch_ = true;
  }
  void gained(InterestKind kind, std::string_view text) override { changes_.push_back({1, kind, std::string(text)}); }
  void lost(InterestKind kind, std::string_view text) override { changes_.push_back({-1, kind, std::string(text)}); }

  bool empty() const { return messages_.empty() && changes_.empty(); }
  std::string& messages() { return messages_; }
  std::vector<InterestChange>& changes() { return changes_; }

  // On the owning thread: the batch that holds (or held) every change made
  // on it so far: the one being filled, else the last handed over (0: none
  // yet). A SUB that changed nothing still needs the last batch, whose
  // (P)SUBSCRIBE may not be answered yet.
  std::uint64_t mark() const { return batchOpen() ? handedBatches_ + 1 : handedBatches_; }
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

  // Calls onMessage(channel, payload, retained) for each record of `records`.
  template <class OnMessage>
  static void forEachMessage(std::string_view records, OnMessage&& onMessage);

 private:
  void append(std::string_view channel, std::string_view payload, std::uint32_t flag) {
    std::uint32_t lengths[2] = {static_cast<std::uint32_t>(channel.size()) | flag,
                                static_cast<std::uint32_t>(payload.size())};
    std::size_t at = messages_.size();
    messages_.resize(at + sizeof lengths + channel.size() + payload.size());
    char* out = messages_.data() + at;
    std::memcpy(out, lengths, sizeof lengths);
    if (!channel.empty()) std::memcpy(out + sizeof lengths, channel.data(), channel.size());
    if (!payload.empty()) std::memcpy(out + sizeof lengths + channel.size(), payload.data(), payload.size());
  }

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
    bool retained = (lengths[0] & kRetainedBit) != 0;
    std::uint32_t channelLength = lengths[0] & ~kRetainedBit;
    onMessage(records.substr(sizeof lengths, channelLength), records.substr(sizeof lengths + channelLength, lengths[1]),
              retained);
    records.remove_prefix(sizeof lengths + channelLength + lengths[1]);
  }
}

}  // namespace linecast
