#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "loadgen/connection.h"
#include "loadgen/run_control.h"
#include "loadgen/worker_context.h"

namespace linecast::bench {

// One thread of the loadgen: an epoll loop over the connections given to it.
// Each turn it starts connections (a bounded number in flight, so 10,000
// connects do not overflow the broker's listen backlog), pumps its
// publishers, reads what epoll reports, and publishes its counters.
class Worker {
 public:
  Worker(const Options& options, const Plan& plan, const Targets& targets, RunControl& control,
         const std::vector<std::string>& channelNames, std::uint32_t number);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void add(Connection::Role role, std::uint32_t index);
  // The thread body; returns when the phase is kDone or the run failed.
  void run();
  // Interrupts the thread's epoll wait, so a phase change takes effect at
  // once (a paced publisher's first message is due right at the start).
  void wake();

  WorkerStats& stats() { return stats_; }
  // Read only after the thread has been joined.
  const WorkerContext& context() const { return ctx_; }
  const std::vector<std::unique_ptr<Connection>>& connections() const { return conns_; }

 private:
  void startConnections();
  void publishStats();
  int timeoutNs(bool busy, std::uint64_t now) const;

  WorkerContext ctx_;
  WorkerStats stats_;
  int epollFd_ = -1;
  int wakeFd_ = -1;
  std::vector<std::unique_ptr<Connection>> conns_;
  std::vector<Connection*> publishers_;
  std::vector<Connection*> again_;  // stopped reading at their budget
  std::size_t started_ = 0;
  bool publishing_ = false;
  bool stopped_ = false;
};

}  // namespace linecast::bench
