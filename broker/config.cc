#include "config.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "cluster/cluster_url.h"
#include "config_file.h"
#include "persist/fsync_policy.h"
#include "util/log.h"
#include "version.h"

namespace linecast {
namespace {

constexpr double kKiB = 1024;
constexpr double kMiB = 1024 * kKiB;
constexpr double kGiB = 1024 * kMiB;

// An option that takes text; the token file has no field, validate() reads it.
struct TextOption {
  const char* name;  // the flag without "--", and the key in a config file
  std::string Config::*field;
  const char* help;
};

const TextOption kTextOptions[] = {
    {"bind", &Config::bind, "Address to listen on"},
    {"auth-token", &Config::authToken, "Require AUTH <token> (prefer --auth-token-file)"},
    {"auth-token-file", nullptr, "Read the token from this file"},
    {"log-level", &Config::logLevel, "error, warn, info or debug"},
    {"io", &Config::io, "I/O backend: epoll, or uring (io_uring, when built with it)"},
    {"tls-cert", &Config::tlsCert, "TLS certificate chain (PEM, leaf first): TLS on every port"},
    {"tls-key", &Config::tlsKey, "TLS private key (PEM) of --tls-cert"},
    {"tls-ca", &Config::tlsCa, "CA certificates (PEM) client certificates must chain to (mutual TLS)"},
    {"users", &Config::usersFile, "Users file (TOML): passwords and per-channel permissions"},
    {"jwt-secret-file", &Config::jwtSecretFile, "Accept JWTs signed with this HS256 secret (32 bytes or more)"},
    {"jwt-public-key", &Config::jwtPublicKey, "Accept JWTs signed for this PEM public key (RSA: RS256; EC P-256: ES256)"},
    {"data-dir", &Config::dataDir,
     "Keep retained messages (and MQTT sessions) in this directory across restarts (created 0700)"},
    {"fsync", &Config::fsync, "With --data-dir: always (before each acknowledgement), everysec or no"},
    {"cluster", &Config::cluster,
     "Share one channel space with other nodes through Redis: redis://[user:password@]HOST:PORT or "
     "sentinel://[user:password@]HOST:PORT[,HOST:PORT...]/MASTER-NAME"},
    {"cluster-password-file", &Config::clusterPasswordFile, "Read the --cluster Redis password from this file"},
    {"node-id", &Config::nodeId, "This node's id in the cluster (default: random at start)"},
    {"ws-allowed-origins", &Config::wsAllowedOriginsText,
     "Comma-separated origins a WebSocket upgrade may come from (default: any), e.g. https://app.example.com"},
};

// An option that is on or off: a flag without a value, true/false in a file.
struct SwitchOption {
  const char* name;
  bool Config::*field;
  const char* help;
};

const SwitchOption kSwitchOptions[] = {
    {"tls-required", &Config::tlsRequired, "Refuse plaintext connections (needs --tls-cert)"},
};

const SwitchOption* findSwitch(std::string_view name) {
  for (const auto& option : kSwitchOptions) {
    if (name == option.name) return &option;
  }
  return nullptr;
}

// A numeric option and the values it takes. The upper bounds keep a slip of
// the keyboard from becoming a huge allocation or an overflowed deadline
// (and --max-line must fit the interconnect's 32-bit record sizes).
struct NumericOption {
  enum Kind { kInteger, kSize, kSeconds };
  const char* name;
  Kind kind;
  double min;
  double max;
  std::variant<std::uint16_t Config::*, std::size_t Config::*, double Config::*> field;
  const char* help;
};

const NumericOption kNumericOptions[] = {
    {"port", NumericOption::kInteger, 0, 65535, &Config::port,
     "Port of the line protocol (0: any free port)"},
    {"http-port", NumericOption::kInteger, 0, 65535, &Config::httpPort,
     "Port of the HTTP API (0: disabled)"},
    {"mqtt-port", NumericOption::kInteger, 0, 65535, &Config::mqttPort,
     "Port of MQTT 3.1.1 (0: disabled, the default)"},
    {"mqtt-max-inflight", NumericOption::kInteger, 1, 65535, &Config::mqttMaxInflight,
     "QoS 1/2 messages sent to one MQTT client and not yet acknowledged"},
    {"mqtt-max-queued", NumericOption::kInteger, 0, 10'000'000, &Config::mqttMaxQueued,
     "QoS 1/2 messages queued per MQTT session behind the in-flight ones (the oldest dropped)"},
    {"max-conns", NumericOption::kInteger, 1, 10'000'000, &Config::maxConns,
     "Most client connections at once"},
    {"max-line", NumericOption::kSize, 1, kGiB, &Config::maxLine,
     "Longest line in bytes (accepts KiB, MiB)"},
    {"max-outbuf", NumericOption::kSize, 1, 16 * kGiB, &Config::maxOutbuf,
     "Pending output per connection before it is cut as a slow consumer"},
    {"max-subs", NumericOption::kInteger, 0, 10'000'000, &Config::maxSubs,
     "Most subscriptions per connection"},
    {"read-timeout", NumericOption::kSeconds, 0, 86400, &Config::readTimeout,
     "Seconds a partial line may wait for more bytes (0: never cut)"},
    {"auth-timeout", NumericOption::kSeconds, 0.001, 86400, &Config::authTimeout,
     "Seconds a connection has to AUTH when a token is set"},
    {"shutdown-grace", NumericOption::kSeconds, 0, 86400, &Config::shutdownGrace,
     "Seconds to flush output on SIGTERM, QUIT or a client's EOF"},
    {"threads", NumericOption::kInteger, 0, 256, &Config::threads, "Reactor threads (0: one per two usable cores)"},
    {"busy-poll-us", NumericOption::kInteger, 0, 100000, &Config::busyPollUs,
     "Microseconds a reactor keeps polling after its last event before it sleeps"},
    {"sse-keepalive", NumericOption::kSeconds, 0, 86400, &Config::sseKeepalive,
     "Seconds of silence before an event stream gets a keepalive comment (0: never)"},
    {"max-retained", NumericOption::kInteger, 0, 100'000'000, &Config::maxRetained,
     "Most channels holding a retained message (RETAIN, POST /pub/...?retain=1)"},
    {"max-retained-bytes", NumericOption::kSize, 0, 64 * kGiB, &Config::maxRetainedBytes,
     "Most bytes of retained messages: each one's channel name plus its payload"},
};

const NumericOption* findNumeric(std::string_view name) {
  for (const auto& option : kNumericOptions) {
    if (name == option.name) return &option;
  }
  return nullptr;
}

std::vector<std::string> knownKeys() {
  std::vector<std::string> keys;
  for (const auto& option : kTextOptions) keys.emplace_back(option.name);
  for (const auto& option : kNumericOptions) keys.emplace_back(option.name);
  for (const auto& option : kSwitchOptions) keys.emplace_back(option.name);
  return keys;
}

// The factor of a size's unit, as CLI::AsSizeValue(false) took them before
// (b, k, kb, ki, kib, m, ... in any case, all powers of 1024); 0 if unknown.
double unitFactor(std::string_view unit) {
  std::string lower;
  for (char c : unit) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.empty() || lower == "b") return 1;
  auto power = std::string_view("kmgtpe").find(lower[0]);
  std::string_view rest = std::string_view(lower).substr(1);
  if (power == std::string_view::npos || !(rest.empty() || rest == "b" || rest == "i" || rest == "ib")) {
    return 0;
  }
  return std::pow(1024.0, static_cast<double>(power + 1));
}

// The value of `text` for `option`, or nullopt if it is not one it takes.
// Integers are read as digits only: strtoull, which CLI11 used, turns "-5"
// into 2^64 - 5.
std::optional<double> parseNumber(const NumericOption& option, std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  if (option.kind == NumericOption::kSeconds) {
    auto [stop, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || stop != end || !std::isfinite(value)) return std::nullopt;
  } else {
    double factor = 1;
    if (option.kind == NumericOption::kSize) {
      // The letters at the end are the unit: "64KiB" or "64 KiB".
      auto unitAt = text.find_last_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") + 1;
      factor = unitFactor(text.substr(unitAt));
      text = text.substr(0, unitAt);
      while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
      end = text.data() + text.size();
    }
    std::uint64_t digits = 0;
    auto [stop, ec] = std::from_chars(text.data(), end, digits);
    if (factor == 0 || ec != std::errc() || stop != end) return std::nullopt;
    value = static_cast<double>(digits) * factor;
  }
  if (value < option.min || value > option.max) return std::nullopt;
  return value;
}

// How a value reads in --help and in errors: sizes as 1MiB rather than 1048576.
std::string formatValue(const NumericOption& option, double value) {
  if (option.kind == NumericOption::kSeconds) return fmt::format("{}", value);
  if (option.kind == NumericOption::kSize) {
    for (auto [factor, unit] : {std::pair{kGiB, "GiB"}, {kMiB, "MiB"}, {kKiB, "KiB"}}) {
      if (value >= factor && std::fmod(value, factor) == 0) return fmt::format("{}{}", value / factor, unit);
    }
  }
  return fmt::format("{}", static_cast<std::uint64_t>(value));
}

// A value as an error message shows it: never --cluster's password.
std::string shownValue(std::string_view name, const std::string& text) {
  return name == "cluster" ? redactedClusterUrl(text) : text;
}

// Why `text` is not a value of the option `name` ("must be ..."), or "" if it is one.
std::string problemWith(std::string_view name, const std::string& text) {
  if (const NumericOption* option = findNumeric(name)) {
    if (parseNumber(*option, text)) return {};
    static constexpr const char* kWhat[] = {"an integer", "a size", "a number of seconds"};
    return fmt::format("must be {} from {} to {}{}", kWhat[option->kind], formatValue(*option, option->min),
                       formatValue(*option, option->max),
                       option->kind == NumericOption::kSize ? " (e.g. 65536 or 64KiB)" : "");
  }
  if (findSwitch(name) != nullptr && text != "true" && text != "false") return "must be true or false";
  LogLevel level;
  if (name == "log-level" && !parseLogLevel(text, level)) return "must be error, warn, info or debug";
  if (name == "io" && text != "epoll" && text != "uring") return "must be epoll or uring";
  if (name == "fsync" && !parseFsyncPolicy(text)) return "must be always, everysec or no";
  if (name == "data-dir" && text.empty()) return "must name a directory";
  if (name == "cluster") {
    auto url = parseClusterUrl(text);
    if (auto* problem = std::get_if<std::string>(&url)) return *problem;
  }
  if (name == "node-id" && (text.empty() || text.size() > 64 || text.find_first_of(" \r\n") != std::string::npos)) {
    return "must be 1 to 64 bytes without spaces or line breaks";
  }
  return {};
}

// Adds the config file's values to `values` where the command line gave
// none. Every entry is checked, overridden or not: a broken file should not
// wait to break until the flag that hides it is dropped.
std::string addFileValues(const std::string& path, std::map<std::string, std::string>& values) {
  std::string error;
  auto entries = readConfigFile(path, error);
  if (!entries) return error;
  const std::vector<std::string> known = knownKeys();
  for (const auto& entry : *entries) {
    std::string at = fmt::format("{}:{}: ", path, entry.line);
    if (std::find(known.begin(), known.end(), entry.key) == known.end()) {
      std::string guess = closestKey(entry.key, known);
      return at + fmt::format("unknown key '{}'", entry.key) +
             (guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess));
    }
    if (auto problem = problemWith(entry.key, entry.value); !problem.empty()) {
      return at + fmt::format("{}: {}, not '{}'", entry.key, problem, shownValue(entry.key, entry.value));
    }
    values.emplace(entry.key, entry.value);
  }
  return {};
}

