#include "loadgen/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>

#include <fmt/format.h>

#include "loadgen/clock.h"
#include "loadgen/payload.h"
#include "loadgen/peer_socket.h"
#include "loadgen/ws_decoder.h"
#include "loadgen/ws_upgrade.h"

namespace linecast::bench {
namespace {

// Bytes one publisher may write per worker turn, so that subscribers sharing
// its thread get their turn to read.
constexpr std::size_t kPumpBudget = 1024 * 1024;
// Encoded frames are gathered up to this size before a send(); it is also
// the backlog at which a paced publisher stops generating while the socket
// is blocked. Generation resumes later with the same intended-time stamps,
// so a stall still shows in full in the latencies.
constexpr std::size_t kBatch = 64 * 1024;
// A throughput template is a few hundred KiB of whole frames, so one send()
// moves many frames; past kTemplateMax (huge payloads over many channels)
// frames are encoded as they go instead.
constexpr std::size_t kTemplateTarget = 256 * 1024;
constexpr std::size_t kTemplateMax = 8 * 1024 * 1024;
// Reads per epoll event before the connection yields to the others.
constexpr int kReadsPerEvent = 8;
// A stalled subscriber's receive buffer: small, so the broker's output for
// it backs up at once instead of filling megabytes of our kernel first.
constexpr int kStalledRcvBuf = 4096;

std::size_t maxFrameFor(const Options& o) {
  return std::max<std::size_t>(o.payloadBytes + 4096, 64 * 1024);
}

// MQTT QoS 1: the packet id of a publisher's n-th PUBLISH, 1..65535 round
// and round. --inflight <= 65535 keeps the ids in flight distinct.
std::uint16_t packetIdOf(std::uint64_t n) { return static_cast<std::uint16_t>(n % 65535 + 1); }

std::uint64_t xorshift(std::uint64_t& state) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

}  // namespace

Connection::Connection(WorkerContext& ctx, Role role, std::uint32_t index, std::uint64_t id)
    : ctx_(ctx),
      target_(role == Role::kPublisher ? ctx.targets.publishers : ctx.targets.ofSubscriber(index)),
      role_(role), index_(index), id_(id),
      decoder_(makeDecoder(ctx.options.protocol, maxFrameFor(ctx.options), ctx.options.resp3)) {
  if (role_ == Role::kSubscriber) channel_ = ctx_.channelNames[ctx_.plan.channelOfSubscriber(index_)];
  // Channel 0 is always the busiest (or as busy as any): stallers sit there.
  if (role_ == Role::kStalled) channel_ = ctx_.channelNames[0];
}

Connection::~Connection() { close(); }

void Connection::start(int epollFd) {
  epollFd_ = epollFd;
  const auto* sa = reinterpret_cast<const sockaddr*>(&target_.addr);
  fd_ = ::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    state_ = State::kConnecting;
    fail(fmt::format("socket: {}", std::strerror(errno)));
    return;
  }
  // A paced message must leave at once; throughput writes are large anyway.
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Before connect(), so the window scale offered to the broker matches it.
  if (role_ == Role::kStalled)
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &kStalledRcvBuf, sizeof kStalledRcvBuf);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = id_;
  state_ = State::kConnecting;
  if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd_, &ev) != 0) {
    fail(fmt::format("epoll_ctl: {}", std::strerror(errno)));
    return;
  }
  if (::connect(fd_, sa, target_.length) == 0) {
    onTcpConnected();
  } else if (errno != EINPROGRESS) {
    fail(fmt::format("connect to {}: {}", target_.text, std::strerror(errno)));
  }
}

void Connection::close() {
  if (fd_ >= 0) {
    ::close(fd_);  // also drops it from the epoll set
    fd_ = -1;
  }
  state_ = State::kClosed;
}

void Connection::fail(const std::string& what) {
  if (state_ == State::kClosed) return;
  const char* role = role_ == Role::kPublisher    ? "publisher"
                     : role_ == Role::kSubscriber ? "subscriber"
                                                  : "stalled subscriber";
  ctx_.control.fail(fmt::format("{} {}: {}", role, index_, what));
  close();
}

