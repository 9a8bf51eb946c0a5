#include "cluster/redis_backplane.h"

#include <hiredis/async.h>

#include <algorithm>
#include <charconv>
#include <string>

#include "cluster/redis_glob.h"
#include "cluster/retained_mirror.h"
#include "config.h"
#include "metrics.h"
#include "routing/broker.h"
#include "util/log.h"

namespace linecast {
namespace {

// An envelope grows to about this size before the run goes on in another,
// so one PUBLISH never makes Redis hold a huge buffer per subscriber node.
constexpr std::size_t kEnvelopeBytes = 256 * 1024;
// Names per SUBSCRIBE command, to bound one command's size.
constexpr std::size_t kNamesPerCommand = 512;

// "$<length>\r\n<bytes>\r\n": one RESP bulk string.
void appendBulk(std::string& out, std::string_view bytes) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, bytes.size()).ptr;
  out += '$';
  out.append(digits, end);
  out += "\r\n";
  if (!bytes.empty()) out.append(bytes);  // an empty view's data() may be null
  out += "\r\n";
}

}  // namespace

std::unique_ptr<Backplane> makeBackplane(const Config& config, ClusterHub& hub, Broker& broker, Metrics& metrics,
                                         Reactor& reactor) {
  return std::make_unique<RedisBackplane>(*config.clusterUrl, hub, broker, metrics, reactor);
}

RedisBackplane::RedisBackplane(const ClusterUrl& url, ClusterHub& hub, Broker& broker, Metrics& metrics,
                               Reactor& reactor)
    : url_(url),
      hub_(hub),
      broker_(broker),
      metrics_(metrics),
      acks_(hub.threads()),
      interest_(hub.nodeId(), publish_, subscriptions_),
      publish_("publish", url, reactor, kFirstKey, *this),
      subscribe_("subscribe", url, reactor, kFirstKey + 1, *this) {
  hub_.outbox(0).setInterest(&interest_.view());
  subscriptions_.add(false, kRetainedChannel);  // for as long as the node runs
  subscriptions_.add(false, InterestMessage::kInterestChannel);
  subscriptions_.add(false, interest_.nodeChannel());
  if (url.viaSentinels()) {
    SentinelWatch::Owner& owner = *this;  // a private base: converted here, where it is accessible
    sentinels_ = std::make_unique<SentinelWatch>(url, reactor, kFirstKey + 2, owner);
    publish_.requireMaster();
    subscribe_.requireMaster();
    log(LogLevel::kInfo, "cluster: node {}, redis master {} named by {} sentinel(s)", hub_.nodeId(), url.masterName,
        url.sentinels.size());
    return;
  }
  log(LogLevel::kInfo, "cluster: node {}, redis at {}:{}", hub_.nodeId(), url_.host, url_.port);
}

// The threads may be gone (their wake descriptors closed): the links'
// last answers must not reach them.
RedisBackplane::~RedisBackplane() {
  hub_.outbox(0).setInterest(nullptr);
  interest_.leave();
  closing_ = true;
}

void RedisBackplane::onEvent(std::uint64_t key, std::uint32_t events) {
  if (key == kFirstKey + 2) {
    if (sentinels_) sentinels_->onEvent(events);
    return;
  }
  (key == kFirstKey ? publish_ : subscribe_).onEvent(events);
  acks_.adverts(interest_.sent(), interest_.confirmed());
  releaseConfirmed();
}

void RedisBackplane::cron(double now) {
  if (sentinels_) sentinels_->cron(now);
  publish_.cron(now);
  subscribe_.cron(now);
  interest_.cron(now);
  acks_.adverts(interest_.sent(), interest_.confirmed());
  releaseConfirmed();
}

void RedisBackplane::endTurn() {
  hub_.take(handed_);
  bool published = false;
  for (std::size_t thread = 0; thread < handed_.size(); ++thread) {
    const ClusterHub::Handed& handed = handed_[thread];
    applyChanges(handed.changes);
    acks_.applied(thread, handed.batch);
    if (handed.messages.empty()) continue;
    publishRuns(handed.messages);
    published = true;
  }
  takeSkipped();
  if (subscribe_.up()) sendSubscriptions();
  if (interest_.endTurn()) published = true;
  acks_.adverts(interest_.sent(), interest_.confirmed());
  confirmSubscriptions();
  if (published) publish_.flush();
}

void RedisBackplane::takeSkipped() { metrics_.clusterSkipped += hub_.outbox(0).takeSkipped(); }

// What each thread waits on (ClusterOutbox::confirm).
auto RedisBackplane::confirmBatch() {
  return [this](std::size_t thread, std::uint64_t batch) { hub_.outbox(thread).confirm(batch); };
}

