#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cluster/interest_acks.h"
#include "cluster/interest_feed.h"
#include "cluster/interest_message.h"
#include "cluster/interest_verdicts.h"
#include "cluster/node_liveness.h"
#include "cluster/redis_subscriptions.h"
#include "cluster/remote_interest.h"
#include "util/string_hash.h"

struct redisAsyncContext;
struct redisReply;

namespace linecast {

class RedisLink;

// Interest propagation (docs/PROTOCOL.md, "Cluster"): each node tells the
// others, through Redis, which Redis names it holds, and learns theirs, so
// that it PUBLISHes only what some other node wants. Without it a channel
// whose publisher and subscribers live on one node still goes to Redis and
// back (Redis pub/sub has no "not to myself"). On reactor thread 0, part of
// the RedisBackplane, which feeds it its links' states, the turn's
// subscription commands and the messages on kInterestChannel.
//
// - Advertises: each turn's changes (and the whole set after a link came
//   up) with the kAdvertise script, which stores them, numbers them and
//   publishes them; a SUB's PONG waits until every node that received the
//   advertisement acknowledged it (InterestAcks), at most kAckTimeout.
// - Learns: the other nodes' sets loaded (kLoad) when they appear in the
//   heartbeat set, their advertisements applied in order (InterestFeed),
//   each acknowledged once applied.
// - Liveness: a heartbeat (kHeartbeat) every second while both links are
//   up; a node silent for kTtlMs is dropped and swept from Redis.
// - Decides: wanted(channel), exact where the view is complete and true
//   (publish) wherever it may not be.
class InterestExchange {
 public:
  static constexpr std::uint64_t kTtlMs = 3000;
  static constexpr double kAckTimeout = 5.0;

  InterestExchange(std::string nodeId, RedisLink& publish, const RedisSubscriptions& subscriptions);

  // Links. The subscribe link's subscription to kInterestChannel is the
  // backplane's (like kRetainedChannel); `interestSubscribed` is Redis's
  // answer to it, before which nothing is loaded (a change made between a
  // load and the subscription would be missed).
  void publishUp();
  void publishLost();
  void subscribeLost();
  void interestSubscribed();

  // A message on kInterestChannel.
  void received(std::string_view bytes);
  // The (P)(UN)SUBSCRIBEs the turn sent: advertised as one change.
  void advertise(const RedisSubscriptions::Commands& sent);
  // The end of thread 0's turn: a pending whole-set advertisement, the
  // acknowledgments and loads the turn's messages asked for. Returns
  // whether anything was written to the publish link.
  bool endTurn();
  void cron(double now);
  // This node stops: removed from Redis at once rather than after kTtlMs.
  void leave();

  // Whether some other node may want a PUBLISH on this Redis channel.
  bool wanted(std::string_view channel) { return verdicts_.wanted(channel, view_); }
  const RemoteInterest& view() const { return view_; }
  // This node's own channel (kNodeChannelPrefix + id), which the subscribe
  // link holds: acknowledgments of its advertisements come there.
  const std::string& nodeChannel() const { return nodeChannel_; }
  // Advertisements sent, and confirmed (acknowledged, or no longer waited
  // for), counted from the first (RedisAcks).
  std::uint64_t sent() const { return sent_; }
  std::uint64_t confirmed() const { return confirmed_; }

 private:
  struct Advert {
    double sentAt = 0;
    bool answered = false;
    std::uint64_t seq = 0;  // 0: refused, or the link was lost
    std::vector<std::string> askedAbout;  // the dropped nodes it asked Redis about
  };
  void sendAdvert(char kind);
  void sendResetAdvert();
  void sendHeartbeat();
  void sendLoad(const std::string& node);
  void sendSweep(std::string_view node, std::string_view cutoff);
  void evalScript(std::string_view script, std::initializer_list<std::string_view> keys,
                  const std::vector<std::string_view>& args, void (*callback)(redisAsyncContext*, void*, void*),
                  void* data);
  static void onAdvertised(redisAsyncContext* context, void* reply, void* self);
  static void onHeartbeat(redisAsyncContext* context, void* reply, void* self);
  static void onLoaded(redisAsyncContext* context, void* reply, void* data);
  static void onAnswer(redisAsyncContext* context, void* reply, void* self);
  void heard(const std::vector<std::pair<std::string, std::uint64_t>>& beats, std::uint64_t nowMs, bool added);
  void loaded(const std::string& node, std::uint64_t seq, const std::vector<RedisInterest>& names);
  void dropNode(const std::string& node);
  void settle();
  void checkComplete();
  void becomeIncomplete();
  bool ready() const;
  bool reserved(std::string_view name) const;
  void refused(std::string_view what, const redisReply* answer);

  std::string node_;
  std::string nodeChannel_;
  RedisLink& publish_;
  const RedisSubscriptions& subscriptions_;
  RemoteInterest view_;
  InterestFeed feed_;
  InterestVerdicts verdicts_;
  NodeLiveness liveness_;
  InterestAcks acks_;
  InterestMessage message_;  // reused
  std::vector<std::string> members_;  // the advertisement's set changes: '+'/'-', then 'c'/'p' and the name
  std::deque<Advert> adverts_;  // sent, not confirmed, in order
  std::uint64_t sent_ = 0;
  std::uint64_t confirmed_ = 0;
  // Per node, the seqs of its advertisements applied since the last turn:
  // each acknowledged at the turn's end.
  std::vector<std::pair<std::string, std::uint64_t>> toAck_;
  std::vector<std::string> retryLoads_;
  // Nodes dropped (silent too long, or gone) that have not registered
  // again: their link may still be subscribed and counted as a receiver.
  std::vector<std::string> dropped_;
  // Loads in flight since the links came up, before the view is complete.
  std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>> loading_;
  std::uint64_t loadRound_ = 0;  // a load's answer from before a link loss is ignored
  bool resetDue_ = false;       // the whole set is to be advertised
  bool interestSubscribed_ = false;
  bool firstReading_ = true;  // the next heartbeat reading makes the view complete once loaded
  bool complete_ = false;
  bool registered_ = false;
  bool refusalLogged_ = false;  // a heartbeat was answered since the publish link came up
  double now_ = 0;
  double nextBeat_ = 0;
};

}  // namespace linecast
