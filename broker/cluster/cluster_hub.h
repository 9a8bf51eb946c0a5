#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/cluster_outbox.h"

namespace linecast {

// Where the reactor threads meet the backplane (--cluster). Each thread
// fills its own ClusterOutbox during a turn and hands it over at the end of
// it (one lock per turn, never per message); the backplane, which lives on
// thread 0, takes everything handed over at the end of its own turn, so a
// thread's messages reach Redis in the order its clients published them.
// A thread other than 0 wakes thread 0 once until thread 0 has taken.
class ClusterHub {
 public:
  struct Handed {
    std::string messages;  // ClusterOutbox records
    std::vector<InterestChange> changes;
    std::uint64_t batch = 0;  // the last batch of `changes` (ClusterOutbox::mark); 0: no changes
  };

  ClusterHub(std::size_t threads, std::string nodeId);

  const std::string& nodeId() const { return nodeId_; }
  ClusterOutbox& outbox(std::size_t thread) { return *outboxes_[thread]; }
  std::size_t threads() const { return outboxes_.size(); }
  // Thread 0's wake eventfd, before any thread runs.
  void setWakeFd(int fd) { wakeFd_ = fd; }

  // On thread `thread`, at the end of its turn.
  void handOver(std::size_t thread);
  // On thread 0: what each thread handed over since the last call (index:
  // the thread), the out entries emptied first and reused.
  void take(std::vector<Handed>& out);

 private:
  std::string nodeId_;
  std::vector<std::unique_ptr<ClusterOutbox>> outboxes_;
  std::mutex mutex_;
  std::vector<Handed> handed_;  // under mutex_
  std::atomic<bool> woken_{false};
  int wakeFd_ = -1;
};

}  // namespace linecast
