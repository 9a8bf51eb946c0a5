#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "loadgen/protocol.h"
#include "loadgen/tls_stream.h"
#include "loadgen/ws_sender.h"
#include "loadgen/worker_context.h"

namespace linecast::bench {

// One client connection of the loadgen, publisher or subscriber. It owns its
// socket and decoder; its worker owns it, drives it from one epoll loop and
// never destroys it before the run ends (epoll's data field holds its id).
//
// Life: kIdle -> kConnecting -> [kHandshaking, TLS] -> [kUpgrading,
// WebSocket] -> [kGreeting, NATS only] -> kConfirming (the subscribe and
// barrier are sent) -> kReady (barrier answered) -> kClosed.
// Any error fails the run through RunControl and closes the socket.
//
// A publisher that has finished sends one more barrier (PING) and counts as
// acked when it is answered: the broker has then processed every message it
// sent, so its CPU time is complete even when nobody receives them (-s 0).
// An MQTT QoS 1 publisher keeps at most --inflight PUBLISHes unacknowledged
// and counts as acked once its barrier is answered and every PUBLISH has its
// PUBACK; a QoS 1 subscriber answers each delivery with PUBACK.
// A stalled subscriber (--stalled) confirms its subscription, then leaves
// the epoll set and never reads again.
class Connection final : public EventSink {
 public:
  enum class Role { kPublisher, kSubscriber, kStalled };
  enum class State {
    kIdle, kConnecting, kHandshaking, kUpgrading, kGreeting, kConfirming, kReady, kClosed
  };

  Connection(WorkerContext& ctx, Role role, std::uint32_t index, std::uint64_t id);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts a non-blocking connect and registers with epoll, edge-triggered,
  // once for the connection's whole life.
  void start(int epollFd);
  // Handles an epoll event. Returns true when reading stopped at its budget
  // with bytes possibly left: the worker must call readMore() next turn, as
  // with EPOLLET those bytes raise no new edge.
  bool onReady(std::uint32_t events);
  bool readMore();
  void close();

  // Publishers only.
  void beginPublishing(std::uint64_t startNs);
  void stopPublishing();
  // Writes what is due. Returns true when it stopped at its budget with the
  // socket still writable, i.e. it has more to do right now.
  bool pump(std::uint64_t nowNs);
  // Paced publishers: when the next message is due (UINT64_MAX: none).
  std::uint64_t nextDueNs() const;
  bool finished() const { return finished_; }
  bool acked() const { return acked_; }
  std::uint64_t published() const;
  std::uint64_t expectedDeliveries() const;

  Role role() const { return role_; }
  State state() const { return state_; }
  std::uint32_t index() const { return index_; }
  std::uint64_t received() const { return received_; }
  // Stalled subscribers, at the end: whether the broker still holds the
  // connection, and what its kernel still queues for it.
  void tallyStalled() const;

 private:
  // How a publisher produces frames.
  enum class Mode {
    kTemplate,  // throughput: write straight from a pre-encoded, repeating block
    kEncoded,   // throughput with frames too big for a template: encode as we go
    kPaced,     // latency: each message at its intended time, stamped with it
    kRandom,    // conns: each message to a random channel, stamped with the addressee
  };

  void onEvent(const Event& event) override;
  void onConnected();
  void onTcpConnected();
  // --tls: the handshake after the TCP connect (after NATS's INFO), before
  // the subscription.
  void continueTls();
  // After TCP and TLS: with --protocol ws or nats-ws, the HTTP upgrade;
  // the protocol starts when it is accepted (kUpgraded).
  void afterTransport();
  void startUpgrade();
  // recv()/send() through TLS when the run uses it; transmit() through
  // WebSocket framing too.
  ByteStream stream() const { return {fd_, tls_.get()}; }
  ssize_t transmit(const char* data, std::size_t size);
  // Bytes waiting to go out: the protocol's, or WebSocket's own (a pong).
  bool hasOutput() const { return outOff_ < out_.size() || (ws_ && ws_->pending()); }
  void sendHandshake();
  void confirm();
  void deliver(std::string_view channel, std::string_view payload);
  // hangup: the event reported the peer's FIN (or an error), so a short
  // read does not prove the socket empty; read on to EOF.
  bool readAll(int budget, bool hangup);
  bool flushOut();
  void fail(const std::string& what);

  // A throughput publisher writing its template: a queued reply may only
  // go out between two frames.
  bool streamingTemplate() const { return publishing_ && !finished_ && mode_ == Mode::kTemplate; }
  void sendEndBarrier();
  void markAcked();
  // MQTT at QoS 1: PUBLISHes carry packet ids and are acknowledged.
  bool acknowledgedPublishes() const { return ctx_.mqtt && ctx_.mqtt->qos() == 1; }
  void onPuback(std::uint16_t packetId);

  bool pumpTemplate();
  bool pumpEncoded(std::uint64_t nowNs);
  void generate(std::uint64_t nowNs);
  std::uint64_t dueNs(std::uint64_t k) const;
  void checkFinished();

  WorkerContext& ctx_;
  const Target& target_;  // where this connection goes (ctx_.targets by role)
  std::unique_ptr<TlsStream> tls_;
  std::unique_ptr<WsSender> ws_;  // --protocol ws, nats-ws
  Role role_;
  std::uint32_t index_;
  std::uint64_t id_;
  int fd_ = -1;
  int epollFd_ = -1;
  State state_ = State::kIdle;
  std::unique_ptr<Decoder> decoder_;
  std::string_view channel_;  // subscriber: the one channel it listens on
  std::uint64_t recvNs_ = 0;  // when the chunk being decoded was read
  std::uint64_t received_ = 0;

  std::string out_;
  std::size_t outOff_ = 0;
  bool writable_ = false;

  // Publisher state.
  Mode mode_ = Mode::kEncoded;
  bool publishing_ = false;
  bool finished_ = false;
  bool acked_ = false;
  std::uint64_t startNs_ = 0;
  std::uint64_t quota_ = UINT64_MAX;  // messages this publisher may send
  std::uint64_t sent_ = 0;            // encoded modes: messages generated
  std::string payload_;
  std::string template_;              // kTemplate: whole frames, a multiple of the channel period
  std::size_t frameBytes_ = 0;
  std::size_t templateOff_ = 0;
  std::uint64_t bytesWritten_ = 0;    // kTemplate: template bytes written in total
  std::uint64_t targetBytes_ = UINT64_MAX;
  std::uint64_t pubacks_ = 0;         // MQTT QoS 1: PUBACKs received, in order
  bool endPongSeen_ = false;          // the end barrier answered, PUBACKs perhaps not all in
};

}  // namespace linecast::bench
