#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace linecast {

// Which threads' batches of interest changes Redis has confirmed
// (docs/PROTOCOL.md, "Cluster": a PONG after a SUB waits until Redis
// answered the (P)SUBSCRIBEs the SUB needed). Plain state on thread 0, no
// I/O: the RedisBackplane tells it what it applied, sent and heard.
//
// Every name sent in a SUBSCRIBE or PSUBSCRIBE takes the next sequence
// number, and Redis answers them in the order sent, so one counter of
// answers says how far Redis has confirmed. A batch applied in a turn needs
// every name sent up to the end of that turn: a name it added is sent then,
// and a name it shares with an earlier batch was sent no later. Only a name
// that must wait for its UNSUBSCRIBE's answer before it is subscribed again
// is sent in a later turn; while one does, batches wait to be numbered.
class SubscribeAcks {
 public:
  explicit SubscribeAcks(std::size_t threads) : pending_(threads) {}

  // The thread's changes up to `batch` went into RedisSubscriptions.
  void applied(std::size_t thread, std::uint64_t batch);
  // `names` names were sent in SUBSCRIBE/PSUBSCRIBE commands.
  void sent(std::size_t names) { sent_ += names; }
  // Redis answered one of them.
  void answered() { ++answered_; }
  // The end of a turn, after its commands were sent: the applied batches
  // need everything sent so far, unless a name still waits to be sent
  // again (`resubscribing`).
  void number(bool resubscribing);
  // Calls confirm(thread, batch) for each thread with newly confirmed
  // batches (its latest only).
  template <class Confirm>
  void release(Confirm&& confirm);
  // Redis is unreachable (or its link was lost): nothing will be answered
  // and nothing needs to be, so every batch is confirmed at once; the
  // counters start again in step.
  template <class Confirm>
  void releaseAll(Confirm&& confirm);

 private:
  struct Waiting {
    std::uint64_t batch;
    std::uint64_t needs;  // the sequence number Redis's answers must reach
  };
  std::vector<std::deque<Waiting>> pending_;  // per thread, in batch order
  std::vector<std::pair<std::size_t, std::uint64_t>> unnumbered_;  // (thread, batch)
  std::uint64_t sent_ = 0;
  std::uint64_t answered_ = 0;
};

template <class Confirm>
void SubscribeAcks::release(Confirm&& confirm) {
  for (std::size_t thread = 0; thread < pending_.size(); ++thread) {
    std::deque<Waiting>& waiting = pending_[thread];
    std::uint64_t confirmed = 0;
    while (!waiting.empty() && waiting.front().needs <= answered_) {
      confirmed = waiting.front().batch;
      waiting.pop_front();
    }
    if (confirmed != 0) confirm(thread, confirmed);
  }
}

template <class Confirm>
void SubscribeAcks::releaseAll(Confirm&& confirm) {
  for (auto [thread, batch] : unnumbered_) pending_[thread].push_back({batch, 0});
  unnumbered_.clear();
  answered_ = sent_;
  release(confirm);
}

}  // namespace linecast