bool Connection::onReady(std::uint32_t events) {
  if (state_ == State::kClosed || state_ == State::kIdle) return false;
  if (state_ == State::kConnecting) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return false;
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      fail(fmt::format("connect to {}: {}", target_.text, std::strerror(err)));
      return false;
    }
    onTcpConnected();
  } else if (state_ == State::kHandshaking) {
    continueTls();
  }
  if (state_ == State::kClosed || state_ == State::kHandshaking) return false;
  if (events & EPOLLOUT) {
    writable_ = true;
    // A streaming publisher's queued reply may only go out between two
    // frames; pump() takes care of that.
    if (!streamingTemplate() && !flushOut()) return false;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
    return readAll(kReadsPerEvent, (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
  return false;
}

bool Connection::readMore() {
  if (state_ == State::kClosed) return false;
  return readAll(kReadsPerEvent, true);
}

bool Connection::readAll(int budget, bool hangup) {
  std::vector<char>& buf = ctx_.readBuffer;
  for (int i = 0; i < budget; ++i) {
    ssize_t n = stream().read(buf.data(), buf.size());
    if (n > 0) {
      recvNs_ = nowNs();
      ctx_.bytesIn += static_cast<std::uint64_t>(n);
      if (!decoder_->feed(std::string_view(buf.data(), static_cast<std::size_t>(n)), *this)) {
        fail("protocol error: " + decoder_->error());
        return false;
      }
      // Closed, or NATS's INFO started the TLS handshake: its next bytes
      // are the handshake's.
      if (state_ == State::kClosed || state_ == State::kHandshaking) return false;
      if (hasOutput() && !streamingTemplate() && writable_ && !flushOut()) return false;
      // A short read emptied the socket. Bytes that arrive after it raise a
      // new edge, so the read that would only say EAGAIN can be skipped
      // (one syscall per wake-up, a quarter of them at 10k paced msgs/s).
      // (Not under TLS: a read returns one record, whatever the socket holds.)
      if (static_cast<std::size_t>(n) < buf.size() && !hangup && !tls_) return false;
      continue;
    }
    if (n == 0) {
      fail("the server closed the connection");
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    fail(fmt::format("read: {}", std::strerror(errno)));
    return false;
  }
  return true;
}

bool Connection::flushOut() {
  if (state_ == State::kClosed) return false;
  // WebSocket's own bytes (the upgrade request, a pong) go first; the
  // protocol's bytes after them go through transmit(), which flushes them
  // too.
  if (ws_ && ws_->pending() && !ws_->flush()) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      fail(fmt::format("send: {}", std::strerror(errno)));
      return false;
    }
    writable_ = false;
    return true;
  }
  while (outOff_ < out_.size()) {
    ssize_t n = transmit(out_.data() + outOff_, out_.size() - outOff_);
    if (n > 0) {
      outOff_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      writable_ = false;
      break;
    }
    fail(fmt::format("send: {}", std::strerror(errno)));
    return false;
  }
  if (outOff_ == out_.size()) {
    out_.clear();
    outOff_ = 0;
  } else if (outOff_ * 2 >= out_.size()) {
    out_.erase(0, outOff_);
    outOff_ = 0;
  }
  return true;
}

void Connection::onTcpConnected() {
  // NATS greets in plaintext first (INFO says tls_required), then the
  // client starts TLS; the others start TLS at once, and so does
  // WebSocket (wss: TLS, then the upgrade, then NATS's INFO).
  if (ctx_.tls && (ctx_.options.websocket || !ctx_.encoder->serverGreets())) return continueTls();
  afterTransport();
}

void Connection::continueTls() {
  if (!tls_) {
    tls_ = std::make_unique<TlsStream>(ctx_.tls.get(), fd_);
    state_ = State::kHandshaking;
  }
  int done = tls_->handshake();
  if (done < 0) return fail("TLS handshake: " + tls_->error());
  if (done == 0) return;
  if (ctx_.encoder->serverGreets() && !ctx_.options.websocket) {
    writable_ = true;
    sendHandshake();
  } else {
    afterTransport();
  }
}

ssize_t Connection::transmit(const char* data, std::size_t size) {
  return ws_ ? ws_->write(data, size) : stream().write(data, size);
}

void Connection::afterTransport() {
  if (ctx_.options.websocket) return startUpgrade();
  onConnected();
}

void Connection::startUpgrade() {
  const Options& o = ctx_.options;
  bool lines = o.protocol == Protocol::kLinecast;
  std::string key = makeWsKey();
  ws_ = std::make_unique<WsSender>(stream(), lines);
  decoder_ = std::make_unique<WsDecoder>(std::move(decoder_), lines, wsAcceptFor(key), *ws_,
                                         maxFrameFor(o) + 512);
  ws_->queueRaw(wsUpgradeRequest(target_.text, o.wsPath, key));
  state_ = State::kUpgrading;
  writable_ = true;
  flushOut();
}

void Connection::onConnected() {
  writable_ = true;
  ++ctx_.connected;
  if (ctx_.encoder->serverGreets()) {
    state_ = State::kGreeting;
  } else {
    sendHandshake();
  }
}

void Connection::sendHandshake() {
  const Encoder& enc = *ctx_.encoder;
  if (!ctx_.options.user.empty()) enc.auth(out_, ctx_.options.user, ctx_.options.password);
  if (ctx_.mqtt) {
    // A client id unique on the broker, even among concurrent loadgens: a
    // second CONNECT with the same id would take over the first's session.
    ctx_.mqtt->connect(out_, fmt::format("lcb{}-{}-{}", ::getpid(), ctx_.number, id_));
  } else {
    enc.hello(out_);
  }
  if (role_ != Role::kPublisher) {
    enc.subscribe(out_, channel_, 1);
    if (!enc.subscribeConfirms()) enc.ping(out_);
  } else {
    enc.ping(out_);
  }
  state_ = State::kConfirming;
  flushOut();
}

void Connection::confirm() {
  state_ = State::kReady;
  ++ctx_.confirmed;
  // From now on a staller is deaf: no more events, no more reads.
  if (role_ == Role::kStalled) epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd_, nullptr);
}

