#include "cluster/redis_link.h"

#include <arpa/inet.h>
#include <hiredis/async.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <chrono>

#include "util/clock.h"

namespace linecast {
namespace {

constexpr double kFirstBackoff = 0.1;
constexpr double kMaxBackoff = 5;  // docs/PROTOCOL.md, "Cluster"
constexpr double kConnectTimeout = 2;
// hiredis reads at most 16 KiB per redisAsyncHandleRead. One read per
// event let a node's subscribe link fall behind a flood (Redis's output
// buffer for it grew by tens of MB a second, toward Redis's pubsub limit,
// which cuts the link): read on while the socket holds more, up to 1 MiB
// per event, so that clients still get their turn.
constexpr int kReadsPerEvent = 64;

bool holdsBytes(int fd) {
  int pending = 0;
  return ::ioctl(fd, FIONREAD, &pending) == 0 && pending > 0;
}

bool isNumericAddress(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buffer) == 1 || ::inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// Runs on a helper thread: getaddrinfo may block for seconds.
std::string resolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) return {};
  char text[INET6_ADDRSTRLEN] = {};
  const void* address = found->ai_family == AF_INET6
                            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(found->ai_addr)->sin6_addr)
                            : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr);
  ::inet_ntop(found->ai_family, address, text, sizeof text);
  ::freeaddrinfo(found);
  return text;
}

}  // namespace

RedisLink::RedisLink(std::string name, const ClusterUrl& url, Reactor& reactor, std::uint64_t key, Owner& owner)
    : name_(std::move(name)), url_(url), reactor_(reactor), adapter_(reactor, key), owner_(owner) {}

RedisLink::~RedisLink() {
  closeContext();
  if (resolving_.valid()) resolving_.wait();
}

void RedisLink::closeContext() {
  if (context_ == nullptr) return;
  redisAsyncContext* context = context_;
  context_ = nullptr;
  context->data = nullptr;  // the callbacks it still runs find no link
  redisAsyncFree(context);
}

void RedisLink::moveTo(const std::string& host, std::uint16_t port) {
  if (host == url_.host && port == url_.port) return;
  bool wasUp = up();
  closeContext();
  url_.host = host;
  url_.port = port;
  // A name being resolved still finishes on its helper thread; the next
  // attempt's std::async waits for it when it replaces the future.
  state_ = State::kWaiting;
  retryAt_ = 0;
  backoff_ = kFirstBackoff;
  if (wasUp) owner_.linkDown(*this, true, "moving to " + host + ":" + std::to_string(port));
}

void RedisLink::retarget(const HostPort& address) {
  url_.host = address.host;
  url_.port = address.port;
}

void RedisLink::drop(const std::string& why) {
  if (!up()) return;
  closeContext();
  failed(why);
}