void RedisBackplane::releaseConfirmed() { acks_.release(confirmBatch()); }

// A SUB's PONG waits for Redis's answers to what this turn sent, or for
// nothing while Redis is unreachable (docs/PROTOCOL.md, "Cluster").
// Numbered only here, after the turn's sync: a name whose UNSUBSCRIBE was
// just answered is sent again by that sync, not before.
void RedisBackplane::confirmSubscriptions() {
  if (!subscribe_.up()) return acks_.releaseAll(confirmBatch());
  acks_.number(subscriptions_.resubscribing());
  releaseConfirmed();
}

void RedisBackplane::applyChanges(const std::vector<InterestChange>& changes) {
  std::vector<RedisInterest> interests;
  for (const InterestChange& change : changes) {
    interests.clear();
    redisInterestsFor(change.kind, change.text, interests);
    for (const RedisInterest& interest : interests) {
      if (change.delta > 0) {
        subscriptions_.add(interest.pattern, interest.text);
      } else {
        subscriptions_.remove(interest.pattern, interest.text);
      }
    }
  }
}

void RedisBackplane::publishRuns(std::string_view records) {
  if (publish_.context() == nullptr) {
    std::size_t lost = 0;
    ClusterOutbox::forEachMessage(records, [&lost](std::string_view, std::string_view, std::uint8_t) { ++lost; });
    metrics_.clusterDropped += lost;
    return;
  }
  std::string_view channel;
  std::uint8_t mark = 0;
  bool open = false;
  std::size_t skipped = 0;
  ClusterOutbox::forEachMessage(records, [&](std::string_view next, std::string_view payload, std::uint8_t nextMark) {
    if (nextMark == cluster_mark::kRetained) {
      // A retained value goes alone, between the runs, in its order.
      if (open) publishEnvelope(channel);
      open = false;
      return storeRetained(next, payload);
    }
    if (!interest_.wanted(next)) {
      ++skipped;
      return;
    }
    if (open && (next != channel || nextMark != mark || envelope_.bytes().size() >= kEnvelopeBytes)) {
      publishEnvelope(channel);
      open = false;
    }
    if (!open) {
      envelope_.begin(hub_.nodeId(), ++sequence_, nextMark);
      channel = next;
      mark = nextMark;
      open = true;
    }
    envelope_.add(payload);
  });
  if (open) publishEnvelope(channel);
  metrics_.clusterSkipped += skipped;
}

void RedisBackplane::publishEnvelope(std::string_view channel) {
  // The command in RESP, in a buffer that keeps its capacity, handed to
  // hiredis as it is: redisAsyncCommandArgv would first copy the envelope
  // into a fresh allocation of its size (up to kEnvelopeBytes) per PUBLISH.
  std::string_view bytes = envelope_.bytes();
  command_.assign("*3\r\n$7\r\nPUBLISH\r\n");
  appendBulk(command_, channel);
  appendBulk(command_, bytes);
  // The answer (the receivers' count) is not needed: no callback.
  redisAsyncFormattedCommand(publish_.context(), nullptr, nullptr, command_.data(), command_.size());
  if (!envelope_.retained()) metrics_.clusterPublished += envelope_.messages();
}

void RedisBackplane::sendSubscriptions() {
  commands_.clear();
  subscriptions_.sync(commands_);
  if (commands_.empty()) return;
  sendCommand("UNSUBSCRIBE", commands_.unsubscribe);
  sendCommand("PUNSUBSCRIBE", commands_.punsubscribe);
  sendCommand("SUBSCRIBE", commands_.subscribe);
  sendCommand("PSUBSCRIBE", commands_.psubscribe);
  acks_.sent(commands_.subscribe.size() + commands_.psubscribe.size());
  subscribe_.flush();
  interest_.advertise(commands_);
}

void RedisBackplane::sendCommand(const char* verb, const std::vector<std::string>& names) {
  for (std::size_t from = 0; from < names.size(); from += kNamesPerCommand) {
    std::size_t count = std::min(kNamesPerCommand, names.size() - from);
    std::vector<const char*> argv{verb};
    std::vector<std::size_t> lengths{std::char_traits<char>::length(verb)};
    for (std::size_t i = from; i < from + count; ++i) {
      argv.push_back(names[i].data());
      lengths.push_back(names[i].size());
    }
    redisAsyncCommandArgv(subscribe_.context(), onPush, this, static_cast<int>(argv.size()), argv.data(),
                          lengths.data());
  }
}

