#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "loadgen/protocol.h"

namespace linecast::bench {

enum class Scenario { kThroughput, kLatency, kConns };
std::string_view scenarioName(Scenario scenario);

struct Options;
// The --protocol name of a run: linecast, nats, resp, ws, nats-ws or mqtt.
std::string_view protocolLabel(const Options& options);

// Everything a run is told on the command line, already validated.
struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7400;
  // --subscriber-ports: subscriber s connects to subscriberPorts[s % size]
  // on `host` (publishers stay on `port`); empty: every connection on `port`.
  std::vector<std::uint16_t> subscriberPorts;
  Protocol protocol = Protocol::kLinecast;
  // --protocol ws / nats-ws: `protocol` (linecast, NATS) carried in
  // WebSocket messages after an upgrade on wsPath (bench/loadgen/ws_*).
  bool websocket = false;
  std::string wsPath;
  bool resp3 = false;  // --resp3: RESP3 (HELLO 3) on --protocol resp
  // --protocol mqtt: the QoS of every SUBSCRIBE and PUBLISH, and at QoS 1
  // how many PUBLISHes a publisher may have sent and not yet seen PUBACKed.
  int qos = 0;
  std::uint32_t inflight = 65535;
  bool retain = false;  // --retain: linecast publishes are RETAIN (the --data-dir cost)
  Scenario scenario = Scenario::kThroughput;
  std::uint32_t publishers = 1;
  std::uint32_t subscribers = 1;
  // Extra subscribers on channel 0 that confirm their subscription and then
  // never read (issue 6: one stalled consumer must not slow the others).
  // Not counted as subscribers: nothing is owed to them.
  std::uint32_t stalled = 0;
  std::uint32_t channels = 1;
  std::size_t payloadBytes = 16;
  double durationSec = 5;
  std::uint64_t messages = 0;  // total over all publishers; 0 = until the duration ends
  std::uint32_t threads = 1;
  double rate = 10'000;         // latency: msgs/s over all publishers
  double drainSec = 3;          // how long to wait for deliveries after publishing stops
  double connectTimeoutSec = 60;
  // Seconds between every connection confirmed and the first publish: a
  // cluster tells its other nodes of a subscription after confirming it.
  double settleSec = 0;
  double deadlineSec = 0;       // hard bound on the whole run; 0 = derived from the others
  std::uint32_t connectWindow = 128;  // connects in flight per thread
  int serverPid = 0;
  std::string channelPrefix = "lcb";
  std::uint64_t seed = 1;
  bool json = false;
  bool quiet = false;
  bool allowRemote = false;
  bool tls = false;      // connect with TLS (--tls, or --cacert)
  std::string cacert;    // verify the server's certificate against it
  std::string user;      // --user/--password: AUTH first (linecast users, RESP)
  std::string password;

  // The hard deadline in seconds from the start of the program.
  double hardDeadlineSec() const;
};

// Parses argv. On success returns the options; otherwise an exit code after
// CLI11 has printed help or the error.
std::variant<Options, int> parseOptions(int argc, char** argv);

// Checks the combination of flags; returns an error message or nothing.
std::optional<std::string> validate(Options& options);

}  // namespace linecast::bench
