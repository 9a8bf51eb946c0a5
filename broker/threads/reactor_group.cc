#include "threads/reactor_group.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <thread>

#include "cluster/cluster_hub.h"
#include "protocols/mqtt/mqtt_restore.h"
#include "threads/core_count.h"
#include "util/log.h"

namespace linecast {

std::size_t reactorThreadsFor(const Config& config) {
  if (config.threads != 0) return config.threads;
  return defaultReactorThreads(usableCores());
}

ReactorGroup::ReactorGroup(const Config& given) {
  // One store of retained messages for every thread.
  Config config = given;
  if (!config.retained) {
    config.retained = std::make_shared<RetainedStore>(RetainedLimits{config.maxRetained, config.maxRetainedBytes});
  }
  retained_ = config.retained;
  if (!config.dataDir.empty()) openDataDir(config);
  if (config.threads == 0) defaultedFrom_ = usableCores();
  std::size_t threads = reactorThreadsFor(config);
  if (threads > 1) net_ = std::make_unique<Interconnect>(threads, config.maxLine);
  if (config.clusterUrl) config.clusterHub = std::make_shared<ClusterHub>(threads, config.nodeId);
  for (std::size_t i = 0; i < threads; ++i) {
    servers_.push_back(std::make_unique<Server>(config, net_.get(), i));
  }
}

void ReactorGroup::openDataDir(Config& config) {
  auto store = std::make_unique<DataStore>(config.dataDir);
  std::size_t loaded = RetainedPersistence::load(*store, *config.retained);
  std::shared_ptr<MqttStoredState> mqtt =
      restoreMqtt(*store, RetainedLimits{config.maxRetained, config.maxRetainedBytes});
  FsyncPolicy policy = parseFsyncPolicy(config.fsync).value_or(FsyncPolicy::kEverySec);
  log(LogLevel::kInfo, "data directory {} ({}, --fsync {}): {} retained message{} loaded", store->directory(),
      DataStore::kEngine, fsyncPolicyName(policy), loaded, loaded == 1 ? "" : "s");
  if (!mqtt->sessions.empty() || mqtt->retainedCount > 0) {
    std::size_t queued = 0;
    for (const auto& state : mqtt->sessions) {
      if (const MqttDelivery* held = state->heldDelivery()) queued += held->inflight.size() + held->queued.size();
    }
    log(LogLevel::kInfo, "data directory {}: {} persistent MQTT session{} ({} message{} held), {} MQTT-only retained "
        "message{} loaded", store->directory(), mqtt->sessions.size(), mqtt->sessions.size() == 1 ? "" : "s", queued,
        queued == 1 ? "" : "s", mqtt->retainedCount, mqtt->retainedCount == 1 ? "" : "s");
  }
  // Only thread 0's MQTT protocol takes them (without --mqtt-port they stay
  // on the disk untouched).
  if (config.mqttPort != 0) config.mqttStored = std::move(mqtt);
  store_ = std::make_shared<StoreWriter>(std::move(store), policy);
  retainedJournal_ = std::make_unique<RetainedPersistence>(*store_, *config.retained);
  config.store = store_;
}

ReactorGroup::~ReactorGroup() {
  servers_.clear();  // before the Interconnect they point into
}

int ReactorGroup::run() {
  log(LogLevel::kInfo, "{} reactor thread{}{}", servers_.size(), servers_.size() == 1 ? "" : "s",
      defaultedFrom_ > 0 ? fmt::format(" (--threads 0: one per two of the {} usable cores)", defaultedFrom_)
                         : std::string());
  // Stop signals belong to the caller's thread: the others inherit a
  // blocked mask, so their epoll_wait is never interrupted by one.
  sigset_t stopSignals;
  sigset_t previous;
  ::sigemptyset(&stopSignals);
  ::sigaddset(&stopSignals, SIGTERM);
  ::sigaddset(&stopSignals, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &stopSignals, &previous);
  std::vector<std::thread> others;
  for (std::size_t i = 1; i < servers_.size(); ++i) {
    others.emplace_back([server = servers_[i].get()] { server->run(); });
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  int code = servers_.front()->run();
  // The first thread stopped accepting; the others finish their own
  // shutdown (each within --shutdown-grace).
  for (std::size_t i = 1; i < servers_.size(); ++i) servers_[i]->requestStop();
  for (std::thread& t : others) t.join();
  return code;
}

void ReactorGroup::requestStop() {
  for (auto& server : servers_) server->requestStop();
}

}  // namespace linecast
