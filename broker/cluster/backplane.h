#pragma once

#include <cstdint>
#include <memory>

namespace linecast {

class Broker;
class ClusterHub;
class Reactor;
struct Config;
struct Metrics;

// The link between this node and the others (--cluster), whatever carries
// it: Redis today (RedisBackplane); another engine (NATS) would be another
// implementation of this interface. It lives on reactor thread 0 and is
// driven by that thread's turn: the descriptors it registers with the
// thread's Reactor under keys kFirstKey..kFirstKey + kKeys - 1, the cron,
// and the end of the turn. It takes what every thread published from the
// ClusterHub and delivers what other nodes published through thread 0's
// Broker, which passes it on to the other threads like a local publish.
class Backplane {
 public:
  static constexpr std::uint64_t kFirstKey = 0;
  // The Redis links (publish, subscribe) and a Sentinel link.
  static constexpr std::uint64_t kKeys = 3;

  virtual ~Backplane() = default;
  // An event on one of its registrations.
  virtual void onEvent(std::uint64_t key, std::uint32_t events) = 0;
  // Every cron tick of thread 0: reconnects and their back-off, timeouts.
  virtual void cron(double now) = 0;
  // The end of thread 0's turn, after every thread's hand-over it could
  // see: publishes the turn's messages and changes the subscriptions.
  virtual void endTurn() = 0;
};

// The backplane --cluster names (a redis:// or sentinel:// URL today).
std::unique_ptr<Backplane> makeBackplane(const Config& config, ClusterHub& hub, Broker& broker,
                                         Metrics& metrics, Reactor& reactor);

}  // namespace linecast
