#include "metrics.h"

namespace linecast {

void MetricsTotals::add(const Metrics& m) {
  connections += m.connections;
  for (std::size_t i = 0; i < kSessionKinds; ++i) connectionsByProtocol[i] += m.connectionsByProtocol[i];
  subscriptions += m.subscriptions;
  connectionsTotal += m.connectionsTotal;
  connectionsRejected += m.connectionsRejected;
  messagesPublished += m.messagesPublished;
  messagesDelivered += m.messagesDelivered;
  messagesUndeliverable += m.messagesUndeliverable;
  bytesIn += m.bytesIn;
  bytesOut += m.bytesOut;
  slowConsumers += m.slowConsumers;
  protocolErrors += m.protocolErrors;
  tlsConnections += m.tlsConnections;
  tlsKernelConnections += m.tlsKernelConnections;
  tlsHandshakeFailures += m.tlsHandshakeFailures;
  authFailures += m.authFailures;
  mqttSessions += m.mqttSessions;
  mqttQueuedMessages += m.mqttQueuedMessages;
  mqttDropped += m.mqttDropped;
  clusterUp += m.clusterUp;
  clusterPublished += m.clusterPublished;
  clusterReceived += m.clusterReceived;
  clusterDropped += m.clusterDropped;
  clusterSkipped += m.clusterSkipped;
  for (std::size_t i = 0; i < permissionDenied.size(); ++i) permissionDenied[i] += m.permissionDenied[i];
  for (std::size_t i = 0; i < httpRequests.size(); ++i) httpRequests[i] += m.httpRequests[i];
}

MetricsTotals sumMetrics(const std::vector<const Metrics*>& all) {
  MetricsTotals totals;
  for (const Metrics* m : all) totals.add(*m);
  return totals;
}

}  // namespace linecast