// The token file may end with one newline (echo adds it); nothing else is
// trimmed, since a token may legitimately hold any other byte.
std::optional<std::string> readTokenFile(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("cannot read --auth-token-file '{}'", path);
    return std::nullopt;
  }
  std::stringstream content;
  content << in.rdbuf();
  std::string token = content.str();
  if (!token.empty() && token.back() == '\n') token.pop_back();
  if (!token.empty() && token.back() == '\r') token.pop_back();
  return token;
}

// 16 hex digits: unique enough among the nodes of one cluster.
std::string randomNodeId() {
  std::random_device device;
  std::uint64_t value = (std::uint64_t{device()} << 32) | device();
  return fmt::format("{:016x}", value);
}

// --cluster: the URL (already checked), the password file, the node id.
std::string loadCluster(Config& config) {
  if (config.cluster.empty()) {
    if (!config.clusterPasswordFile.empty()) return "--cluster-password-file needs --cluster";
    return {};
  }
  config.clusterUrl = std::get<ClusterUrl>(parseClusterUrl(config.cluster));
  if (!config.clusterPasswordFile.empty()) {
    std::string error;
    auto password = readTokenFile(config.clusterPasswordFile, error);
    if (!password) return fmt::format("cannot read --cluster-password-file '{}'", config.clusterPasswordFile);
    config.clusterUrl->password = *password;
  }
  if (config.nodeId.empty()) config.nodeId = randomNodeId();
  return {};
}

