#include "loadgen/worker.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "loadgen/clock.h"

namespace linecast::bench {
namespace {

// How long epoll may sleep when nothing is due: bounds how late a worker
// notices a phase change.
constexpr std::uint64_t kIdleWaitNs = 5'000'000;
// The epoll id of the wake-up eventfd; connection ids count up from 0.
constexpr std::uint64_t kWakeId = UINT64_MAX;

}  // namespace

Worker::Worker(const Options& options, const Plan& plan, const Targets& targets, RunControl& control,
               const std::vector<std::string>& channelNames, std::uint32_t number)
    : ctx_(options, plan, targets, control, channelNames, number) {
  ctx_.rngState = options.seed * 0x9E3779B97F4A7C15ull + number + 1;
  if (options.scenario == Scenario::kConns) ctx_.sentPerChannel.assign(plan.channels, 0);
  epollFd_ = epoll_create1(EPOLL_CLOEXEC);
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epollFd_ >= 0 && wakeFd_ >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN;  // level-triggered: read() below resets it
    ev.data.u64 = kWakeId;
    epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &ev);
  }
}

void Worker::wake() {
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wakeFd_, &one, sizeof one);
}

Worker::~Worker() {
  conns_.clear();
  if (epollFd_ >= 0) ::close(epollFd_);
  if (wakeFd_ >= 0) ::close(wakeFd_);
}

void Worker::add(Connection::Role role, std::uint32_t index) {
  conns_.push_back(std::make_unique<Connection>(ctx_, role, index, conns_.size()));
  if (role == Connection::Role::kPublisher) publishers_.push_back(conns_.back().get());
}

void Worker::startConnections() {
  std::size_t window = ctx_.options.connectWindow;
  while (started_ < conns_.size() && started_ - ctx_.confirmed < window) {
    conns_[started_++]->start(epollFd_);
    if (ctx_.control.failed()) return;
  }
}

void Worker::publishStats() {
  std::uint64_t published = 0;
  for (const Connection* p : publishers_) published += p->published();
  stats_.connected.store(ctx_.connected, std::memory_order_relaxed);
  stats_.confirmed.store(ctx_.confirmed, std::memory_order_relaxed);
  stats_.published.store(published, std::memory_order_relaxed);
  stats_.delivered.store(ctx_.delivered, std::memory_order_relaxed);
  stats_.expectedDone.store(ctx_.expectedDone, std::memory_order_relaxed);
  stats_.publishersDone.store(ctx_.publishersDone, std::memory_order_relaxed);
  stats_.publishersAcked.store(ctx_.publishersAcked, std::memory_order_relaxed);
}

int Worker::timeoutNs(bool busy, std::uint64_t now) const {
  if (busy) return 0;
  std::uint64_t wait = kIdleWaitNs;
  if (publishing_ && !stopped_) {
    for (const Connection* p : publishers_) {
      std::uint64_t due = p->nextDueNs();
      if (due != UINT64_MAX) wait = std::min(wait, due > now ? due - now : 0);
    }
  }
  return static_cast<int>(wait);
}

void Worker::run() {
  // Paced publishers sleep until their next message is due; the default
  // 50 us timer slack would add up to 50 us to every such wake-up.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  if (epollFd_ < 0 || wakeFd_ < 0) {
    ctx_.control.fail(fmt::format("epoll_create1/eventfd: {}", std::strerror(errno)));
    return;
  }
  std::array<epoll_event, 256> events;
  std::vector<Connection*> again;
  while (!ctx_.control.failed()) {
    Phase phase = ctx_.control.phase();
    if (phase == Phase::kDone) break;
    startConnections();
    if (phase >= Phase::kRun && !publishing_) {
      publishing_ = true;
      for (Connection* p : publishers_) p->beginPublishing(ctx_.control.startNs());
    }
    if (phase >= Phase::kStop && !stopped_) {
      stopped_ = true;
      for (Connection* p : publishers_) p->stopPublishing();
    }

    bool busy = false;
    std::uint64_t now = nowNs();
    if (publishing_) {
      for (Connection* p : publishers_) busy |= p->pump(now);
    }
    again.swap(again_);
    again_.clear();
    for (Connection* c : again) {
      if (c->readMore()) again_.push_back(c);
    }
    busy |= !again_.empty();

    timespec timeout{0, timeoutNs(busy, now)};
    int n = epoll_pwait2(epollFd_, events.data(), static_cast<int>(events.size()), &timeout,
                         nullptr);
    if (n < 0 && errno != EINTR) {
      ctx_.control.fail(fmt::format("epoll_pwait2: {}", std::strerror(errno)));
      break;
    }
    for (int i = 0; i < n; ++i) {
      const epoll_event& ev = events[static_cast<std::size_t>(i)];
      if (ev.data.u64 == kWakeId) {
        std::uint64_t count;
        [[maybe_unused]] ssize_t r = ::read(wakeFd_, &count, sizeof count);
        continue;
      }
      Connection* c = conns_[ev.data.u64].get();
      if (c->onReady(ev.events) &&
          std::find(again_.begin(), again_.end(), c) == again_.end())
        again_.push_back(c);
    }
    publishStats();
  }
  publishStats();
  // Before closing: a closed socket tells nothing about the broker's end.
  if (!ctx_.control.failed()) {
    for (auto& c : conns_) c->tallyStalled();
  }
  for (auto& c : conns_) c->close();
}

}  // namespace linecast::bench
