// ThreadCalls: each function runs on the thread it names, two threads that
// ask each other at once both finish, and a thread that never serves is
// given up on without running the abandoned function later.

#include "threads/thread_calls.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

namespace linecast {
namespace {

class ThreadCallsTest : public ::testing::Test {
 protected:
  static constexpr std::size_t kThreads = 3;
  ThreadCallsTest() : calls_(kThreads) {
    for (std::size_t i = 0; i < kThreads; ++i) {
      fds_[i] = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      calls_.attach(i, fds_[i]);
    }
  }
  ~ThreadCallsTest() override {
    for (int fd : fds_) ::close(fd);
  }
  ThreadCalls calls_;
  int fds_[kThreads];
};

TEST_F(ThreadCallsTest, EveryThreadRunsItsPartOnItselfAndAskersMayCross) {
  constexpr int kRounds = 300;
  std::atomic<int> finished{0};
  std::atomic<bool> wrongThread{false};
  std::atomic<int> runs[kThreads] = {};
  std::thread::id ids[kThreads];
  std::vector<std::thread> threads;
  std::atomic<int> started{0};
  for (std::size_t self = 0; self < kThreads; ++self) {
    threads.emplace_back([&, self] {
      ids[self] = std::this_thread::get_id();
      ++started;
      while (started.load() < static_cast<int>(kThreads)) std::this_thread::yield();
      // Threads 0 and 1 ask at once; thread 2 only answers.
      for (int round = 0; self < 2 && round < kRounds; ++round) {
        bool all = calls_.runEverywhere(
            self,
            [&](std::size_t thread) {
              if (std::this_thread::get_id() != ids[thread]) wrongThread = true;
              ++runs[thread];
            },
            10);
        EXPECT_TRUE(all);
      }
      ++finished;
      while (finished.load() < static_cast<int>(kThreads)) calls_.serve(self);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(wrongThread.load());
  for (std::size_t i = 0; i < kThreads; ++i) EXPECT_EQ(runs[i].load(), 2 * kRounds) << "thread " << i;
  // Each asker woke the others through their eventfds.
  std::uint64_t count = 0;
  EXPECT_EQ(::read(fds_[2], &count, sizeof count), static_cast<ssize_t>(sizeof count));
  EXPECT_GT(count, 0u);
}

TEST_F(ThreadCallsTest, AThreadThatNeverServesIsGivenUpOn) {
  int ran[kThreads] = {};
  {
    // Threads 1 and 2 never serve: thread 0 runs its own part and gives up.
    EXPECT_FALSE(calls_.runEverywhere(0, [&](std::size_t thread) { ++ran[thread]; }, 0.05));
  }
  EXPECT_EQ(ran[0], 1);
  // Serving later runs nothing of the abandoned call.
  calls_.serve(1);
  calls_.serve(2);
  EXPECT_EQ(ran[1], 0);
  EXPECT_EQ(ran[2], 0);
}

}  // namespace
}  // namespace linecast
