#include "loadgen/runner.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "loadgen/clock.h"
#include "loadgen/payload.h"
#include "loadgen/plan.h"
#include "loadgen/progress.h"
#include "loadgen/run_control.h"
#include "loadgen/worker.h"

namespace linecast::bench {
namespace {

// How often the runner looks at the workers' counters.
constexpr auto kPollInterval = std::chrono::milliseconds(1);
constexpr std::uint64_t kRssIntervalNs = 10'000'000;

std::uint64_t secToNs(double sec) { return static_cast<std::uint64_t>(sec * 1e9); }
double nsToSec(std::uint64_t ns) { return static_cast<double>(ns) / 1e9; }

class Runner {
 public:
  Runner(const Options& options, const Targets& targets)
      : o_(options), targets_(targets), plan_{options.publishers, options.subscribers, options.channels},
        begin_(nowNs()), deadline_(begin_ + secToNs(options.hardDeadlineSec())),
        total_(std::uint64_t{options.subscribers} + options.publishers + options.stalled) {}

  RunResult run();

 private:
  std::uint64_t sum(std::atomic<std::uint64_t> WorkerStats::*counter) const {
    std::uint64_t total = 0;
    for (const auto& w : workers_) total += (w->stats().*counter).load(std::memory_order_relaxed);
    return total;
  }
  void setPhase(Phase phase) {
    control_.setPhase(phase);
    for (auto& w : workers_) w->wake();
  }
  // False once the run failed or passed its hard deadline.
  bool alive(std::uint64_t now) {
    if (now > deadline_ && !control_.failed())
      control_.fail(fmt::format("hard deadline of {:.0f} s exceeded", o_.hardDeadlineSec()));
    return !control_.failed();
  }
  void progress(std::uint64_t now, const char* phase, const std::string& detail) {
    if (o_.quiet || now < nextProgress_) return;
    nextProgress_ = now + kNsPerSec;
    printProgress(nsToSec(now - begin_), phase, detail);
  }
  // The broker's RSS every kRssInterval while messages move: what a
  // backlog costs it shows here, not in the before/after figures.
  void sampleRss(std::uint64_t now) {
    if (o_.serverPid <= 0 || now < nextRssSample_) return;
    nextRssSample_ = now + kRssIntervalNs;
    if (auto kb = readRssKb(o_.serverPid))
      r_.serverRssPeakKb = std::max(r_.serverRssPeakKb.value_or(0), *kb);
  }
  std::string connsText() const {
    return fmt::format("conns {}/{}", sum(&WorkerStats::confirmed), total_);
  }

  void connect();
  void settle();
  void publish();
  void drain();
  void gather();

