#include "threads/thread_calls.h"

#include <unistd.h>

#include <chrono>

namespace linecast {

ThreadCalls::ThreadCalls(std::size_t threads) : threads_(threads), boxes_(std::make_unique<Box[]>(threads)) {}

bool ThreadCalls::runEverywhere(std::size_t self, const Function& fn, double timeoutSeconds) {
  auto call = std::make_shared<Call>(fn, threads_ - 1);
  for (std::size_t to = 0; to < threads_; ++to) {
    if (to == self) continue;
    Box& box = boxes_[to];
    {
      std::lock_guard<std::mutex> lock(box.mutex);
      box.calls.push_back(call);
    }
    box.waiting.store(true, std::memory_order_release);
    // Unconditionally: the eventfd keeps the count, so a thread about to
    // sleep still wakes.
    std::uint64_t one = 1;
    ssize_t ignored = ::write(box.wakeFd, &one, sizeof one);
    (void)ignored;
  }
  fn(self);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeoutSeconds);
  for (;;) {
    serve(self);  // another thread may be waiting on us meanwhile
    std::unique_lock<std::mutex> lock(call->mutex);
    if (call->done.wait_for(lock, std::chrono::milliseconds(1), [&] { return call->left == 0; })) return true;
    if (std::chrono::steady_clock::now() >= deadline) {
      call->abandoned = true;  // fn refers to our frame, which is about to go
      return false;
    }
  }
}

void ThreadCalls::serveWaiting(std::size_t self) {
  Box& box = boxes_[self];
  std::vector<std::shared_ptr<Call>> calls;
  {
    std::lock_guard<std::mutex> lock(box.mutex);
    calls.swap(box.calls);
    box.waiting.store(false, std::memory_order_relaxed);
  }
  for (const auto& call : calls) {
    // Under the call's lock, so the asker cannot give up (and free what fn
    // refers to) while it runs.
    std::lock_guard<std::mutex> lock(call->mutex);
    if (call->abandoned) continue;
    call->fn(self);
    if (--call->left == 0) call->done.notify_one();
  }
}

}  // namespace linecast
