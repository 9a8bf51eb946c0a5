#pragma once

#include <cstdint>
#include <future>
#include <string>
#include <vector>

#include "cluster/cluster_url.h"
#include "cluster/hiredis_reactor_adapter.h"

struct redisAsyncContext;

namespace linecast {

class Reactor;

// One connection to the cluster's Redis, through hiredis's async API on a
// reactor thread: a non-blocking connect (a host name is resolved on a
// helper thread, never on the reactor), AUTH (with the ACL user when
// given) or PING as the first command, and up once that is answered. When
// it fails or drops, it waits and connects again: 100 ms doubling up to
// 5 s, back to 100 ms after a success; a connect or its first answer not
// done within 2 s counts as a failure. Behind Sentinels (requireMaster) it
// also asks ROLE and is up only on a master, and its owner moves it when
// the master changes; with no host yet it waits.
class RedisLink {
 public:
  class Owner {
   public:
    virtual ~Owner() = default;
    virtual void linkUp(RedisLink& link) = 0;
    // `wasUp`: it had been up (else an attempt failed).
    virtual void linkDown(RedisLink& link, bool wasUp, const std::string& why) = 0;
  };

  RedisLink(std::string name, const ClusterUrl& url, Reactor& reactor, std::uint64_t key, Owner& owner);
  ~RedisLink();
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  const std::string& name() const { return name_; }
  const std::string& host() const { return url_.host; }
  std::uint16_t port() const { return url_.port; }
  bool up() const { return state_ == State::kUp; }
  // The context while up, else null.
  redisAsyncContext* context() const { return up() ? context_ : nullptr; }

  // After AUTH/PING, ask ROLE and count as up only if it says `master`
  // (an address from before a failover may now be a replica, which takes
  // PUBLISH without passing it to the master's subscribers).
  void requireMaster() { requireMaster_ = true; }
  // The last attempt failed because the server was not a master.
  bool refusedAsReplica() const { return refusedAsReplica_; }
  // Connects to another address from the next cron on, at once (the
  // back-off starts over); a connection to the old one is dropped, which
  // the owner hears as linkDown if it was up. Nothing if it is the same.
  // Not from inside one of this link's own hiredis callbacks.
  void moveTo(const std::string& host, std::uint16_t port);
  // The address of the next attempt, when the link is not connected (from
  // the owner's linkDown: another server of a list, after the back-off).
  void retarget(const HostPort& address);
  // Closes a connection that is up, as if it had failed (back-off, then
  // connect again). Not from inside one of this link's own callbacks.
  void drop(const std::string& why);

  // Cron: starts a connection when one is due, gives up a slow one.
  void cron(double now);
  void onEvent(std::uint32_t events);
  // Sends what the commands of this turn buffered.
  void flush();

 private:
  enum class State { kWaiting, kResolving, kConnecting, kUp };
  static void onConnect(const redisAsyncContext* context, int status);
  static void onDisconnect(const redisAsyncContext* context, int status);
  static void onHello(redisAsyncContext* context, void* reply, void* self);
  static void onRole(redisAsyncContext* context, void* reply, void* self);
  void startConnect(const std::string& address);
  void becomeUp();
  // Inside a callback of the context: disconnects after it returns.
  void refuse(redisAsyncContext* context, const std::string& why);
  // Frees the context, if any, outside its callbacks; no link callback runs.
  void closeContext();
  void failed(const std::string& why);

  std::string name_;
  ClusterUrl url_;
  Reactor& reactor_;
  HiredisReactorAdapter adapter_;
  Owner& owner_;
  State state_ = State::kWaiting;
  redisAsyncContext* context_ = nullptr;
  std::future<std::string> resolving_;  // the address, or "" when the name did not resolve
  double now_ = 0;
  double retryAt_ = 0;      // kWaiting: connect at this time
  double deadline_ = 0;     // kConnecting: give up at this time
  double backoff_ = 0.1;
  bool requireMaster_ = false;
  bool refusedAsReplica_ = false;
};

}  // namespace linecast