void Connection::tallyStalled() const {
  if (role_ != Role::kStalled) return;
  auto peer = fd_ >= 0 ? findPeerSocket(fd_) : std::nullopt;
  if (!peer || !peer->established) ++ctx_.stalledCut;
  if (peer) ctx_.stalledQueuedBytes += peer->sendQueueBytes;
}

void Connection::onEvent(const Event& event) {
  if (state_ == State::kClosed) return;
  switch (event.type) {
    case EventType::kMessage:
      if (role_ == Role::kSubscriber) {
        deliver(event.channel, event.payload);
        if (event.packetId != 0 && state_ != State::kClosed) ctx_.mqtt->puback(out_, event.packetId);
      } else if (role_ == Role::kStalled) {
        // Read in the same chunk as its confirmation: owed to nobody.
      } else {
        fail(fmt::format("got a message on '{}', but publishers subscribe to nothing",
                         excerpt(event.channel)));
      }
      break;
    case EventType::kPong:
      if (state_ == State::kConfirming &&
          (role_ == Role::kPublisher || !ctx_.encoder->subscribeConfirms())) {
        confirm();
      } else if (role_ == Role::kPublisher && finished_ && !acked_) {
        endPongSeen_ = true;
        if (!acknowledgedPublishes() || pubacks_ == sent_) markAcked();
      }
      break;
    case EventType::kAcked:
      onPuback(event.packetId);
      break;
    case EventType::kSubscribed:
      if (state_ != State::kConfirming || role_ == Role::kPublisher) break;
      // MQTT's SUBACK names no channel: its packet id is the only one asked.
      if (!event.channel.empty() && event.channel != channel_) {
        fail(fmt::format("subscribe confirmed for '{}', expected '{}'", excerpt(event.channel),
                         channel_));
      } else {
        confirm();
      }
      break;
    case EventType::kGreeting:
      // NATS may send INFO again later (cluster changes); only the first counts.
      // Under TLS, NATS's INFO comes in plaintext and the handshake follows.
      if (state_ == State::kGreeting) ctx_.tls && !tls_ ? continueTls() : sendHandshake();
      break;
    case EventType::kPing:
      ctx_.encoder->pong(out_);
      break;
    case EventType::kUpgraded:
      if (state_ == State::kUpgrading) onConnected();
      break;
    case EventType::kOk:
    case EventType::kReply:
      break;
    case EventType::kError:
      fail("server error: " + excerpt(event.text));
      break;
  }
}

void Connection::markAcked() {
  acked_ = true;
  ++ctx_.publishersAcked;
  ctx_.lastAckNs = recvNs_;
}

void Connection::onPuback(std::uint16_t packetId) {
  if (role_ != Role::kPublisher || !acknowledgedPublishes() || pubacks_ >= sent_) {
    fail(fmt::format("PUBACK {} for no PUBLISH in flight", packetId));
    return;
  }
  // MQTT 3.1.1 (4.6): PUBACKs come in the order of the PUBLISHes.
  if (packetId != packetIdOf(pubacks_)) {
    fail(fmt::format("PUBACK {}, expected {}", packetId, packetIdOf(pubacks_)));
    return;
  }
  ++pubacks_;
  ++ctx_.pubacks;
  if (finished_ && endPongSeen_ && pubacks_ == sent_) markAcked();
}