// The TLS files, loaded now so that a missing or mismatched file stops the
// start with its name rather than failing every handshake.
std::string loadTls(Config& config) {
  if (config.tlsCert.empty() != config.tlsKey.empty()) {
    return config.tlsCert.empty() ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key";
  }
  if (config.tlsCert.empty()) {
    if (!config.tlsCa.empty()) return "--tls-ca needs --tls-cert and --tls-key";
    if (config.tlsRequired) return "--tls-required needs --tls-cert and --tls-key";
    return {};
  }
  TlsFiles files{config.tlsCert, config.tlsKey, config.tlsCa};
  std::string error;
  auto context = TlsContext::load(files, error);
  if (!context) return error;
  config.tls = std::make_shared<TlsContextStore>(std::move(files), std::move(context));
  return {};
}

std::string loadUsers(Config& config) {
  if (config.usersFile.empty()) return {};
  std::string error;
  auto directory = UserDirectory::load(config.usersFile, error);
  if (!directory) return error.starts_with("cannot read") ? error : "--users " + error;
  config.users = std::make_shared<UserDirectoryStore>(config.usersFile, std::move(directory));
  return {};
}

std::string loadJwtKey(Config& config) {
  if (config.jwtSecretFile.empty() && config.jwtPublicKey.empty()) return {};
  if (!config.jwtSecretFile.empty() && !config.jwtPublicKey.empty()) {
    return "--jwt-secret-file and --jwt-public-key are mutually exclusive (a key fixes the algorithm)";
  }
  bool secret = !config.jwtSecretFile.empty();
  const std::string& path = secret ? config.jwtSecretFile : config.jwtPublicKey;
  std::string error;
  auto key = secret ? JwtKey::loadSecret(path, error) : JwtKey::loadPublicKey(path, error);
  if (!key) return error;
  config.jwt = std::make_shared<JwtKeyStore>(path, secret, std::move(key));
  return {};
}

