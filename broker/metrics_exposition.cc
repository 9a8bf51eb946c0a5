#include "metrics_exposition.h"

#include <fmt/format.h>

#include <iterator>
#include <string_view>
#include <vector>

#include "version.h"

namespace linecast {
namespace {

struct Figure {
  std::string_view name;  // without the linecast_ prefix
  std::string_view type;  // gauge or counter
  std::string_view help;
  double value;
};

std::vector<Figure> figuresOf(const MetricsTotals& m) {
  auto d = [](auto v) { return static_cast<double>(v); };
  return {
      {"connections", "gauge", "Open client connections.", d(m.connections)},
      {"connections_total", "counter", "Client connections accepted.", d(m.connectionsTotal)},
      {"connections_rejected_total", "counter",
       "Connections refused over --max-conns or the file descriptor limit.",
       d(m.connectionsRejected)},
      {"messages_published_total", "counter", "Messages published (all protocols).",
       d(m.messagesPublished)},
      {"messages_delivered_total", "counter", "Messages queued to subscribers.",
       d(m.messagesDelivered)},
      {"messages_undeliverable_total", "counter",
       "Line-protocol deliveries skipped: a RESP payload with a newline.",
       d(m.messagesUndeliverable)},
      {"bytes_in_total", "counter", "Bytes read from clients.", d(m.bytesIn)},
      {"bytes_out_total", "counter", "Bytes written to clients.", d(m.bytesOut)},
      {"subscriptions", "gauge", "Active subscriptions.", d(m.subscriptions)},
      {"slow_consumers_total", "counter", "Subscribers cut for passing --max-outbuf.",
       d(m.slowConsumers)},
      {"protocol_errors_total", "counter", "Error replies sent.", d(m.protocolErrors)},
      {"tls_connections", "gauge", "Open connections that finished a TLS handshake.",
       d(m.tlsConnections)},
      {"tls_ktls_connections", "gauge", "TLS connections whose record layer is in the kernel.",
       d(m.tlsKernelConnections)},
      {"auth_failures_total", "counter", "Failed authentications (a wrong token, user or password).",
       d(m.authFailures)},
      {"tls_handshake_failures_total", "counter",
       "TLS handshakes that failed or did not finish within --auth-timeout.",
       d(m.tlsHandshakeFailures)},
      {"retained_messages", "gauge", "Channels holding a retained message.", d(m.retainedMessages)},
      {"retained_bytes", "gauge",
       "Bytes of the retained messages: each one's channel name plus its payload.", d(m.retainedBytes)},
      {"mqtt_sessions", "gauge", "MQTT sessions held: connected, and persistent ones whose client is away.",
       d(m.mqttSessions)},
      {"mqtt_queued_messages", "gauge", "MQTT QoS 1/2 messages queued behind the in-flight windows.",
       d(m.mqttQueuedMessages)},
      {"mqtt_dropped_total", "counter", "Queued MQTT messages dropped past --mqtt-max-queued.",
       d(m.mqttDropped)},
      {"cluster_up", "gauge", "1 while the --cluster link to the other nodes is up.", d(m.clusterUp)},
      {"cluster_published_total", "counter", "Messages sent to the other nodes (--cluster).",
       d(m.clusterPublished)},
      {"cluster_received_total", "counter", "Messages received from the other nodes (--cluster).",
       d(m.clusterReceived)},
      {"cluster_dropped_total", "counter", "Messages not sent to the other nodes: the --cluster link was down.",
       d(m.clusterDropped)},
      {"cluster_skipped_total", "counter", "Messages not sent to the other nodes: none of them wanted the channel.",
       d(m.clusterSkipped)},
      {"store_writes_total", "counter", "Records written to the --data-dir store (after coalescing).",
       d(m.storeWrites)},
      {"store_fsyncs_total", "counter", "Times the --data-dir store was forced to the disk.", d(m.storeSyncs)},
      {"store_batch_waiting", "gauge", "Records staged for the --data-dir store, not yet taken by its writer.",
       d(m.storeWaiting)},
  };
}

}  // namespace

std::string renderPrometheus(const MetricsTotals& metrics) {
  std::string out;
  auto it = std::back_inserter(out);
  for (const Figure& f : figuresOf(metrics)) {
    fmt::format_to(it, "# HELP linecast_{} {}\n# TYPE linecast_{} {}\nlinecast_{} {}\n", f.name,
                   f.help, f.name, f.type, f.name, f.value);
    // The open connections by protocol, in the same family as their total
    // (revision 4: added beside it).
    if (f.name != "connections") continue;
    for (std::size_t i = 0; i < kSessionKinds; ++i) {
      fmt::format_to(it, "linecast_connections{{protocol=\"{}\"}} {}\n",
                     sessionKindName(static_cast<SessionKind>(i)), metrics.connectionsByProtocol[i]);
    }
  }
  fmt::format_to(it,
                 "# HELP linecast_http_requests_total HTTP requests answered, by status.\n"
                 "# TYPE linecast_http_requests_total counter\n");
  for (std::size_t i = 0; i < metrics.httpRequests.size(); ++i) {
    if (metrics.httpRequests[i] == 0) continue;
    fmt::format_to(it, "linecast_http_requests_total{{code=\"{}\"}} {}\n", i + kMinHttpStatus,
                   metrics.httpRequests[i]);
  }
  fmt::format_to(it,
                 "# HELP linecast_permission_denied_total Publishes and subscriptions a user's permissions refused.\n"
                 "# TYPE linecast_permission_denied_total counter\n"
                 "linecast_permission_denied_total{{action=\"publish\"}} {}\n"
                 "linecast_permission_denied_total{{action=\"subscribe\"}} {}\n",
                 metrics.permissionDenied[0], metrics.permissionDenied[1]);
  fmt::format_to(it,
                 "# HELP linecast_build_info The running version.\n"
                 "# TYPE linecast_build_info gauge\n"
                 "linecast_build_info{{version=\"{}\"}} 1\n",
                 kVersion);
  return out;
}

std::string renderStatsJson(const MetricsTotals& metrics) {
  std::string out = "{";
  auto it = std::back_inserter(out);
  for (const Figure& f : figuresOf(metrics)) {
    fmt::format_to(it, "\"{}\":{},", f.name, f.value);
  }
  out += "\"connections_by_protocol\":{";
  for (std::size_t i = 0; i < kSessionKinds; ++i) {
    fmt::format_to(it, "{}\"{}\":{}", i == 0 ? "" : ",", sessionKindName(static_cast<SessionKind>(i)),
                   metrics.connectionsByProtocol[i]);
  }
  out += "},\"http_requests_total\":{";
  bool first = true;
  for (std::size_t i = 0; i < metrics.httpRequests.size(); ++i) {
    if (metrics.httpRequests[i] == 0) continue;
    fmt::format_to(it, "{}\"{}\":{}", first ? "" : ",", i + kMinHttpStatus, metrics.httpRequests[i]);
    first = false;
  }
  fmt::format_to(it, "}},\"permission_denied_total\":{{\"publish\":{},\"subscribe\":{}}}", metrics.permissionDenied[0],
                 metrics.permissionDenied[1]);
  fmt::format_to(it, ",\"build_info\":{{\"{}\":1}}}}\n", kVersion);
  return out;
}

}  // namespace linecast
