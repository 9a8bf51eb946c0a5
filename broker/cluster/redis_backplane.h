#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/backplane.h"
#include "cluster/cluster_hub.h"
#include "cluster/cluster_url.h"
#include "cluster/envelope.h"
#include "cluster/interest_exchange.h"
#include "cluster/redis_acks.h"
#include "cluster/redis_link.h"
#include "cluster/redis_subscriptions.h"
#include "cluster/sentinel_watch.h"

struct redisAsyncContext;

namespace linecast {

// The backplane over Redis pub/sub (docs/PROTOCOL.md, "Cluster"), on
// reactor thread 0. Two links: `publish` sends PUBLISH commands (a link in
// subscribe mode can send nothing else), `subscribe` holds the node's
// SUBSCRIBE/PSUBSCRIBE set (RedisSubscriptions) and receives.
//
// Out: at the end of each turn of thread 0, every run of consecutive
// messages to one channel that a thread handed over becomes one envelope
// and one PUBLISH, all pipelined in one write. Runs, not all of a turn's
// messages per channel: a subscriber of several channels must see one
// publisher's messages in the order they were published. While the
// publish link is down, messages are counted as dropped, never queued.
//
// In: each message Redis pushes is one envelope; this node's own (echoes)
// and the second copy of an envelope (a channel matching several of the
// node's subscriptions) are dropped; the rest go through thread 0's
// Broker, which re-checks every local subscription exactly, as for a
// local publish, and forwards to the other threads.
//
// Behind Sentinels (sentinel://) a SentinelWatch names the master; both
// links require ROLE master and move when it switches.
//
// Interest propagation (InterestExchange): a run no other node wants is
// not published at all; on thread 0 it is not even copied (ClusterOutbox).
//
// Retained: a RETAIN (or a clear) is an HSET (HDEL) of the hash
// kRetainedHash on the publish link, then a retained envelope the other
// nodes keep; the threads' batches that hold one are confirmed once Redis
// answered it (RedisAcks). The hash replaces the node's retained messages
// whenever the publish link comes up.
class RedisBackplane final : public Backplane, private RedisLink::Owner, private SentinelWatch::Owner {
 public:
  RedisBackplane(const ClusterUrl& url, ClusterHub& hub, Broker& broker, Metrics& metrics, Reactor& reactor);
  ~RedisBackplane() override;

  void onEvent(std::uint64_t key, std::uint32_t events) override;
  void cron(double now) override;
  void endTurn() override;

 private:
  void linkUp(RedisLink& link) override;
  void linkDown(RedisLink& link, bool wasUp, const std::string& why) override;
  void masterAt(const std::string& host, std::uint16_t port) override;
  void applyChanges(const std::vector<InterestChange>& changes);
  void publishRuns(std::string_view records);
  void publishEnvelope(std::string_view channel);
  void sendSubscriptions();
  void sendCommand(const char* verb, const std::vector<std::string>& names);
  static void onPush(redisAsyncContext* context, void* reply, void* self);
  void received(std::string_view channel, std::string_view envelope);
  void updateUp();
  // Retained messages in Redis (redis_retained.cc): each change stored in
  // the hash and published to the other nodes, which keep it; the hash
  // loaded whenever the publish link comes up.
  void storeRetained(std::string_view channel, std::string_view payload);
  static void onStored(redisAsyncContext* context, void* reply, void* self);
  void keepRetainedValues(std::string_view envelope);
  void keepRetained(std::string_view channel, std::string_view payload);
  void loadRetained();
  static void onRetainedLoaded(redisAsyncContext* context, void* reply, void* self);
  void applyToStore(std::string_view channel, std::string_view payload);
  void confirmSubscriptions();
  auto confirmBatch();
  void releaseConfirmed();
  void takeSkipped();

  ClusterUrl url_;
  ClusterHub& hub_;
  Broker& broker_;
  Metrics& metrics_;
  // Which threads' batches Redis confirmed. Before the links: a link's
  // destruction answers its pending commands (onStored) with nothing.
  RedisAcks acks_;
  // Before the links too (their destruction answers its commands); it
  // reads subscriptions_ only from endTurn on.
  InterestExchange interest_;
  RedisLink publish_;
  RedisLink subscribe_;
  std::unique_ptr<SentinelWatch> sentinels_;  // sentinel:// only
  RedisSubscriptions subscriptions_;
  RedisSubscriptions::Commands commands_;  // reused
  std::vector<ClusterHub::Handed> handed_;  // reused
  EnvelopeWriter envelope_;
  std::string command_;  // the PUBLISH being handed to hiredis, reused
  std::uint64_t sequence_ = 0;
  std::string lastOrigin_;  // the last envelope received: a second copy follows it at once
  std::uint64_t lastSequence_ = 0;
  bool wasUp_ = false;
  // While an HGETALL is unanswered: the retained changes made or heard of
  // since it was sent, newer than its answer, applied again after it.
  std::optional<std::vector<std::pair<std::string, std::string>>> sinceLoad_;
  bool closing_ = false;  // destroyed: a pending command's answer confirms nothing
  bool quiet_[2] = {false, false};  // per link: its failure of this outage is logged
};

}  // namespace linecast