// --ws-allowed-origins: each origin between the commas, trimmed; none may
// be empty (a stray comma would otherwise allow nothing or everything).
std::string splitOrigins(Config& config) {
  std::string_view text = config.wsAllowedOriginsText;
  if (text.empty()) return {};
  while (true) {
    std::size_t comma = text.find(',');
    std::string_view origin = text.substr(0, comma);
    while (!origin.empty() && origin.front() == ' ') origin.remove_prefix(1);
    while (!origin.empty() && origin.back() == ' ') origin.remove_suffix(1);
    if (origin.empty()) return "--ws-allowed-origins: an empty origin in the list";
    config.wsAllowedOrigins.emplace_back(origin);
    if (comma == std::string_view::npos) return {};
    text.remove_prefix(comma + 1);
  }
}

// The rules no single value breaks alone: across options, the token file's
// content, and whether this build has the backend asked for.
std::string validate(Config& config, const std::string& tokenFile, bool tokenGiven) {
  if (tokenGiven && !tokenFile.empty()) {
    return "--auth-token and --auth-token-file are mutually exclusive";
  }
  if (!tokenFile.empty()) {
    std::string error;
    auto token = readTokenFile(tokenFile, error);
    if (!token) return error;
    if (token->empty()) return fmt::format("--auth-token-file '{}' is empty", tokenFile);
    config.authToken = *token;
  }
  if (tokenGiven && config.authToken.empty()) return "--auth-token must not be empty";
  if (config.authToken.find_first_of(" \r\n") != std::string::npos) {
    return "the auth token must not contain spaces or line breaks";
  }
  if (config.maxOutbuf < config.maxLine + 512) {
    return fmt::format("--max-outbuf ({}) must be at least --max-line + 512 ({})",
                       config.maxOutbuf, config.maxLine + 512);
  }
  if (config.io == "uring" && !ioUringBuiltIn()) {
    return "--io uring: this build has no io_uring backend (configure with -DLINECAST_IO_URING=ON)";
  }
  if (auto error = splitOrigins(config); !error.empty()) return error;
  if (auto error = loadCluster(config); !error.empty()) return error;
  if (auto error = loadTls(config); !error.empty()) return error;
  if (auto error = loadJwtKey(config); !error.empty()) return error;
  return loadUsers(config);
}

}  // namespace