  const Options& o_;
  const Targets& targets_;
  Plan plan_;
  std::uint64_t begin_;
  std::uint64_t deadline_;
  std::uint64_t total_;
  std::uint64_t nextProgress_ = nowNs() + kNsPerSec;
  std::uint64_t nextRssSample_ = 0;
  std::uint64_t startNs_ = 0;
  std::uint64_t stopNs_ = 0;
  std::optional<double> serverCpuBefore_;
  std::optional<MachineCpu> machineBefore_;
  CpuTimes selfBefore_;
  RunControl control_;
  std::vector<std::string> channelNames_;
  std::vector<std::unique_ptr<Worker>> workers_;
  RunResult r_;
};

RunResult Runner::run() {
  for (std::uint32_t c = 0; c < o_.channels; ++c)
    channelNames_.push_back(channelName(o_.channelPrefix, c, o_.protocol == Protocol::kMqtt ? '/' : '.'));
  machineBefore_ = readMachineCpu();
  selfBefore_ = selfCpu();
  if (o_.serverPid > 0) {
    r_.serverRssBeforeKb = readRssKb(o_.serverPid);
    serverCpuBefore_ = readCpuSeconds(o_.serverPid);
    if (!r_.serverRssBeforeKb || !serverCpuBefore_) {
      r_.ok = false;
      r_.error = fmt::format("no process {} (--server-pid)", o_.serverPid);
      return r_;
    }
  }
  for (std::uint32_t t = 0; t < o_.threads; ++t)
    workers_.push_back(std::make_unique<Worker>(o_, plan_, targets_, control_, channelNames_, t));
  // Round-robin, subscribers first so that they are connected (and their
  // subscriptions in place) before publishers are.
  std::uint32_t next = 0;
  for (std::uint32_t s = 0; s < o_.subscribers; ++s)
    workers_[next++ % o_.threads]->add(Connection::Role::kSubscriber, s);
  for (std::uint32_t s = 0; s < o_.stalled; ++s)
    workers_[next++ % o_.threads]->add(Connection::Role::kStalled, s);
  for (std::uint32_t p = 0; p < o_.publishers; ++p)
    workers_[next++ % o_.threads]->add(Connection::Role::kPublisher, p);

  std::vector<std::thread> threads;
  for (auto& w : workers_) threads.emplace_back([&w] { w->run(); });
  connect();
  if (!control_.failed()) settle();
  if (!control_.failed()) publish();
  if (!control_.failed()) drain();
  setPhase(Phase::kDone);
  for (auto& t : threads) t.join();
  gather();
  return r_;
}

void Runner::connect() {
  while (alive(nowNs())) {
    std::uint64_t confirmed = sum(&WorkerStats::confirmed);
    std::uint64_t now = nowNs();
    if (confirmed == total_) break;
    if (now - begin_ > secToNs(o_.connectTimeoutSec)) {
      control_.fail(fmt::format("only {} of {} connections confirmed within {:.0f} s", confirmed,
                                total_, o_.connectTimeoutSec));
      break;
    }
    progress(now, "connect",
             fmt::format("{} connected, {} confirmed of {}", sum(&WorkerStats::connected),
                         confirmed, total_));
    std::this_thread::sleep_for(kPollInterval);
  }
  r_.connectSec = nsToSec(nowNs() - begin_);
  r_.connections = sum(&WorkerStats::confirmed);
  if (o_.serverPid > 0 && !control_.failed()) r_.serverRssAfterKb = readRssKb(o_.serverPid);
}

void Runner::settle() {
  std::uint64_t from = nowNs();
  std::uint64_t end = from + secToNs(o_.settleSec);
  while (alive(nowNs()) && nowNs() < end) std::this_thread::sleep_for(kPollInterval);
  r_.settleSec = nsToSec(nowNs() - from);
}

void Runner::publish() {
  startNs_ = nowNs();
  control_.setStartNs(startNs_);
  setPhase(Phase::kRun);
  std::uint64_t end = startNs_ + secToNs(o_.durationSec);
  nextProgress_ = startNs_ + kNsPerSec;
  while (alive(nowNs())) {
    std::uint64_t now = nowNs();
    if (now >= end || sum(&WorkerStats::publishersDone) == o_.publishers) break;
    sampleRss(now);
    double sec = nsToSec(now - startNs_);
    progress(now, "run",
             fmt::format("published {}/s  delivered {}/s  {}",
                         shortCount(sum(&WorkerStats::published) / sec),
                         shortCount(sum(&WorkerStats::delivered) / sec), connsText()));
    std::this_thread::sleep_for(kPollInterval);
  }
  stopNs_ = nowNs();
  setPhase(Phase::kStop);
  r_.publishSec = nsToSec(stopNs_ - startNs_);
}

void Runner::drain() {
  std::uint64_t end = stopNs_ + secToNs(o_.drainSec);
  while (alive(nowNs())) {
    std::uint64_t now = nowNs();
    std::uint64_t delivered = sum(&WorkerStats::delivered);
    // Every publisher's end barrier answered: the broker has read all it
    // was sent (the only sign of that when nobody subscribes).
    if (sum(&WorkerStats::publishersAcked) == o_.publishers &&
        delivered >= sum(&WorkerStats::expectedDone))
      break;
    if (now >= end) break;
    sampleRss(now);
    progress(now, "drain",
             fmt::format("delivered {} of {} published  {}", shortCount(delivered),
                         shortCount(sum(&WorkerStats::published)), connsText()));
    std::this_thread::sleep_for(kPollInterval);
  }
  r_.drainSec = nsToSec(nowNs() - stopNs_);
}

void Runner::gather() {
  std::uint64_t lastDelivery = 0;
  std::uint64_t lastAck = 0;
  std::vector<std::uint64_t> sentPerChannel(o_.scenario == Scenario::kConns ? o_.channels : 0, 0);
  for (const auto& w : workers_) {
    const WorkerContext& ctx = w->context();
    r_.delivered += ctx.delivered;
    r_.bytesIn += ctx.bytesIn;
    r_.pubacks += ctx.pubacks;
    r_.latency.merge(ctx.latency);
    r_.sendLag.merge(ctx.sendLag);
    lastDelivery = std::max(lastDelivery, ctx.lastDeliveryNs);
    lastAck = std::max(lastAck, ctx.lastAckNs);
    r_.stalledCut += ctx.stalledCut;
    r_.stalledQueuedBytes += ctx.stalledQueuedBytes;
    for (std::size_t c = 0; c < ctx.sentPerChannel.size(); ++c) sentPerChannel[c] += ctx.sentPerChannel[c];
    for (const auto& conn : w->connections()) {
      if (conn->role() != Connection::Role::kPublisher) continue;
      r_.published += conn->published();
      r_.expected += conn->expectedDeliveries();
      if (!conn->finished()) ++r_.unfinishedPublishers;
      if (conn->acked()) ++r_.ackedPublishers;
    }
  }
  if (o_.scenario == Scenario::kConns && !control_.failed()) {
    for (const auto& w : workers_) {
      for (const auto& conn : w->connections()) {
        if (conn->role() == Connection::Role::kSubscriber &&
            conn->received() != sentPerChannel[conn->index()])
          ++r_.mismatchedSubscribers;
      }
    }
  }
  r_.deliverySec = lastDelivery > startNs_ ? nsToSec(lastDelivery - startNs_) : 0;
  if (r_.ackedPublishers == o_.publishers && lastAck > startNs_) r_.ackSec = nsToSec(lastAck - startNs_);
  r_.lost = r_.expected > r_.delivered ? r_.expected - r_.delivered : 0;
  if (o_.serverPid > 0) {
    auto cpu = readCpuSeconds(o_.serverPid);
    if (cpu && serverCpuBefore_) r_.serverCpuSec = *cpu - *serverCpuBefore_;
    r_.serverThreads = readThreads(o_.serverPid);
  }
  r_.loadgenCpu = selfCpu();
  auto machine = readMachineCpu();
  if (machine && machineBefore_) {
    r_.machineBusySec = machine->busySec - machineBefore_->busySec;
    r_.machineStealSec = machine->stealSec - machineBefore_->stealSec;
    double ours = (r_.loadgenCpu.userSec + r_.loadgenCpu.systemSec) -
                  (selfBefore_.userSec + selfBefore_.systemSec) + r_.serverCpuSec.value_or(0);
    // Clock-tick rounding can make a quiet machine look slightly negative.
    r_.otherCpuSec = std::max(0.0, *r_.machineBusySec - ours);
  }

  if (control_.failed()) {
    r_.ok = false;
    r_.error = control_.error();
  } else if (r_.delivered > r_.expected) {
    r_.ok = false;
    r_.error = fmt::format("{} deliveries for {} owed: duplicates or stray messages", r_.delivered,
                           r_.expected);
  } else if (r_.mismatchedSubscribers > 0) {
    r_.ok = false;
    r_.error = fmt::format("{} subscribers did not get exactly the messages sent to them ({} lost)",
                           r_.mismatchedSubscribers, r_.lost);
  } else if (r_.lost > 0) {
    // A broker that cut its subscribers (or never delivered) is not a fast
    // broker: a throughput figure without its deliveries means nothing.
    r_.ok = false;
    r_.error = fmt::format("{} of {} deliveries never arrived within the {:g} s drain{}", r_.lost,
                           r_.expected, o_.drainSec,
                           r_.delivered == 0 ? ": nothing was delivered" : "");
  }
}

}  // namespace

RunResult runBenchmark(const Options& options, const Targets& targets) {
  return Runner(options, targets).run();
}

}  // namespace linecast::bench