void RedisBackplane::onPush(redisAsyncContext*, void* reply, void* self) {
  auto* backplane = static_cast<RedisBackplane*>(self);
  auto* push = static_cast<redisReply*>(reply);
  if (push == nullptr || push->type != REDIS_REPLY_ARRAY || push->elements < 3) return;
  auto text = [push](std::size_t i) -> std::string_view {
    const redisReply* e = push->element[i];
    if (e->type != REDIS_REPLY_STRING || e->str == nullptr) return {};
    return {e->str, e->len};
  };
  std::string_view kind = text(0);
  if (kind == "message" &&
      (text(1) == InterestMessage::kInterestChannel || text(1) == backplane->interest_.nodeChannel())) {
    return backplane->interest_.received(text(2));
  }
  if (kind == "message") return backplane->received(text(1), text(2));
  if (kind == "pmessage" && push->elements >= 4) return backplane->received(text(2), text(3));
  if (kind == "unsubscribe") return backplane->subscriptions_.unsubscribed(false, text(1));
  if (kind == "punsubscribe") return backplane->subscriptions_.unsubscribed(true, text(1));
  if (kind == "subscribe" || kind == "psubscribe") {
    if (kind == "subscribe" && text(1) == InterestMessage::kInterestChannel) backplane->interest_.interestSubscribed();
    backplane->acks_.answered();
    backplane->releaseConfirmed();
  }
}

void RedisBackplane::received(std::string_view channel, std::string_view envelope) {
  EnvelopeHead head;
  std::string_view body;
  // Our own echo is dropped on its head alone (its messages were delivered
  // here when they were published); another node's is checked whole.
  bool ours = readEnvelopeHead(envelope, head, body) && head.origin == hub_.nodeId();
  if (ours) return;
  if (!decodeEnvelope(envelope, head, [](std::string_view) {})) {
    log(LogLevel::kDebug, "cluster: not a linecast envelope on channel {} ({} bytes), ignored", channel,
        envelope.size());
    return;
  }
  if (head.sequence == lastSequence_ && head.origin == lastOrigin_) return;  // the same PUBLISH again
  lastOrigin_.assign(head.origin.data(), head.origin.size());
  lastSequence_ = head.sequence;
  if (head.retained) return keepRetainedValues(envelope);
  std::size_t messages = 0;
  decodeEnvelope(envelope, head, [&](std::string_view payload) {
    broker_.deliverFromCluster(channel, payload, head.mark);
    ++messages;
  });
  metrics_.clusterReceived += messages;
}

void RedisBackplane::linkUp(RedisLink& link) {
  log(LogLevel::kInfo, "cluster: {} link to redis {}:{} up", link.name(), url_.host, url_.port);
  quiet_[&link == &subscribe_ ? 1 : 0] = false;
  if (&link == &subscribe_) sendSubscriptions();
  if (&link == &publish_) {
    interest_.publishUp();
    loadRetained();
  }
  updateUp();
}

void RedisBackplane::linkDown(RedisLink& link, bool wasUp, const std::string& why) {
  if (sentinels_ && link.refusedAsReplica()) sentinels_->requery();
  if (&link == &publish_ && wasUp) interest_.publishLost();
  if (&link == &subscribe_) {
    if (wasUp) interest_.subscribeLost();
    subscriptions_.linkLost();
    lastOrigin_.clear();
    confirmSubscriptions();  // nothing sent will be answered: no SUB waits for it
  }
  // A failed attempt is logged once per outage, not at every retry.
  bool& quiet = quiet_[&link == &subscribe_ ? 1 : 0];
  if (wasUp || !quiet) {
    log(LogLevel::kWarn, "cluster: {} link to redis {}:{} {}: {}", link.name(), url_.host, url_.port,
        wasUp ? "lost" : "failed", why);
    quiet = true;
  } else {
    log(LogLevel::kDebug, "cluster: {} link to redis {}:{} failed again: {}", link.name(), url_.host,
        url_.port, why);
  }
  updateUp();
}

void RedisBackplane::masterAt(const std::string& host, std::uint16_t port) {
  // Both links reconnect at once; the subscribe link's linkUp subscribes
  // again, as after any reconnect.
  publish_.moveTo(host, port);
  subscribe_.moveTo(host, port);
  url_.host = host;
  url_.port = port;
}

void RedisBackplane::updateUp() {
  bool up = publish_.up() && subscribe_.up();
  metrics_.clusterUp.set(up ? 1 : 0);
  for (std::size_t thread = 0; thread < hub_.threads(); ++thread) hub_.outbox(thread).setAvailable(publish_.up());
  if (up == wasUp_) return;
  wasUp_ = up;
  if (up) {
    log(LogLevel::kInfo, "cluster: up (node {}): messages cross nodes", hub_.nodeId());
  } else {
    log(LogLevel::kWarn, "cluster: down: serving local clients only, retrying redis {}:{}", url_.host, url_.port);
  }
}

}  // namespace linecast
