#include "cluster/interest_exchange.h"

#include <hiredis/async.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <utility>

#include "cluster/interest_scripts.h"
#include "cluster/redis_link.h"
#include "cluster/retained_mirror.h"
#include "util/log.h"

namespace linecast {
namespace {

constexpr std::string_view kInterestChannel = InterestMessage::kInterestChannel;

std::string_view textOf(const redisReply* reply) {
  if (reply == nullptr || (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_STATUS) ||
      reply->str == nullptr) {
    return {};
  }
  return {reply->str, reply->len};
}

std::uint64_t numberOf(const redisReply* reply) {
  if (reply == nullptr) return 0;
  if (reply->type == REDIS_REPLY_INTEGER) return reply->integer < 0 ? 0 : static_cast<std::uint64_t>(reply->integer);
  std::string_view text = textOf(reply);
  // A ZSET score is written as a double ("1733548800123" or "1.7e12").
  std::string digits(text);
  double value = std::strtod(digits.c_str(), nullptr);
  return value < 0 ? 0 : static_cast<std::uint64_t>(value);
}

bool isArray(const redisReply* reply, std::size_t elements) {
  return reply != nullptr && reply->type == REDIS_REPLY_ARRAY && reply->elements >= elements;
}

// A load in flight: whose set, and in which round (an answer from before a
// link loss is stale).
struct LoadRequest {
  InterestExchange* exchange;
  std::string node;
  std::uint64_t round;
};

}  // namespace

InterestExchange::InterestExchange(std::string nodeId, RedisLink& publish, const RedisSubscriptions& subscriptions)
    : node_(std::move(nodeId)),
      nodeChannel_(std::string(interest_scripts::kNodeChannelPrefix) + node_),
      publish_(publish),
      subscriptions_(subscriptions),
      view_(node_),
      feed_(view_),
      liveness_(node_, kTtlMs) {}

// The channels every node holds for itself are not interest.
bool InterestExchange::reserved(std::string_view name) const {
  return name == kRetainedChannel || name == kInterestChannel || name == nodeChannel_;
}

bool InterestExchange::ready() const { return publish_.up() && interestSubscribed_; }

void InterestExchange::publishUp() {
  resetDue_ = true;
  refusalLogged_ = false;
  registered_ = false;
}

void InterestExchange::publishLost() { becomeIncomplete(); }

void InterestExchange::subscribeLost() {
  interestSubscribed_ = false;
  becomeIncomplete();
  // Acknowledgments come on the subscribe link: none will now. The set is
  // advertised again whole once it is back, since the changes made while
  // it was down were not.
  resetDue_ = true;
}

void InterestExchange::interestSubscribed() {
  interestSubscribed_ = true;
  if (publish_.up()) {
    sendHeartbeat();  // a reading now rather than at the next beat
    publish_.flush();
  }
}

// Whatever was known may be stale or will not be answered: every channel is
// published, nothing is waited for, and every node is loaded again.
void InterestExchange::becomeIncomplete() {
  feed_.linkLost();
  view_.setComplete(false);
  complete_ = false;
  liveness_.linkLost();
  acks_.linkLost();
  loading_.clear();
  ++loadRound_;
  firstReading_ = true;
  toAck_.clear();
  for (Advert& advert : adverts_) advert.answered = true, advert.seq = 0;
  settle();
}

void InterestExchange::received(std::string_view bytes) {
  DecodedInterest message;
  if (!decodeInterestMessage(bytes, message)) {
    log(LogLevel::kDebug, "cluster: not an interest message on {} ({} bytes), ignored", kInterestChannel,
        bytes.size());
    return;
  }
  using Kind = InterestMessage::Kind;
  if (message.kind == Kind::kGone) {
    if (message.sender != node_) dropNode(std::string(message.sender));
    return;
  }
  if (message.kind == Kind::kAck) {
    if (message.acknowledged == node_) acks_.acknowledged(message.sender, message.seq);
    return settle();
  }
  if (message.sender == node_) {
    // Our own advertisement came back: this link was one of its receivers.
    acks_.acknowledged(node_, message.seq);
    return settle();
  }
  std::erase(dropped_, message.sender);  // it advertises: a receiver like any other
  feed_.notice(message.sender, message.notice);
  // Applied, or kept while the node's set loads (wanted() answers true for
  // every channel meanwhile): either way no skip can miss it now.
  toAck_.emplace_back(std::string(message.sender), message.seq);
}

void InterestExchange::advertise(const RedisSubscriptions::Commands& sent) {
  if (resetDue_ || !publish_.up()) return;  // the whole set goes instead, once it can
  message_.begin(InterestMessage::Kind::kChange, node_, 0);
  members_.clear();
  auto add = [this](const std::vector<std::string>& names, bool pattern, bool lost) {
    for (const std::string& name : names) {
      if (!pattern && reserved(name)) continue;
      message_.add(RedisInterest{pattern, name}, lost);
      std::string member(lost ? "-" : "+");
      member += pattern ? 'p' : 'c';
      member += name;
      members_.push_back(std::move(member));
    }
  };
  add(sent.unsubscribe, false, true);
  add(sent.punsubscribe, true, true);
  add(sent.subscribe, false, false);
  add(sent.psubscribe, true, false);
  if (!members_.empty()) sendAdvert('C');
}

void InterestExchange::sendAdvert(char kind) {
  std::string setKey = std::string(interest_scripts::kSetPrefix) + node_;
  std::string seqKey = std::string(interest_scripts::kSeqPrefix) + node_;
  std::string kindText(1, kind);
  std::string dropped = std::to_string(dropped_.size());
  std::vector<std::string_view> args{node_, kindText, message_.body(), dropped};
  for (const std::string& node : dropped_) args.push_back(node);
  for (const std::string& member : members_) args.push_back(member);
  evalScript(interest_scripts::kAdvertise, {setKey, seqKey}, args, onAdvertised, this);
  adverts_.push_back({now_, false, 0, dropped_});
  ++sent_;
}

void InterestExchange::sendResetAdvert() {
  message_.begin(InterestMessage::Kind::kReset, node_, 0);
  members_.clear();
  subscriptions_.forEachCounted([this](std::string_view key) {
    bool pattern = key[0] == 'p';
    std::string_view name = key.substr(1);
    if (!pattern && reserved(name)) return;
    message_.add(RedisInterest{pattern, std::string(name)}, false);
    members_.push_back("+" + std::string(key));
  });
  sendAdvert('R');
}

void InterestExchange::evalScript(std::string_view script, std::initializer_list<std::string_view> keys,
                                  const std::vector<std::string_view>& args,
                                  void (*callback)(redisAsyncContext*, void*, void*), void* data) {
  char count[8];
  auto end = std::to_chars(count, count + sizeof count, keys.size()).ptr;
  std::vector<const char*> argv{"EVAL", script.data(), count};
  std::vector<std::size_t> lengths{4, script.size(), static_cast<std::size_t>(end - count)};
  for (std::string_view key : keys) {
    argv.push_back(key.data());
    lengths.push_back(key.size());
  }
  for (std::string_view arg : args) {
    argv.push_back(arg.empty() ? "" : arg.data());  // an empty view's data() may be null
    lengths.push_back(arg.size());
  }
  redisAsyncCommandArgv(publish_.context(), callback, data, static_cast<int>(argv.size()), argv.data(),
                        lengths.data());
}

void InterestExchange::onAdvertised(redisAsyncContext*, void* reply, void* self) {
  auto* exchange = static_cast<InterestExchange*>(self);
  auto* answer = static_cast<redisReply*>(reply);
  Advert* advert = nullptr;
  for (Advert& a : exchange->adverts_) {
    if (!a.answered) {
      advert = &a;
      break;
    }
  }
  if (advert == nullptr) return;  // already let go when the link was lost
  advert->answered = true;
  if (isArray(answer, 3) && answer->element[2]->type == REDIS_REPLY_ARRAY) {
    advert->seq = numberOf(answer->element[0]);
    std::vector<std::string> silent;
    for (std::size_t i = 0; i < answer->element[2]->elements; ++i) {
      silent.emplace_back(textOf(answer->element[2]->element[i]));
    }
    exchange->acks_.advertised(advert->seq, numberOf(answer->element[1]), silent);
    // A dropped node no longer subscribed is gone for good (or will come
    // back registering): no later advertisement asks about it.
    for (const std::string& node : advert->askedAbout) {
      if (std::find(silent.begin(), silent.end(), node) == silent.end()) std::erase(exchange->dropped_, node);
    }
  } else if (answer != nullptr && answer->type == REDIS_REPLY_ERROR) {
    exchange->refused("this node's interest advertisement (the other nodes may skip channels it holds)", answer);
  }
  exchange->settle();
}

// Lets go of the leading advertisements that are acknowledged (or whose
// answer says nothing is to be waited for).
void InterestExchange::settle() {
  while (!adverts_.empty() && adverts_.front().answered &&
         (adverts_.front().seq == 0 || acks_.confirmed() >= adverts_.front().seq)) {
    adverts_.pop_front();
    ++confirmed_;
  }
}

void InterestExchange::sendHeartbeat() {
  evalScript(interest_scripts::kHeartbeat, {interest_scripts::kNodes}, {node_}, onHeartbeat, this);
}

void InterestExchange::onHeartbeat(redisAsyncContext*, void* reply, void* self) {
  auto* exchange = static_cast<InterestExchange*>(self);
  auto* answer = static_cast<redisReply*>(reply);
  if (!isArray(answer, 3) || answer->element[2]->type != REDIS_REPLY_ARRAY) {
    if (answer != nullptr && answer->type == REDIS_REPLY_ERROR) {
      exchange->refused("this node's heartbeat", answer);
    }
    return;
  }
  const redisReply* set = answer->element[2];
  std::vector<std::pair<std::string, std::uint64_t>> beats;
  for (std::size_t i = 0; i + 1 < set->elements; i += 2) {
    beats.emplace_back(std::string(textOf(set->element[i])), numberOf(set->element[i + 1]));
  }
  exchange->heard(beats, numberOf(answer->element[1]), numberOf(answer->element[0]) == 1);
}

void InterestExchange::heard(const std::vector<std::pair<std::string, std::uint64_t>>& beats, std::uint64_t nowMs,
                             bool added) {
  // Listed anew after having been: the others dropped this node (it was
  // silent too long) and swept its set, so it advertises it whole again.
  if (added && registered_) {
    log(LogLevel::kWarn, "cluster: the other nodes had dropped node {} (silent over {} ms): advertising again",
        node_, kTtlMs);
    resetDue_ = true;
  }
  registered_ = true;
  if (!ready()) return;
  NodeLiveness::Changes changes;
  liveness_.update(beats, nowMs, changes);
  for (const std::string& node : changes.left) dropNode(node);
  for (const std::string& node : changes.stale) {
    log(LogLevel::kInfo, "cluster: node {} silent over {} ms: dropped", node, kTtlMs);
    dropNode(node);
    std::string cutoff = std::to_string(nowMs - kTtlMs);
    sendSweep(node, cutoff);
  }
  for (const std::string& node : changes.joined) {
    std::erase(dropped_, node);
    if (loading_.find(node) == loading_.end()) sendLoad(node);
  }
  firstReading_ = false;
  checkComplete();
}

void InterestExchange::checkComplete() {
  if (complete_ || firstReading_ || !loading_.empty() || !ready()) return;
  complete_ = true;
  view_.setComplete(true);
  log(LogLevel::kInfo, "cluster: interest of {} other node(s) known: channels no other node wants stay local",
      view_.nodes());
}

void InterestExchange::sendLoad(const std::string& node) {
  feed_.loading(node);
  loading_[node] = loadRound_;
  std::string setKey = std::string(interest_scripts::kSetPrefix) + node;
  std::string seqKey = std::string(interest_scripts::kSeqPrefix) + node;
  auto* request = new LoadRequest{this, node, loadRound_};
  evalScript(interest_scripts::kLoad, {setKey, seqKey}, {}, onLoaded, request);
}

void InterestExchange::onLoaded(redisAsyncContext*, void* reply, void* data) {
  std::unique_ptr<LoadRequest> request(static_cast<LoadRequest*>(data));
  InterestExchange& exchange = *request->exchange;
  auto* answer = static_cast<redisReply*>(reply);
  auto it = exchange.loading_.find(request->node);
  if (it == exchange.loading_.end() || it->second != request->round) return;  // stale, or the node went
  exchange.loading_.erase(it);
  if (!isArray(answer, 2) || answer->element[1]->type != REDIS_REPLY_ARRAY) {
    // Refused or lost: the node stays "loading" in the view (everything
    // wanted) and is loaded again.
    exchange.retryLoads_.push_back(request->node);
    return;
  }
  std::vector<RedisInterest> names;
  const redisReply* members = answer->element[1];
  for (std::size_t i = 0; i < members->elements; ++i) {
    std::string_view member = textOf(members->element[i]);
    if (member.size() < 1 || (member[0] != 'c' && member[0] != 'p')) continue;
    names.push_back(RedisInterest{member[0] == 'p', std::string(member.substr(1))});
  }
  exchange.feed_.loaded(request->node, numberOf(answer->element[0]), names);
  exchange.checkComplete();
}

void InterestExchange::dropNode(const std::string& node) {
  // Its link may still be subscribed (stopped, cut off from Redis): later
  // advertisements ask Redis, and do not wait for it if so.
  if (std::find(dropped_.begin(), dropped_.end(), node) == dropped_.end()) dropped_.push_back(node);
  feed_.gone(node);
  acks_.gone(node);
  loading_.erase(node);
  settle();
  checkComplete();
}

void InterestExchange::sendSweep(std::string_view node, std::string_view cutoff) {
  std::string setKey = std::string(interest_scripts::kSetPrefix) + std::string(node);
  std::string seqKey = std::string(interest_scripts::kSeqPrefix) + std::string(node);
  evalScript(interest_scripts::kSweep, {interest_scripts::kNodes, setKey, seqKey}, {node, cutoff}, onAnswer, this);
}

void InterestExchange::onAnswer(redisAsyncContext*, void* reply, void* self) {
  auto* answer = static_cast<redisReply*>(reply);
  if (answer != nullptr && answer->type == REDIS_REPLY_ERROR) static_cast<InterestExchange*>(self)->refused("a sweep", answer);
}

// Once per link-up at warning level (a Redis user without EVAL would
// otherwise log every second), then at debug.
void InterestExchange::refused(std::string_view what, const redisReply* answer) {
  std::string_view why(answer->str, answer->len);
  if (refusalLogged_) return log(LogLevel::kDebug, "cluster: redis refused {}: {}", what, why);
  refusalLogged_ = true;
  log(LogLevel::kWarn, "cluster: redis refused {}: {} (further refusals at debug level until it reconnects)", what, why);
}

bool InterestExchange::endTurn() {
  if (!publish_.up()) return false;
  bool wrote = false;
  if (resetDue_) {
    // Listed first: a node that loads after this finds this node's set.
    sendHeartbeat();
    sendResetAdvert();
    resetDue_ = false;
    wrote = true;
  }
  for (const auto& [node, seq] : toAck_) {
    // To the advertiser's own channel: only it needs to hear.
    message_.ack(node_, node, seq);
    std::string_view bytes = message_.bytes();
    std::string channel = std::string(interest_scripts::kNodeChannelPrefix) + node;
    const char* argv[3] = {"PUBLISH", channel.data(), bytes.data()};
    std::size_t lengths[3] = {7, channel.size(), bytes.size()};
    redisAsyncCommandArgv(publish_.context(), nullptr, nullptr, 3, argv, lengths);
    wrote = true;
  }
  toAck_.clear();
  if (ready()) {
    std::vector<std::string> reloads = feed_.takeReloads();
    reloads.insert(reloads.end(), retryLoads_.begin(), retryLoads_.end());
    retryLoads_.clear();
    for (const std::string& node : reloads) {
      if (loading_.find(node) != loading_.end()) continue;
      sendLoad(node);
      wrote = true;
    }
  }
  return wrote;
}

void InterestExchange::cron(double now) {
  now_ = now;
  if (ready() && now >= nextBeat_) {
    nextBeat_ = now + 1.0;
    sendHeartbeat();
    publish_.flush();
  }
  // A node that received an advertisement and never answered (stopped,
  // or its publish link is down) delays PONGs until it is dropped; this
  // bounds the wait whatever happens.
  bool late = false;
  for (const Advert& advert : adverts_) {
    if (advert.answered && advert.seq != 0 && now - advert.sentAt > kAckTimeout) {
      acks_.giveUp(advert.seq);
      late = true;
    }
  }
  if (late) {
    log(LogLevel::kWarn, "cluster: an interest advertisement of node {} was not acknowledged within {} s: "
        "not waited for", node_, kAckTimeout);
    settle();
  }
}

void InterestExchange::leave() {
  if (!publish_.up()) return;
  sendSweep(node_, "inf");
  publish_.flush();
}

}  // namespace linecast
