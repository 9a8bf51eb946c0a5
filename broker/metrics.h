#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "net/session_kind.h"

namespace linecast {

// A figure written by the one reactor thread that owns it and read by any
// thread (/metrics sums every thread's). A relaxed load and store compile to
// plain moves, so counting costs what an integer did, and the readers see
// whole values without a data race.
template <class T>
class Counter {
 public:
  Counter& operator++() { return *this += 1; }
  Counter& operator--() { return *this -= 1; }
  Counter& operator+=(T n) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    return *this;
  }
  Counter& operator-=(T n) {
    value_.store(value_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
    return *this;
  }
  void set(T v) { value_.store(v, std::memory_order_relaxed); }
  T load() const { return value_.load(std::memory_order_relaxed); }
  operator T() const { return load(); }  // NOLINT: reads like the integer it was

 private:
  std::atomic<T> value_{0};
};

inline constexpr int kMinHttpStatus = 100;
inline constexpr int kMaxHttpStatus = 599;

// The broker's counters (docs/PROTOCOL.md, "Metrics"), one set per reactor
// thread.
struct Metrics {
  Counter<std::int64_t> connections;  // gauge
  std::array<Counter<std::int64_t>, kSessionKinds> connectionsByProtocol;  // gauges, by SessionKind
  Counter<std::int64_t> subscriptions;  // gauge: line plus RESP
  Counter<std::uint64_t> connectionsTotal;
  Counter<std::uint64_t> connectionsRejected;  // over --max-conns
  Counter<std::uint64_t> messagesPublished;
  Counter<std::uint64_t> messagesDelivered;
  // Deliveries skipped: a RESP payload with '\n' cannot be a MSG line.
  Counter<std::uint64_t> messagesUndeliverable;
  Counter<std::uint64_t> bytesIn;
  Counter<std::uint64_t> bytesOut;
  Counter<std::uint64_t> slowConsumers;
  Counter<std::uint64_t> protocolErrors;  // every -ERR sent
  Counter<std::int64_t> tlsConnections;        // gauge: handshakes done, still open
  Counter<std::int64_t> tlsKernelConnections;  // gauge: of those, kernel TLS
  Counter<std::uint64_t> tlsHandshakeFailures;
  Counter<std::uint64_t> authFailures;
  std::array<Counter<std::uint64_t>, 2> permissionDenied;  // publish, subscribe
  // MQTT (thread 0 holds them all): sessions held, online or not (gauge);
  // QoS 1/2 messages queued behind the in-flight windows (gauge); queued
  // messages dropped past --mqtt-max-queued.
  Counter<std::int64_t> mqttSessions;
  Counter<std::int64_t> mqttQueuedMessages;
  Counter<std::uint64_t> mqttDropped;
  // --cluster (thread 0 holds them all): the link to the other nodes is up
  // (gauge, 0/1); messages sent to them, received from them, not sent
  // because the link was down, and not sent because no other node wanted
  // their channel (interest propagation).
  Counter<std::int64_t> clusterUp;
  Counter<std::uint64_t> clusterPublished;
  Counter<std::uint64_t> clusterReceived;
  Counter<std::uint64_t> clusterDropped;
  Counter<std::uint64_t> clusterSkipped;
  std::array<Counter<std::uint64_t>, kMaxHttpStatus - kMinHttpStatus + 1> httpRequests;

  void countHttpStatus(int status) {
    if (status >= kMinHttpStatus && status <= kMaxHttpStatus) ++httpRequests[status - kMinHttpStatus];
  }
};

// The sum of every thread's Metrics at one moment, for /metrics and /stats.
struct MetricsTotals {
  std::int64_t connections = 0;
  std::array<std::int64_t, kSessionKinds> connectionsByProtocol{};
  std::int64_t subscriptions = 0;
  std::uint64_t connectionsTotal = 0;
  std::uint64_t connectionsRejected = 0;
  std::uint64_t messagesPublished = 0;
  std::uint64_t messagesDelivered = 0;
  std::uint64_t messagesUndeliverable = 0;
  std::uint64_t bytesIn = 0;
  std::uint64_t bytesOut = 0;
  std::uint64_t slowConsumers = 0;
  std::uint64_t protocolErrors = 0;
  std::int64_t tlsConnections = 0;
  std::int64_t tlsKernelConnections = 0;
  std::uint64_t tlsHandshakeFailures = 0;
  std::uint64_t authFailures = 0;
  std::array<std::uint64_t, 2> permissionDenied{};
  std::int64_t mqttSessions = 0;
  std::int64_t mqttQueuedMessages = 0;
  std::uint64_t mqttDropped = 0;
  std::int64_t clusterUp = 0;
  std::uint64_t clusterPublished = 0;
  std::uint64_t clusterReceived = 0;
  std::uint64_t clusterDropped = 0;
  std::uint64_t clusterSkipped = 0;
  std::array<std::uint64_t, kMaxHttpStatus - kMinHttpStatus + 1> httpRequests{};
  // Not per thread: the process's RetainedStore, filled in by Broker::metricsTotals.
  std::int64_t retainedMessages = 0;
  std::int64_t retainedBytes = 0;
  // Not per thread: the --data-dir writer (zero without one).
  std::uint64_t storeWrites = 0;   // records written, after coalescing
  std::uint64_t storeSyncs = 0;    // fdatasyncs of the store
  std::int64_t storeWaiting = 0;   // records staged, not yet taken by the writer

  void add(const Metrics& m);
};

MetricsTotals sumMetrics(const std::vector<const Metrics*>& all);

}  // namespace linecast
