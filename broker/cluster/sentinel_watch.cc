#include "cluster/sentinel_watch.h"

#include <hiredis/async.h>

#include <charconv>
#include <string_view>

#include "util/log.h"

namespace linecast {
namespace {

// A Sentinel is asked without AUTH: the URL's credentials are the master's.
ClusterUrl sentinelUrl(const HostPort& sentinel) {
  ClusterUrl url;
  url.host = sentinel.host;
  url.port = sentinel.port;
  return url;
}

std::string_view text(const redisReply* reply) {
  if (reply->type != REDIS_REPLY_STRING || reply->str == nullptr) return {};
  return {reply->str, reply->len};
}

bool parsePort(std::string_view digits, std::uint16_t& port) {
  if (digits.empty()) return false;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  return error == std::errc() && end == digits.data() + digits.size() && port != 0;
}

}  // namespace

SentinelWatch::SentinelWatch(const ClusterUrl& url, Reactor& reactor, std::uint64_t key, Owner& owner)
    : sentinels_(url.sentinels),
      masterName_(url.masterName),
      owner_(owner),
      link_("sentinel", sentinelUrl(url.sentinels.front()), reactor, key, *this) {}

std::string SentinelWatch::sentinelName() const { return link_.host() + ":" + std::to_string(link_.port()); }

void SentinelWatch::cron(double now) {
  // Dropped here, never inside one of the link's own callbacks.
  if (requeryDue_) {
    requeryDue_ = false;
    link_.drop("to ask another Sentinel: the address it named is not a master");
  }
  if (!dropWhy_.empty()) {
    link_.drop(dropWhy_);
    dropWhy_.clear();
  }
  link_.cron(now);
}

void SentinelWatch::linkUp(RedisLink& link) {
  log(LogLevel::kInfo, "cluster: sentinel {} up, asking for master {}", sentinelName(), masterName_);
  failedInARow_ = 0;
  redisAsyncContext* context = link.context();
  redisAsyncCommand(context, onMasterAddress, this, "SENTINEL get-master-addr-by-name %b", masterName_.data(),
                    masterName_.size());
  redisAsyncCommand(context, onSwitch, this, "SUBSCRIBE +switch-master");
  link.flush();
}

void SentinelWatch::linkDown(RedisLink& link, bool wasUp, const std::string& why) {
  // One warning per Sentinel per round of failures, then debug.
  if (wasUp || failedInARow_ < sentinels_.size()) {
    log(LogLevel::kWarn, "cluster: sentinel {} {}: {}", sentinelName(), wasUp ? "lost" : "failed", why);
  } else {
    log(LogLevel::kDebug, "cluster: sentinel {} failed again: {}", sentinelName(), why);
  }
  if (!wasUp) ++failedInARow_;
  current_ = (current_ + 1) % sentinels_.size();
  link.retarget(sentinels_[current_]);
}

void SentinelWatch::onMasterAddress(redisAsyncContext* context, void* reply, void* self) {
  if (reply == nullptr || context->data == nullptr) return;
  auto* watch = static_cast<SentinelWatch*>(self);
  auto* answer = static_cast<redisReply*>(reply);
  std::uint16_t port = 0;
  if (answer->type == REDIS_REPLY_ARRAY && answer->elements == 2 && !text(answer->element[0]).empty() &&
      parsePort(text(answer->element[1]), port)) {
    return watch->found(std::string(text(answer->element[0])), port, "named by");
  }
  if (answer->type == REDIS_REPLY_ERROR) {
    watch->dropWhy_ = "refused: " + std::string(answer->str, answer->len);
  } else {
    watch->dropWhy_ = "it knows no master " + watch->masterName_;
  }
}

void SentinelWatch::onSwitch(redisAsyncContext* context, void* reply, void* self) {
  if (reply == nullptr || context->data == nullptr) return;
  auto* watch = static_cast<SentinelWatch*>(self);
  auto* push = static_cast<redisReply*>(reply);
  if (push->type != REDIS_REPLY_ARRAY || push->elements < 3 || text(push->element[0]) != "message") return;
  // "<name> <old-ip> <old-port> <new-ip> <new-port>"
  std::string_view event = text(push->element[2]);
  std::string_view fields[5];
  std::size_t count = 0;
  while (!event.empty() && count < 5) {
    std::size_t space = event.find(' ');
    fields[count++] = event.substr(0, space);
    event = space == std::string_view::npos ? std::string_view() : event.substr(space + 1);
  }
  std::uint16_t port = 0;
  if (count != 5 || fields[0] != watch->masterName_ || !parsePort(fields[4], port)) return;
  log(LogLevel::kInfo, "cluster: switch-master {} from {}:{} to {}:{} (sentinel {})", watch->masterName_,
      fields[1], fields[2], fields[3], fields[4], watch->sentinelName());
  watch->found(std::string(fields[3]), port, "switched to by");
}

void SentinelWatch::found(const std::string& host, std::uint16_t port, const char* how) {
  if (host == masterHost_ && port == masterPort_) {
    log(LogLevel::kDebug, "cluster: master {} still at {}:{} ({} sentinel {})", masterName_, host, port, how,
        sentinelName());
    return;
  }
  log(LogLevel::kInfo, "cluster: master {} at {}:{} ({} sentinel {})", masterName_, host, port, how,
      sentinelName());
  masterHost_ = host;
  masterPort_ = port;
  owner_.masterAt(host, port);
}

}  // namespace linecast