void Connection::deliver(std::string_view channel, std::string_view payload) {
  if (state_ != State::kReady) {
    fail(fmt::format("message on '{}' before the subscription was confirmed", excerpt(channel)));
    return;
  }
  if (channel != channel_) {
    fail(fmt::format("wrong delivery: got a message on '{}', subscribed to '{}'", excerpt(channel),
                     channel_));
    return;
  }
  if (payload.size() != ctx_.options.payloadBytes) {
    fail(fmt::format("payload of {} bytes, sent {}", payload.size(), ctx_.options.payloadBytes));
    return;
  }
  switch (ctx_.options.scenario) {
    case Scenario::kThroughput: break;
    case Scenario::kLatency: {
      auto sentAt = readStamp(payload);
      if (!sentAt) {
        fail("payload without a send-time stamp: " + excerpt(payload));
        return;
      }
      ctx_.latency.record(recvNs_ > *sentAt ? recvNs_ - *sentAt : 0);
      break;
    }
    case Scenario::kConns: {
      auto addressee = readStamp(payload);
      if (!addressee || *addressee != index_) {
        fail(fmt::format("wrong delivery: payload for subscriber {} reached subscriber {}",
                         addressee ? static_cast<long long>(*addressee) : -1LL, index_));
        return;
      }
      break;
    }
  }
  ++received_;
  ++ctx_.delivered;
  ctx_.lastDeliveryNs = recvNs_;
}

void Connection::beginPublishing(std::uint64_t startNs) {
  const Options& o = ctx_.options;
  const Plan& plan = ctx_.plan;
  publishing_ = true;
  startNs_ = startNs;
  quota_ = plan.quotaOf(index_, o.messages);
  payload_ = fillerPayload(o.payloadBytes);
  switch (o.scenario) {
    case Scenario::kLatency: mode_ = Mode::kPaced; break;
    case Scenario::kConns: mode_ = Mode::kRandom; break;
    case Scenario::kThroughput: {
      mode_ = Mode::kEncoded;
      // Every QoS 1 PUBLISH has its own packet id: no repeating template.
      if (acknowledgedPublishes()) break;
      std::uint64_t period = plan.channels / std::gcd(plan.publishers, plan.channels);
      std::string frame;
      ctx_.encoder->publish(frame, ctx_.channelNames[plan.channelOfMessage(index_, 0)], payload_);
      frameBytes_ = frame.size();
      if (period * frameBytes_ > kTemplateMax) break;
      std::size_t repeats = std::max<std::size_t>(1, kTemplateTarget / (period * frameBytes_));
      for (std::size_t r = 0; r < repeats; ++r) {
        for (std::uint64_t k = 0; k < period; ++k)
          ctx_.encoder->publish(template_, ctx_.channelNames[plan.channelOfMessage(index_, k)],
                                payload_);
      }
      // Fixed-width channel names make all frames the same size; counting
      // messages from bytes depends on it.
      if (template_.size() != repeats * period * frameBytes_) {
        template_.clear();
        break;
      }
      mode_ = Mode::kTemplate;
      if (quota_ != UINT64_MAX) targetBytes_ = quota_ * frameBytes_;
      break;
    }
  }
  checkFinished();
}

void Connection::stopPublishing() {
  if (!publishing_ || finished_) return;
  if (mode_ == Mode::kTemplate) {
    // Finish the frame under way, so the broker never sees half a command.
    std::uint64_t frames = (bytesWritten_ + frameBytes_ - 1) / frameBytes_;
    targetBytes_ = std::min(targetBytes_, frames * frameBytes_);
  } else {
    quota_ = std::min(quota_, sent_);
  }
  checkFinished();
}

std::uint64_t Connection::published() const {
  if (mode_ == Mode::kTemplate) return frameBytes_ ? bytesWritten_ / frameBytes_ : 0;
  return sent_;
}

std::uint64_t Connection::expectedDeliveries() const {
  // conns: every channel has exactly one subscriber.
  if (mode_ == Mode::kRandom) return published();
  return ctx_.plan.expectedDeliveries(index_, published());
}

void Connection::checkFinished() {
  if (finished_ || !publishing_ || outOff_ < out_.size()) return;
  bool done = mode_ == Mode::kTemplate ? bytesWritten_ >= targetBytes_ : sent_ >= quota_;
  if (!done) return;
  finished_ = true;
  ++ctx_.publishersDone;
  ctx_.expectedDone += expectedDeliveries();
  sendEndBarrier();
}

