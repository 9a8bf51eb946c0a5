#include "loadgen/options.h"

#include "loadgen/tls_stream.h"

#include <map>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "loadgen/payload.h"

namespace linecast::bench {

std::string_view scenarioName(Scenario scenario) {
  switch (scenario) {
    case Scenario::kThroughput: return "throughput";
    case Scenario::kLatency: return "latency";
    case Scenario::kConns: return "conns";
  }
  return "?";
}

std::string_view protocolLabel(const Options& o) {
  if (o.websocket) return o.protocol == Protocol::kNats ? "nats-ws" : "ws";
  return protocolName(o.protocol);
}

double Options::hardDeadlineSec() const {
  if (deadlineSec > 0) return deadlineSec;
  return connectTimeoutSec + settleSec + durationSec + drainSec + 15;
}

std::variant<Options, int> parseOptions(int argc, char** argv) {
  Options o;
  CLI::App app{
      "linecast-bench: drives a pub/sub broker (linecast, NATS, Redis or MQTT) with P publishers and "
      "S subscribers over C channels and reports throughput, latency or connection cost."};
  std::string protocol = "linecast";
  std::string scenario = "throughput";
  app.add_option("--host", o.host, "broker address (loopback only unless --allow-remote)")
      ->capture_default_str();
  app.add_option("--port", o.port, "broker port")->capture_default_str();
  app.add_option("--subscriber-ports", o.subscriberPorts,
                 "subscribers' ports on --host, comma-separated: subscriber s connects to the "
                 "(s mod N)-th, publishers to --port (a cluster: publish on one node, subscribe on "
                 "others)")
      ->delimiter(',');
  app.add_option("--protocol", protocol,
                 "linecast | nats | resp | ws (linecast's line protocol over WebSocket, on its "
                 "--http-port, path /ws) | nats-ws (NATS over nats-server's websocket {} "
                 "listener, path /) | mqtt (MQTT 3.1.1)")
      ->check(CLI::IsMember({"linecast", "nats", "resp", "redis", "ws", "nats-ws", "mqtt"}))
      ->capture_default_str();
  app.add_option("--ws-path", o.wsPath,
                 "with ws or nats-ws: the upgrade's path (default /ws for ws, / for nats-ws)");
  app.add_flag("--retain", o.retain, "linecast: publish with RETAIN instead of PUB (measures retained writes)");
  app.add_flag("--resp3", o.resp3,
               "with --protocol resp: HELLO 3 first, so messages come as RESP3 push frames");
  app.add_option("--qos", o.qos, "with --protocol mqtt: QoS of SUBSCRIBE and PUBLISH (0 or 1)")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  app.add_option(
      "--inflight", o.inflight,
      "with --protocol mqtt --qos 1: PUBLISHes a publisher may have unacknowledged (1..65535; "
      "the default, every packet id MQTT has, is as close as MQTT comes to the other protocols, "
      "whose publishers never wait for a reply)")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app.add_option("--scenario", scenario, "throughput | latency | conns")
      ->check(CLI::IsMember({"throughput", "latency", "conns"}))
      ->capture_default_str();
  app.add_option("-p,--publishers", o.publishers, "publisher connections")->capture_default_str();
  app.add_option("-s,--subscribers", o.subscribers,
                 "subscriber connections (throughput: 0 measures publishing to nobody)")
      ->capture_default_str();
  app.add_option("--stalled", o.stalled,
                 "extra subscribers on channel 0 that confirm, then never read (small "
                 "SO_RCVBUF); not counted in deliveries")
      ->capture_default_str();
  auto* channels = app.add_option("-c,--channels", o.channels,
                                  "channels (subscriber s listens on s % C; conns: one each)");
  channels->capture_default_str();
  app.add_option("-b,--payload", o.payloadBytes, "payload bytes")->capture_default_str();
  app.add_option("-d,--duration", o.durationSec, "seconds of publishing")->capture_default_str();
  app.add_option("-n,--messages", o.messages,
                 "messages to publish in total (0: until the duration ends)")
      ->capture_default_str();
  app.add_option("-t,--threads", o.threads, "threads (connections are spread over them)")
      ->capture_default_str();
  app.add_option("--rate", o.rate, "latency: total msgs/s over all publishers")
      ->capture_default_str();
  app.add_option("--drain", o.drainSec, "seconds to wait for deliveries after publishing")
      ->capture_default_str();
  app.add_option("--connect-timeout", o.connectTimeoutSec,
                 "seconds for all connections to connect and confirm")
      ->capture_default_str();
  app.add_option("--settle", o.settleSec,
                 "seconds to wait between every connection confirmed and the first publish (a "
                 "cluster spreads a subscription to its other nodes after confirming it)")
      ->capture_default_str();
  app.add_option("--deadline", o.deadlineSec,
                 "hard bound on the whole run in seconds (0: connect-timeout + duration + "
                 "drain + 15)")
      ->capture_default_str();
  app.add_option("--connect-window", o.connectWindow, "connects in flight per thread")
      ->capture_default_str();
  app.add_option("--server-pid", o.serverPid,
                 "the broker's pid: report its memory (conns), CPU time and threads");
  app.add_option("--channel-prefix", o.channelPrefix, "first token of every channel name")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed for the conns scenario's random channels")
      ->capture_default_str();
  app.add_flag("--json", o.json, "print the result as one JSON object on stdout");
  app.add_flag("-q,--quiet", o.quiet, "no progress lines on stderr");
  app.add_flag("--allow-remote", o.allowRemote, "allow a target outside 127.0.0.0/8 and ::1");
  app.add_flag("--tls", o.tls, "connect with TLS (the certificate is not verified without --cacert)");
  app.add_option("--cacert", o.cacert, "CA file to verify the server's certificate with; implies --tls")
      ->check(CLI::ExistingFile);
  app.add_option("--user", o.user, "log every connection in as this user (AUTH <user> <password>; not NATS)");
  app.add_option("--password", o.password, "the --user's password");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (protocol == "ws" || protocol == "nats-ws") {
    o.websocket = true;
    o.protocol = protocol == "ws" ? Protocol::kLinecast : Protocol::kNats;
    if (o.wsPath.empty()) o.wsPath = protocol == "ws" ? "/ws" : "/";
  } else {
    o.protocol = *parseProtocol(protocol);
  }
  static const std::map<std::string, Scenario> kScenarios = {
      {"throughput", Scenario::kThroughput},
      {"latency", Scenario::kLatency},
      {"conns", Scenario::kConns}};
  o.scenario = kScenarios.at(scenario);
  if (o.scenario == Scenario::kConns && channels->count() == 0) o.channels = o.subscribers;
  return o;
}

std::optional<std::string> validate(Options& o) {
  if (o.user.empty() != o.password.empty()) return "--user and --password go together";
  if (o.resp3 && o.protocol != Protocol::kResp) return "--resp3 is for --protocol resp";
  if (o.retain && o.protocol != Protocol::kLinecast) return "--retain is for --protocol linecast and ws";
  if (o.qos != 0 && o.protocol != Protocol::kMqtt) return "--qos is for --protocol mqtt";
  if (o.inflight != Options{}.inflight && o.qos != 1) return "--inflight is for --protocol mqtt --qos 1";
  if (!o.user.empty() && (o.protocol == Protocol::kNats || o.protocol == Protocol::kMqtt))
    return "--user is for linecast and RESP (NATS and MQTT have none here)";
  if (!o.wsPath.empty() && !o.websocket) return "--ws-path is for --protocol ws and nats-ws";
  if (o.websocket && (o.wsPath.front() != '/' || o.wsPath.find_first_of(" \t\r\n") != std::string::npos))
    return "--ws-path must start with / and hold no spaces";
  if (!o.cacert.empty()) o.tls = true;
  if (o.tls) {
    try {
      makeClientTlsContext(o.cacert);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
  }
  if (o.publishers == 0) return "--publishers must be at least 1";
  if (o.threads == 0 || o.threads > 256) return "--threads must be 1..256";
  if (o.channels == 0) return "--channels must be at least 1";
  if (o.channels >= kMaxChannels || o.subscribers >= kMaxChannels)
    return fmt::format("--channels and --subscribers must be below {}", kMaxChannels);
  if (o.durationSec <= 0 && o.messages == 0) return "give a --duration or a --messages count";
  if (o.durationSec <= 0) o.durationSec = 3600;  // a message count alone; the deadline still bounds it
  if (o.stalled > 10'000) return "--stalled is limited to 10,000";
  if (o.payloadBytes > 64 * 1024 * 1024) return "--payload is limited to 64 MiB";
  if (o.drainSec < 0 || o.connectTimeoutSec <= 0) return "--drain and --connect-timeout must be positive";
  if (o.settleSec < 0 || o.settleSec > 60) return "--settle must be 0..60 seconds";
  for (std::uint16_t p : o.subscriberPorts)
    if (p == 0) return "--subscriber-ports: 0 is not a port";
  if (o.connectWindow == 0) return "--connect-window must be at least 1";
  if (o.channelPrefix.empty() || o.channelPrefix.find_first_of(" \t\r\n*>.") != std::string::npos)
    return "--channel-prefix must be one token without spaces or wildcards";
  if (o.protocol == Protocol::kMqtt && o.channelPrefix.find_first_of("/+#") != std::string::npos)
    return "--channel-prefix must be one MQTT topic level (no /, + or #)";
  switch (o.scenario) {
    case Scenario::kThroughput: break;
    case Scenario::kLatency:
      if (o.rate <= 0) return "--rate must be positive";
      if (o.subscribers == 0) return "latency needs at least one subscriber";
      if (o.payloadBytes < kStampBytes)
        return fmt::format("latency payloads carry a send time: --payload must be >= {}", kStampBytes);
      break;
    case Scenario::kConns:
      if (o.subscribers == 0) return "conns needs at least one subscriber";
      if (o.channels != o.subscribers) return "conns puts every subscriber on its own channel: leave --channels out";
      if (o.payloadBytes < kStampBytes)
        return fmt::format("conns payloads carry the addressee: --payload must be >= {}", kStampBytes);
      if (o.messages == 0) o.messages = o.subscribers;
      if (o.stalled > 0) return "--stalled is for the throughput and latency scenarios";
      break;
  }
  return std::nullopt;
}

}  // namespace linecast::bench