bool ioUringBuiltIn() {
#ifdef LINECAST_IO_URING
  return true;
#else
  return false;
#endif
}

std::optional<Config> parseConfig(int argc, char** argv, int& exitCode) {
  auto fail = [&](const std::string& error) {
    fmt::print(stderr, "linecast-server: {}\n", error);
    exitCode = 2;
    return std::nullopt;
  };
  Config config;
  CLI::App app{"linecast-server: a pub/sub message broker speaking a newline-framed protocol"};
  app.set_version_flag("--version", std::string("linecast-server ") + kVersion);
  // As with most servers, a flag given twice takes its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::string configPath;
  app.add_option("--config", configPath, "TOML file with the same keys as the flags (flags win)")
      ->type_name("FILE");
  // CLI11 only collects each flag's text: the checks below name the flag
  // and its range, and are the very ones the config file's values pass.
  std::map<std::string, std::string> flagText;
  for (const auto& option : kTextOptions) {
    auto* added = app.add_option(fmt::format("--{}", option.name), flagText[option.name], option.help);
    if (option.field != nullptr && !(config.*option.field).empty()) added->default_str(config.*option.field);
  }
  std::map<std::string, bool> switchGiven;
  for (const auto& option : kSwitchOptions) {
    app.add_flag(fmt::format("--{}", option.name), switchGiven[option.name], option.help);
  }
  for (const auto& option : kNumericOptions) {
    double value = std::visit([&](auto field) { return static_cast<double>(config.*field); }, option.field);
    static constexpr const char* kType[] = {"UINT", "SIZE", "SECONDS"};
    app.add_option(fmt::format("--{}", option.name), flagText[option.name], option.help)
        ->type_name(kType[option.kind])
        ->default_str(formatValue(option, value));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != static_cast<int>(CLI::ExitCodes::Success)) return fail(e.what());
    exitCode = app.exit(e);  // --help or --version
    return std::nullopt;
  }

  std::map<std::string, std::string> values;  // by option name, the flags' over the file's
  for (const auto& [name, text] : flagText) {
    if (app.get_option("--" + name)->count() == 0) continue;
    if (auto problem = problemWith(name, text); !problem.empty()) {
      return fail(fmt::format("--{} {}, not '{}'", name, problem, shownValue(name, text)));
    }
    values[name] = text;
  }
  for (const auto& [name, given] : switchGiven) {
    if (given) values[name] = "true";
  }
  if (!configPath.empty()) {
    if (auto error = addFileValues(configPath, values); !error.empty()) return fail(error);
  }

  for (const auto& option : kNumericOptions) {
    auto it = values.find(option.name);
    if (it == values.end()) continue;
    double value = *parseNumber(option, it->second);
    std::visit([&](auto field) { config.*field = static_cast<std::decay_t<decltype(config.*field)>>(value); },
               option.field);
  }
  for (const auto& option : kSwitchOptions) {
    auto it = values.find(option.name);
    if (it != values.end()) config.*option.field = it->second == "true";
  }
  std::string tokenFile;
  for (const auto& option : kTextOptions) {
    auto it = values.find(option.name);
    if (it != values.end()) (option.field != nullptr ? config.*option.field : tokenFile) = it->second;
  }
  std::string error = validate(config, tokenFile, values.count("auth-token") > 0);
  if (!error.empty()) return fail(error);
  return config;
}

}  // namespace linecast
