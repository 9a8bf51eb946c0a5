#include "protocols/registry.h"

#include "protocols/http/http_protocol.h"
#include "protocols/line/line_protocol.h"
#include "protocols/mqtt/mqtt_protocol.h"
#include "protocols/resp/resp_protocol.h"
#include "routing/broker.h"

namespace linecast {

std::vector<std::unique_ptr<Protocol>> makeProtocols(Broker& broker, ClientDirectory& clients, const Config& config,
                                                     std::size_t thread) {
  std::vector<std::unique_ptr<Protocol>> protocols;
  auto line = std::make_unique<LineProtocol>(
      broker, LineProtocolSettings{config.maxLine, config.maxSubs, config.authToken,
                                   config.authTimeout, config.readTimeout, config.users, config.jwt});
  // WebSocket on the HTTP port speaks the line protocol: the same handler.
  LineProtocol& lines = *line;
  protocols.push_back(std::move(line));
  protocols.push_back(std::make_unique<RespProtocol>(
      broker, clients, RespProtocolSettings{config.maxLine, config.maxSubs, config.authToken,
                                   config.authTimeout, config.readTimeout, config.users, config.jwt,
                                   config.maxConns, config.maxOutbuf}));
  protocols.push_back(std::make_unique<HttpProtocol>(
      broker, lines,
      HttpSettings{config.maxLine, config.authToken, config.readTimeout, config.users, config.jwt,
                   config.wsAllowedOrigins, config.sseKeepalive, config.mqttPort != 0}));
  // Every thread has one (its index stays empty but on thread 0, which
  // owns every MQTT connection: the listener row is firstThreadOnly, and
  // it alone takes what --data-dir held).
  if (config.mqttPort != 0) {
    protocols.push_back(std::make_unique<MqttProtocol>(
        broker, MqttProtocolSettings{config.maxLine, config.authToken, config.authTimeout, config.users, config.jwt,
                                     MqttLimits{config.mqttMaxInflight, config.mqttMaxQueued},
                                     RetainedLimits{config.maxRetained, config.maxRetainedBytes},
                                     thread == 0 ? config.mqttStored : nullptr}));
  }
  return protocols;
}

std::vector<ListenerSpec> listenerTable(const Config& config) {
  std::vector<ListenerSpec> table;
  // A RESP request starts with '*', a line-protocol verb never does.
  table.push_back({"main", config.bind, config.port, {"resp", "line"}, {}, config.tls, config.tlsRequired});
  if (config.httpPort != 0) {
    table.push_back({"http", config.bind, config.httpPort, {"http"}, {}, config.tls, config.tlsRequired});
  }
  if (config.mqttPort != 0) {
    table.push_back({"mqtt", config.bind, config.mqttPort, {"mqtt"}, {}, config.tls, config.tlsRequired,
                     /*firstThreadOnly=*/true});
  }
  return table;
}

}  // namespace linecast
