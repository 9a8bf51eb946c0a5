#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/jwt_key.h"
#include "auth/user_directory.h"
#include "cluster/cluster_url.h"
#include "net/tls_context.h"
#include "routing/retained_store.h"

namespace linecast {

class StoreWriter;
class ClusterHub;
struct MqttStoredState;

// Everything the server can be told, with the defaults of docs/PROTOCOL.md.
struct Config {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 7400;
  std::uint16_t httpPort = 7401;  // 0: no HTTP
  std::uint16_t mqttPort = 0;     // 0: no MQTT (1883 is MQTT's usual port)
  // MQTT (docs/PROTOCOL.md, "MQTT"): QoS 1/2 messages in flight to one
  // client, and queued behind them (the oldest dropped past it).
  std::size_t mqttMaxInflight = 20;
  std::size_t mqttMaxQueued = 1000;
  std::size_t maxConns = 10000;
  std::size_t maxLine = 1024 * 1024;
  std::size_t maxOutbuf = 8 * 1024 * 1024;
  std::size_t maxSubs = 10000;
  double readTimeout = 30;    // seconds; 0 disables
  double authTimeout = 5;     // seconds
  double shutdownGrace = 5;   // seconds
  std::string authToken;      // empty: no authentication
  std::string logLevel = "info";
  std::size_t threads = 0;    // reactor threads; 0: one per two usable cores
  std::size_t busyPollUs = 0;  // spin this long after the last event before sleeping
  std::string io = "epoll";   // the I/O backend: epoll, or uring when built with it
  // --ws-allowed-origins: as given (comma-separated), and as a list (empty:
  // any origin).
  std::string wsAllowedOriginsText;
  std::vector<std::string> wsAllowedOrigins;
  double sseKeepalive = 15;   // seconds of silence before an SSE comment; 0: none
  // Retained messages (docs/PROTOCOL.md, "Retained messages"): the limits,
  // and the process's store, which every reactor thread shares (state, not
  // configuration: the ReactorGroup makes it; null: each Server makes its
  // own, as a Server alone in a test is the whole broker).
  std::size_t maxRetained = RetainedLimits{}.messages;
  std::size_t maxRetainedBytes = RetainedLimits{}.bytes;
  std::shared_ptr<RetainedStore> retained;
  // --data-dir (empty: nothing persists) and --fsync (always, everysec or
  // no: persist/fsync_policy.h); the writer of the store opened there
  // (state: the ReactorGroup opens it; null: no store).
  std::string dataDir;
  std::string fsync = "everysec";
  std::shared_ptr<StoreWriter> store;
  // What the store held of MQTT at start (state: thread 0's MQTT protocol
  // takes it over; null: no store).
  std::shared_ptr<MqttStoredState> mqttStored;
  // TLS (docs/PROTOCOL.md, "TLS"): the files, and the context loaded from
  // them at startup (null: no TLS), which every thread shares and SIGHUP
  // reloads.
  std::string tlsCert;
  std::string tlsKey;
  std::string tlsCa;
  bool tlsRequired = false;  // plaintext connections are refused
  std::shared_ptr<TlsContextStore> tls;
  // --users (docs/PROTOCOL.md, "Users and permissions"): the file, and the
  // directory loaded from it (null: no users), reloaded by SIGHUP.
  std::string usersFile;
  std::shared_ptr<UserDirectoryStore> users;
  // JWT (docs/PROTOCOL.md, "Users and permissions"): one of the two files,
  // and the key loaded from it (null: no JWTs), reloaded by SIGHUP.
  std::string jwtSecretFile;
  std::string jwtPublicKey;
  std::shared_ptr<JwtKeyStore> jwt;
  // --cluster (docs/PROTOCOL.md, "Cluster"): the URL as given and parsed
  // (empty: no cluster), --cluster-password-file, --node-id (random when
  // not given), and the hub every thread hands its messages to (state: the
  // ReactorGroup makes it).
  std::string cluster;
  std::string clusterPasswordFile;
  std::string nodeId;
  std::optional<ClusterUrl> clusterUrl;
  std::shared_ptr<ClusterHub> clusterHub;
};

// Whether this build has the io_uring backend (-DLINECAST_IO_URING=ON).
bool ioUringBuiltIn();

// Parses the command line (and the TOML file named by --config, which the
// flags override). Returns the config, or the exit code to leave with after
// --help, --version or an error (already printed).
std::optional<Config> parseConfig(int argc, char** argv, int& exitCode);

}  // namespace linecast
