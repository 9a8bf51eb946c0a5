#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cluster/cluster_url.h"
#include "cluster/redis_link.h"

struct redisAsyncContext;

namespace linecast {

class Reactor;

// Where the master is, for --cluster sentinel://... (docs/PROTOCOL.md,
// "Cluster"), on reactor thread 0. One RedisLink to one Sentinel at a time
// (no AUTH: the URL's credentials are the master's), tried in the URL's
// order with RedisLink's back-off. Once up it pipelines
// `SENTINEL get-master-addr-by-name NAME` and `SUBSCRIBE +switch-master`,
// so no switch falls between the answer and the subscription; it tells its
// owner the master's address at first and at every switch of that name.
// When the link is lost, or the owner finds the address is not a master
// (requery), it goes on to the next Sentinel, which is asked again.
class SentinelWatch final : private RedisLink::Owner {
 public:
  class Owner {
   public:
    virtual ~Owner() = default;
    // The master is (now) at this address; called only when it changes.
    virtual void masterAt(const std::string& host, std::uint16_t port) = 0;
  };

  SentinelWatch(const ClusterUrl& url, Reactor& reactor, std::uint64_t key, Owner& owner);

  void onEvent(std::uint32_t events) { link_.onEvent(events); }
  void cron(double now);
  // The address named is not a master (a Sentinel's view from before a
  // failover): ask again, through the next Sentinel, at the next cron.
  void requery() { requeryDue_ = true; }

 private:
  void linkUp(RedisLink& link) override;
  void linkDown(RedisLink& link, bool wasUp, const std::string& why) override;
  static void onMasterAddress(redisAsyncContext* context, void* reply, void* self);
  static void onSwitch(redisAsyncContext* context, void* reply, void* self);
  void found(const std::string& host, std::uint16_t port, const char* how);
  std::string sentinelName() const;

  std::vector<HostPort> sentinels_;
  std::string masterName_;
  std::size_t current_ = 0;  // the Sentinel the link is at
  Owner& owner_;
  RedisLink link_;
  std::string masterHost_;  // the last address told to the owner
  std::uint16_t masterPort_ = 0;
  bool requeryDue_ = false;
  std::string dropWhy_;      // set in a callback of the link: drop it at the next cron
  std::size_t failedInARow_ = 0;  // Sentinels that failed since one was up: log each once a round
};

}  // namespace linecast