void RedisLink::cron(double now) {
  now_ = now;
  switch (state_) {
    case State::kWaiting:
      if (now < retryAt_ || url_.host.empty()) return;
      refusedAsReplica_ = false;  // says how this attempt ends
      deadline_ = now + kConnectTimeout;
      if (isNumericAddress(url_.host)) return startConnect(url_.host);
      resolving_ = std::async(std::launch::async, resolve, url_.host);
      state_ = State::kResolving;
      return;
    case State::kResolving: {
      if (resolving_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
      std::string address = resolving_.get();
      if (address.empty()) return failed("cannot resolve " + url_.host);
      return startConnect(address);
    }
    case State::kConnecting:
      if (now < deadline_) return;
      closeContext();
      return failed("no answer within 2 s");
    case State::kUp:
      return;
  }
}

void RedisLink::startConnect(const std::string& address) {
  redisAsyncContext* context = redisAsyncConnect(address.c_str(), url_.port);
  if (context == nullptr) return failed("out of memory");
  if (context->err != 0) {
    std::string why = context->errstr;
    redisAsyncFree(context);
    return failed(why);
  }
  context_ = context;
  context->data = this;
  adapter_.attach(context);
  redisAsyncSetConnectCallback(context, onConnect);
  redisAsyncSetDisconnectCallback(context, onDisconnect);
  state_ = State::kConnecting;
  // The first command also asks for the write event that completes the
  // connect. Its answer makes the link up.
  if (url_.password.empty()) {
    redisAsyncCommand(context, onHello, this, "PING");
  } else if (url_.user.empty()) {
    redisAsyncCommand(context, onHello, this, "AUTH %b", url_.password.data(), url_.password.size());
  } else {
    redisAsyncCommand(context, onHello, this, "AUTH %b %b", url_.user.data(), url_.user.size(),
                      url_.password.data(), url_.password.size());
  }
}

void RedisLink::onConnect(const redisAsyncContext* context, int status) {
  auto* link = static_cast<RedisLink*>(context->data);
  if (link == nullptr || status == REDIS_OK) return;
  // hiredis frees the context after this callback, without calling
  // onDisconnect (it never connected).
  link->context_ = nullptr;
  link->failed(context->errstr);
}

void RedisLink::onDisconnect(const redisAsyncContext* context, int status) {
  auto* link = static_cast<RedisLink*>(context->data);
  if (link == nullptr) return;
  link->context_ = nullptr;
  link->failed(status == REDIS_OK ? "closed" : context->errstr);
}

void RedisLink::onHello(redisAsyncContext* context, void* reply, void* self) {
  auto* link = static_cast<RedisLink*>(self);
  if (reply == nullptr || context->data == nullptr || link->state_ != State::kConnecting) return;
  auto* answer = static_cast<redisReply*>(reply);
  if (answer->type == REDIS_REPLY_ERROR) {
    return link->refuse(context, "refused: " + std::string(answer->str, answer->len));
  }
  if (!link->requireMaster_) return link->becomeUp();
  // Still within the 2 s of the connect.
  redisAsyncCommand(context, onRole, link, "ROLE");
}

void RedisLink::onRole(redisAsyncContext* context, void* reply, void* self) {
  auto* link = static_cast<RedisLink*>(self);
  if (reply == nullptr || context->data == nullptr || link->state_ != State::kConnecting) return;
  auto* answer = static_cast<redisReply*>(reply);
  std::string role;
  if (answer->type == REDIS_REPLY_ARRAY && answer->elements > 0 && answer->element[0]->type == REDIS_REPLY_STRING) {
    role.assign(answer->element[0]->str, answer->element[0]->len);
  } else if (answer->type == REDIS_REPLY_ERROR) {
    role = "unknown: " + std::string(answer->str, answer->len);
  }
  if (role == "master") return link->becomeUp();
  link->refusedAsReplica_ = true;
  link->refuse(context, "not a master (ROLE: " + role + ")");
}

void RedisLink::becomeUp() {
  state_ = State::kUp;
  backoff_ = kFirstBackoff;
  if (url_.database != 0) redisAsyncCommand(context_, nullptr, nullptr, "SELECT %d", url_.database);
  owner_.linkUp(*this);
}

void RedisLink::refuse(redisAsyncContext* context, const std::string& why) {
  // Disconnected after this callback returns; onDisconnect then finds no
  // link, and the reason is the one given here.
  context->data = nullptr;
  redisAsyncDisconnect(context);
  context_ = nullptr;
  failed(why);
}

void RedisLink::failed(const std::string& why) {
  bool wasUp = state_ == State::kUp;
  state_ = State::kWaiting;
  // now_ is the last cron's: a callback runs between crons, 100 ms apart.
  retryAt_ = std::max(now_, monotonicSeconds()) + backoff_;
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  owner_.linkDown(*this, wasUp, why);
}

void RedisLink::onEvent(std::uint32_t events) {
  // A read that fails (an error, a hang-up) disconnects and frees the
  // context, which onDisconnect reports by clearing context_: nothing may
  // touch it after that. Both directions in one event: on the publish
  // link the answers keep the socket readable while commands wait to go.
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
    for (int reads = 0; reads < kReadsPerEvent && context_ != nullptr; ++reads) {
      redisAsyncHandleRead(context_);
      if (context_ == nullptr || !holdsBytes(context_->c.fd)) break;
    }
  }
  if (context_ != nullptr && (events & EPOLLOUT)) redisAsyncHandleWrite(context_);
}

void RedisLink::flush() {
  if (up()) HiredisReactorAdapter::writeNow(context_);
}

}  // namespace linecast
