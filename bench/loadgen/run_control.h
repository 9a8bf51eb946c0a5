#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace linecast::bench {

// The phases of a run. The runner (main thread) moves them forward; worker
// threads read them once per loop turn.
//   kConnect: open connections, subscribe, wait for each barrier
//   kRun:     the clock runs; publishers publish
//   kStop:    publishers finish their last frame and stop; subscribers drain
//   kDone:    workers close their sockets and return
enum class Phase : int { kConnect, kRun, kStop, kDone };

// What the runner and the workers share: the phase, the start time and the
// first error. Any error fails the whole run, since a benchmark with a
// broken connection measures nothing.
class RunControl {
 public:
  Phase phase() const { return phase_.load(std::memory_order_acquire); }
  void setPhase(Phase phase) { phase_.store(phase, std::memory_order_release); }

  // Set before the phase becomes kRun, so a worker that sees kRun sees it.
  std::uint64_t startNs() const { return startNs_.load(std::memory_order_acquire); }
  void setStartNs(std::uint64_t ns) { startNs_.store(ns, std::memory_order_release); }

  void fail(const std::string& message);
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  std::string error() const;

 private:
  std::atomic<Phase> phase_{Phase::kConnect};
  std::atomic<std::uint64_t> startNs_{0};
  std::atomic<bool> failed_{false};
  mutable std::mutex mutex_;
  std::string error_;
};

// Counters a worker publishes once per loop turn (relaxed stores) for the
// runner's progress lines and its decision when draining is over.
struct WorkerStats {
  std::atomic<std::uint64_t> connected{0};
  std::atomic<std::uint64_t> confirmed{0};
  std::atomic<std::uint64_t> published{0};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> publishersDone{0};
  std::atomic<std::uint64_t> expectedDone{0};  // deliveries owed by finished publishers
  std::atomic<std::uint64_t> publishersAcked{0};  // finished publishers whose end barrier was answered
};

}  // namespace linecast::bench
