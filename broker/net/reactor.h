#pragma once

#include <sys/epoll.h>

#include <array>
#include <cerrno>
#include <cstdint>

namespace linecast {

// A thin epoll wrapper: it knows file descriptors, event masks and a 64-bit
// key per registration, nothing about connections. The caller maps keys to
// objects, so an event for something already gone finds nothing and is
// skipped. It does not own the registered descriptors.
class Reactor {
 public:
  Reactor();
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  void add(int fd, std::uint32_t events, std::uint64_t key);
  void modify(int fd, std::uint32_t events, std::uint64_t key);
  void remove(int fd);
  // The epoll descriptor itself: readable while a registration is ready,
  // so another loop (io_uring) can wait for this one's events.
  int fd() const { return epollFd_; }

  // Waits up to timeoutMs (-1: forever) and calls onEvent(key, events) for
  // each ready registration. Returns the number of events.
  template <class OnEvent>
  int poll(int timeoutMs, OnEvent&& onEvent);

 private:
  int epollFd_;
  std::array<epoll_event, 512> events_;
};

template <class OnEvent>
int Reactor::poll(int timeoutMs, OnEvent&& onEvent) {
  int n = ::epoll_wait(epollFd_, events_.data(), static_cast<int>(events_.size()), timeoutMs);
  if (n < 0) return 0;  // EINTR: a signal; the caller's loop checks its flags
  for (int i = 0; i < n; ++i) onEvent(events_[i].data.u64, events_[i].events);
  return n;
}

}  // namespace linecast