void Connection::sendEndBarrier() {
  // A publisher's only other PING was its handshake, answered before it
  // was ready, so the next PONG answers this one.
  ctx_.encoder->ping(out_);
  if (writable_) flushOut();
}

std::uint64_t Connection::dueNs(std::uint64_t k) const {
  // Message g of the run is due g/rate seconds after the start, whichever
  // publisher sends it, so together they send at exactly --rate.
  long double g = static_cast<long double>(index_) +
                  static_cast<long double>(k) * static_cast<long double>(ctx_.plan.publishers);
  return startNs_ + static_cast<std::uint64_t>(g * 1e9L / static_cast<long double>(ctx_.options.rate));
}

std::uint64_t Connection::nextDueNs() const {
  if (!publishing_ || finished_ || mode_ != Mode::kPaced || sent_ >= quota_) return UINT64_MAX;
  return dueNs(sent_);
}

bool Connection::pump(std::uint64_t now) {
  if (!publishing_ || finished_ || state_ != State::kReady || !writable_) return false;
  bool more = mode_ == Mode::kTemplate ? pumpTemplate() : pumpEncoded(now);
  if (state_ == State::kClosed) return false;
  checkFinished();
  return more && !finished_;
}

bool Connection::pumpTemplate() {
  std::size_t budget = kPumpBudget;
  while (budget > 0 && bytesWritten_ < targetBytes_) {
    std::uint64_t limit = targetBytes_;
    if (outOff_ < out_.size()) {
      // A queued reply (NATS PONG) goes out at the next frame boundary.
      if (bytesWritten_ % frameBytes_ == 0) {
        if (!flushOut() || !writable_) return false;
        continue;
      }
      limit = std::min(limit, (bytesWritten_ / frameBytes_ + 1) * frameBytes_);
    }
    std::size_t len = std::min<std::uint64_t>({template_.size() - templateOff_,
                                               limit - bytesWritten_, budget});
    ssize_t n = transmit(template_.data() + templateOff_, len);
    if (n > 0) {
      auto wrote = static_cast<std::size_t>(n);
      bytesWritten_ += wrote;
      templateOff_ = (templateOff_ + wrote) % template_.size();
      budget -= std::min(budget, wrote);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      writable_ = false;
      return false;
    }
    fail(fmt::format("send: {}", std::strerror(errno)));
    return false;
  }
  if (outOff_ < out_.size() && bytesWritten_ % frameBytes_ == 0 && !flushOut()) return false;
  return budget == 0 && bytesWritten_ < targetBytes_ && writable_;
}

bool Connection::pumpEncoded(std::uint64_t now) {
  std::size_t budget = kPumpBudget;
  while (true) {
    if (out_.size() - outOff_ < kBatch) generate(now);
    std::size_t before = out_.size() - outOff_;
    if (before == 0) return false;  // nothing due yet
    if (!flushOut()) return false;
    std::size_t wrote = before - (out_.size() - outOff_);
    budget -= std::min(budget, wrote);
    if (!writable_) return false;
    if (budget == 0) return true;
  }
}

void Connection::generate(std::uint64_t now) {
  const Plan& plan = ctx_.plan;
  while (sent_ < quota_ && out_.size() - outOff_ < kBatch) {
    if (acknowledgedPublishes() && sent_ - pubacks_ >= ctx_.options.inflight) return;
    std::uint32_t channel = 0;
    switch (mode_) {
      case Mode::kPaced: {
        std::uint64_t due = dueNs(sent_);
        if (due > now) return;
        channel = plan.channelOfMessage(index_, sent_);
        writeStamp(payload_.data(), due);
        ctx_.sendLag.record(now - due);
        break;
      }
      case Mode::kRandom:
        channel = static_cast<std::uint32_t>(xorshift(ctx_.rngState) % plan.channels);
        writeStamp(payload_.data(), channel);
        ++ctx_.sentPerChannel[channel];
        break;
      case Mode::kEncoded:
      case Mode::kTemplate:
        channel = plan.channelOfMessage(index_, sent_);
        break;
    }
    if (acknowledgedPublishes()) {
      ctx_.mqtt->publish(out_, ctx_.channelNames[channel], payload_, packetIdOf(sent_));
    } else {
      ctx_.encoder->publish(out_, ctx_.channelNames[channel], payload_);
    }
    ++sent_;
  }
}

}  // namespace linecast::bench
