// The retained side of RedisBackplane (docs/PROTOCOL.md, "Cluster"):
// retained messages live in the Redis hash kRetainedHash.

#include <hiredis/async.h>

#include <string>
#include <utility>
#include <vector>

#include "cluster/redis_backplane.h"
#include "cluster/retained_mirror.h"
#include "routing/broker.h"
#include "routing/channel.h"
#include "util/log.h"

namespace linecast {

void RedisBackplane::storeRetained(std::string_view channel, std::string_view payload) {
  bool clear = payload.empty();
  const char* argv[4] = {clear ? "HDEL" : "HSET", kRetainedHash.data(), channel.data(), payload.data()};
  std::size_t lengths[4] = {4, kRetainedHash.size(), channel.size(), payload.size()};
  redisAsyncCommandArgv(publish_.context(), onStored, this, clear ? 3 : 4, argv, lengths);
  acks_.storing();
  if (sinceLoad_) sinceLoad_->emplace_back(channel, payload);
  // After the HSET on the same link: a node that hears of it and reloads
  // the hash finds it there. On the one channel every node holds, since
  // every node keeps every channel's value: the channel, then the value.
  envelope_.begin(hub_.nodeId(), ++sequence_, cluster_mark::kRetained);
  envelope_.add(channel);
  envelope_.add(payload);
  publishEnvelope(kRetainedChannel);
}

void RedisBackplane::keepRetainedValues(std::string_view envelope) {
  EnvelopeHead head;
  std::string_view channel;
  bool named = false;
  decodeEnvelope(envelope, head, [&](std::string_view bytes) {
    if (!named) {
      channel = bytes;
    } else {
      keepRetained(channel, bytes);
    }
    named = !named;
  });
}

void RedisBackplane::onStored(redisAsyncContext*, void* reply, void* self) {
  auto* backplane = static_cast<RedisBackplane*>(self);
  if (backplane->closing_) return;
  auto* answer = static_cast<redisReply*>(reply);
  // No answer: the link was lost (every pending command is answered so).
  if (answer != nullptr && answer->type == REDIS_REPLY_ERROR) {
    log(LogLevel::kWarn, "cluster: redis refused a retained message in {}: {}", kRetainedHash,
        std::string_view(answer->str, answer->len));
  }
  backplane->acks_.stored();
  backplane->releaseConfirmed();
}

void RedisBackplane::keepRetained(std::string_view channel, std::string_view payload) {
  if (checkPublishChannel(channel) != ChannelStatus::kValid) return;
  if (sinceLoad_) sinceLoad_->emplace_back(channel, payload);
  applyToStore(channel, payload);
}

void RedisBackplane::applyToStore(std::string_view channel, std::string_view payload) {
  // Into the store directly, not through Broker::retain: that would send
  // it back to the cluster.
  if (payload.empty()) {
    broker_.retained().clear(channel);
  } else if (broker_.retained().retain(channel, payload) == RetainedStore::Outcome::kOverLimit) {
    log(LogLevel::kWarn, "cluster: retained message of {} from another node is over this node's limits, not kept",
        channel);
  }
}

void RedisBackplane::loadRetained() {
  const char* argv[2] = {"HGETALL", kRetainedHash.data()};
  std::size_t lengths[2] = {7, kRetainedHash.size()};
  redisAsyncCommandArgv(publish_.context(), onRetainedLoaded, this, 2, argv, lengths);
  publish_.flush();
  sinceLoad_.emplace();
}

void RedisBackplane::onRetainedLoaded(redisAsyncContext*, void* reply, void* self) {
  auto* backplane = static_cast<RedisBackplane*>(self);
  if (backplane->closing_) return;
  auto* answer = static_cast<redisReply*>(reply);
  std::vector<std::pair<std::string, std::string>> newer;
  if (backplane->sinceLoad_) newer = std::move(*backplane->sinceLoad_);
  backplane->sinceLoad_.reset();
  if (answer == nullptr) return;  // the link was lost: loaded again when it is back
  if (answer->type != REDIS_REPLY_ARRAY) {
    log(LogLevel::kWarn, "cluster: cannot read the retained messages in {} (HGETALL answered type {})",
        kRetainedHash, answer->type);
    return;
  }
  std::vector<std::pair<std::string_view, std::string_view>> hash;
  for (std::size_t i = 0; i + 1 < answer->elements; i += 2) {
    const redisReply* field = answer->element[i];
    const redisReply* value = answer->element[i + 1];
    if (field->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING) continue;
    hash.emplace_back(std::string_view(field->str, field->len), std::string_view(value->str, value->len));
  }
  std::size_t kept = replaceRetained(backplane->broker_.retained(), hash);
  // What changed after the HGETALL was sent (an HSET of ours behind it, or
  // another node's change heard on the subscribe link) is newer than its
  // answer.
  for (const auto& [channel, payload] : newer) backplane->applyToStore(channel, payload);
  log(LogLevel::kInfo, "cluster: {} retained messages loaded from redis ({}), {} changed since", kept,
      kRetainedHash, newer.size());
}

}  // namespace linecast
