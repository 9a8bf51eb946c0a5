#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace linecast {

// Runs a function on every reactor thread, each on its own thread, and
// waits for them all: for the rare questions only the owner of a connection
// may answer (Redis's CLIENT LIST and CLIENT KILL read and close other
// threads' connections). Each thread runs what it is asked at the start of
// its next turn (serve()), so a question costs the others one turn and
// never reads a connection from a thread that does not own it.
//
// While it waits, the asking thread runs what other threads ask of it, so
// two threads that ask each other at once both finish. A thread that has
// stopped serving (shutdown) is given up on after the timeout.
class ThreadCalls {
 public:
  using Function = std::function<void(std::size_t thread)>;

  explicit ThreadCalls(std::size_t threads);
  ThreadCalls(const ThreadCalls&) = delete;
  ThreadCalls& operator=(const ThreadCalls&) = delete;

  void attach(std::size_t index, int wakeFd) { boxes_[index].wakeFd = wakeFd; }

  // Runs fn(self) here and fn(i) on every other thread i. False when some
  // thread did not run it within `timeoutSeconds` (it never will then).
  bool runEverywhere(std::size_t self, const Function& fn, double timeoutSeconds);

  // On thread `self`, between events: runs what the others asked of it.
  // One relaxed load when nothing was.
  void serve(std::size_t self) {
    if (boxes_[self].waiting.load(std::memory_order_acquire)) serveWaiting(self);
  }

 private:
  struct Call {
    explicit Call(const Function& f, std::size_t others) : fn(f), left(others) {}
    const Function& fn;  // the asker's: valid until it stops waiting
    std::mutex mutex;
    std::condition_variable done;
    std::size_t left;
    bool abandoned = false;  // the asker stopped waiting: run nothing more
  };
  struct alignas(64) Box {
    int wakeFd = -1;
    std::atomic<bool> waiting{false};
    std::mutex mutex;
    std::vector<std::shared_ptr<Call>> calls;
  };

  void serveWaiting(std::size_t self);

  std::size_t threads_;
  std::unique_ptr<Box[]> boxes_;
};

}  // namespace linecast
