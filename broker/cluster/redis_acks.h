#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace linecast {

// Which threads' batches (ClusterOutbox) Redis has confirmed: the
// (P)SUBSCRIBEs their interest changes needed answered, and their retained
// values stored (docs/PROTOCOL.md, "Cluster": a PONG after a SUB or a
// RETAIN waits for that). Plain state on thread 0, no I/O: the
// RedisBackplane tells it what it applied, sent and heard.
//
// Every name sent in a SUBSCRIBE or PSUBSCRIBE takes the next sequence
// number, and Redis answers them in the order sent, so one counter of
// answers says how far Redis has confirmed; the same for the HSET/HDELs of
// retained values on the other link. A batch applied in a turn needs
// everything sent up to the end of that turn: a name it added is sent
// then, and a name it shares with an earlier batch was sent no later. Only
// a name that must wait for its UNSUBSCRIBE's answer before it is
// subscribed again is sent in a later turn; while one does, batches wait
// to be numbered.
class RedisAcks {
 public:
  explicit RedisAcks(std::size_t threads) : pending_(threads) {}

  // The thread's changes up to `batch` went into RedisSubscriptions.
  void applied(std::size_t thread, std::uint64_t batch);
  // `names` names were sent in SUBSCRIBE/PSUBSCRIBE commands.
  void sent(std::size_t names) { sent_ += names; }
  // Redis answered one of them.
  void answered() { ++answered_; }
  // A retained value's HSET (or HDEL) was sent; it was answered (or its
  // link lost, which answers every pending command with nothing).
  void storing() { ++storesSent_; }
  void stored() { ++storesAnswered_; }
  // Interest advertisements (InterestExchange), counted from the first:
  // `sent` were sent, `confirmed` of them are acknowledged by the other
  // nodes (or no longer waited for).
  void adverts(std::uint64_t sent, std::uint64_t confirmed) {
    advertsSent_ = sent;
    advertsConfirmed_ = confirmed;
  }
  // The end of a turn, after its commands were sent: the applied batches
  // need everything sent so far, unless a name still waits to be sent
  // again (`resubscribing`).
  void number(bool resubscribing);
  // Calls confirm(thread, batch) for each thread with newly confirmed
  // batches (its latest only).
  template <class Confirm>
  void release(Confirm&& confirm);
  // Redis's subscribe link is down (or was lost): no (P)SUBSCRIBE will be
  // answered and none needs to be, so every batch is confirmed once its
  // stores and advertisements are (the InterestExchange stops waiting for
  // acknowledgments then); the subscribe counters start again in step. (Stores need
  // no such reset: each is answered, if only by its link's loss.)
  template <class Confirm>
  void releaseAll(Confirm&& confirm);

 private:
  struct Waiting {
    std::uint64_t batch;
    std::uint64_t needs;   // the sequence number Redis's answers must reach
    std::uint64_t stores;  // the count of HSET/HDEL answers it needs
    std::uint64_t adverts;  // the count of confirmed advertisements it needs
  };
  std::vector<std::deque<Waiting>> pending_;  // per thread, in batch order
  std::vector<std::pair<std::size_t, std::uint64_t>> unnumbered_;  // (thread, batch)
  std::uint64_t sent_ = 0;
  std::uint64_t answered_ = 0;
  std::uint64_t storesSent_ = 0;
  std::uint64_t storesAnswered_ = 0;
  std::uint64_t advertsSent_ = 0;
  std::uint64_t advertsConfirmed_ = 0;
};

template <class Confirm>
void RedisAcks::release(Confirm&& confirm) {
  for (std::size_t thread = 0; thread < pending_.size(); ++thread) {
    std::deque<Waiting>& waiting = pending_[thread];
    std::uint64_t confirmed = 0;
    while (!waiting.empty() && waiting.front().needs <= answered_ && waiting.front().stores <= storesAnswered_ &&
           waiting.front().adverts <= advertsConfirmed_) {
      confirmed = waiting.front().batch;
      waiting.pop_front();
    }
    if (confirmed != 0) confirm(thread, confirmed);
  }
}

template <class Confirm>
void RedisAcks::releaseAll(Confirm&& confirm) {
  for (auto [thread, batch] : unnumbered_) pending_[thread].push_back({batch, 0, storesSent_, advertsSent_});
  unnumbered_.clear();
  answered_ = sent_;
  release(confirm);
}

}  // namespace linecast
