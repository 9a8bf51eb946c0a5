#pragma once

#include <cstdint>

struct redisAsyncContext;

namespace linecast {

class Reactor;

// Our event-loop adapter for hiredis's async API: hiredis asks for read and
// write interest through the hooks of its `ev` struct, and this turns them
// into registrations of the context's descriptor with a reactor thread's
// Reactor (level-triggered: hiredis reads one buffer per call), under a key
// the thread's turn routes back to its RedisLink. No event-loop library, no
// blocking call. One adapter per context; it must outlive the context's
// attachment (the cleanup hook detaches it).
class HiredisReactorAdapter {
 public:
  HiredisReactorAdapter(Reactor& reactor, std::uint64_t key) : reactor_(reactor), key_(key) {}
  HiredisReactorAdapter(const HiredisReactorAdapter&) = delete;
  HiredisReactorAdapter& operator=(const HiredisReactorAdapter&) = delete;

  // Installs the hooks on a context just created (before any command).
  void attach(redisAsyncContext* context);
  // Writes what hiredis has buffered now, rather than after one more turn
  // of the loop.
  static void writeNow(redisAsyncContext* context);

 private:
  static void addRead(void* self);
  static void delRead(void* self);
  static void addWrite(void* self);
  static void delWrite(void* self);
  static void cleanup(void* self);
  void want(std::uint32_t events);

  Reactor& reactor_;
  std::uint64_t key_;
  int fd_ = -1;
  std::uint32_t registered_ = 0;  // the events epoll has now (0: not registered)
  std::uint32_t wanted_ = 0;
};

}  // namespace linecast
