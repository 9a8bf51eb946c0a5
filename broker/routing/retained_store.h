#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "routing/retained_hint.h"

namespace linecast {

// --max-retained and --max-retained-bytes (docs/PROTOCOL.md, "Retained
// messages").
struct RetainedLimits {
  std::size_t messages = 100000;
  std::size_t bytes = 256 * 1024 * 1024;
};

// Where the changes of a RetainedStore are also written (the --data-dir
// store, persist/retained_persistence.h). The store itself remembers which
// channels changed since the journal last took them (takeChanges), so a
// channel retained 1,000 times between two takes is written once, with its
// last message, and a RETAIN of a channel already waiting costs the journal
// nothing. changed() is called, under the store's lock, when a channel
// starts waiting; it must not call the store.
class RetainedJournal {
 public:
  virtual ~RetainedJournal() = default;
  virtual void changed() = 0;
};

// The retained message of each channel (docs/PROTOCOL.md, "Retained
// messages"), one store for the whole process: every reactor thread's
// RETAIN, SUB and HTTP request reads and writes it under its mutex. A
// plain publish never touches it. What the limits count: one message per
// channel that holds one, and the bytes of each such channel's name plus
// its payload (not the store's own overhead).
//
// The channels are kept in a token tree (one node per token, children in
// byte order), so a pattern walks only the branches its literal tokens
// select: `a.*.c` visits a's children and, under each, only `c`, however
// many channels are retained elsewhere. Beside it, a hash map from each
// channel that holds a message to its node: replacing, finding or clearing
// one is one hash lookup, not a string compare per token of the walk
// (bench/README.md, "Retained writes": the walk was 41% of a RETAIN-heavy
// server's time). A replaced payload reuses its node's buffer when it fits.
class RetainedStore {
 public:
  // Called with each match under the store's lock (so it must not call
  // the store); false stops the walk. `qos` is the MQTT QoS the message
  // was retained with (kOtherProtocolsQos for the others).
  using Visit = std::function<bool(std::string_view channel, std::string_view payload, std::uint8_t qos)>;
  enum class Outcome { kStored, kCleared, kOverLimit };
  // The QoS a message from a protocol without one is retained with: MQTT
  // subscribers get it at most at QoS 1, as they get such messages live.
  static constexpr std::uint8_t kOtherProtocolsQos = 1;

  explicit RetainedStore(RetainedLimits limits = {});
  ~RetainedStore();
  RetainedStore(const RetainedStore&) = delete;
  RetainedStore& operator=(const RetainedStore&) = delete;

  // Keeps `payload` as the channel's retained message (a valid publish
  // channel), replacing the one it held; an empty payload clears it
  // (kCleared, whether or not one was held). kOverLimit: keeping it would
  // pass a limit, and nothing changed (the channel keeps its old message).
  // `qos`: MQTT's, kept so that an MQTT subscriber gets the message at
  // min(granted, qos) (MQTT-3.3.1-5).
  Outcome retain(std::string_view channel, std::string_view payload, std::uint8_t qos = kOtherProtocolsQos);
  // The same, with what the caller kept of this channel (`hint`, which it
  // keeps for this channel only): its node when still good, which saves the
  // lookup; the hint is brought up to date.
  Outcome retain(std::string_view channel, std::string_view payload, std::uint8_t qos, RetainedHint& hint);
  // Returns whether the channel held one.
  bool clear(std::string_view channel);
  // The channel's retained payload, if any.
  std::optional<std::string> find(std::string_view channel) const;

  // Calls visit(channel, payload, qos) for each retained message whose channel
  // one of the (valid) patterns matches, once per message even when
  // several match: the patterns in order, and for each its matches in the
  // tree's order (token by token, each token's bytes compared as unsigned).
  // Returns the number of visits.
  std::size_t forEachMatch(std::span<const std::string_view> patterns, const Visit& visit) const;

  // Every later change is also remembered for `journal` (null: none),
  // which must outlive the store's use. Set before the reactor threads
  // start, or after they stopped.
  void setJournal(RetainedJournal* journal) { journal_ = journal; }
  // For the journal: each channel changed (kept, replaced or cleared) since
  // the last call, in the order it first changed, with its message now (an
  // empty payload: none is held), under the lock; the store forgets them.
  // A channel may come twice (cleared and retained again); the message is
  // then the same. Returns the number of visits.
  using ChangeVisit = std::function<void(std::string_view channel, std::string_view payload, std::uint8_t qos)>;
  std::size_t takeChanges(const ChangeVisit& visit);

  // The gauges (docs/PROTOCOL.md: linecast_retained_messages,
  // linecast_retained_bytes), readable from any thread without the lock.
  std::size_t messages() const { return messages_.load(std::memory_order_relaxed); }
  std::size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  const RetainedLimits& limits() const { return limits_; }

  // What one retained message counts toward --max-retained-bytes.
  static std::size_t costOf(std::string_view channel, std::string_view payload) {
    return channel.size() + payload.size();
  }

 private:
  struct Node;
  struct Walk;  // a pattern's walk of the tree (retained_store.cc)
  // held_'s hash: the route cache's (cheaper than std::hash on short names).
  struct ChannelHash {
    std::size_t operator()(std::string_view channel) const;
  };
  Outcome retainLocked(std::string_view channel, std::string_view payload, std::uint8_t qos, Node* node,
                       RetainedHint* hint);
  // The node holding the channel's message, if one is held.
  Node* heldNode(std::string_view channel) const;
  // The channel's node in the tree, made with the nodes above it if needed.
  Node& makeNode(std::string_view channel);
  // Removes the channel's message and the nodes left empty; true if it held one.
  bool clearLocked(std::string_view channel);
  // Puts the channel on the journal's list (with a journal).
  void noteChange(std::string_view channel);

  RetainedLimits limits_;
  mutable std::mutex mutex_;
  std::unique_ptr<Node> root_;  // guarded by mutex_
  // Each channel that holds a message -> its node; the key views the
  // node's own copy of the channel. Guarded by mutex_.
  std::unordered_map<std::string_view, Node*, ChannelHash> held_;
  // Counts the frees of nodes (a clear), so that a RetainedHint's node
  // pointer is known good. Guarded by mutex_.
  std::uint64_t generation_ = 1;
  // The journal's list: the changed channels' names end to end, and where
  // each ends. Guarded by mutex_; kept allocated between takes.
  std::string changedNames_;
  std::vector<std::size_t> changedEnds_;
  RetainedJournal* journal_ = nullptr;
  std::atomic<std::size_t> messages_{0};  // written under mutex_
  std::atomic<std::size_t> bytes_{0};     // written under mutex_
};

}  // namespace linecast
