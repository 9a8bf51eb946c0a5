#include "config.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "log.h"
#include "version.h"

namespace linecast {
namespace {

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
  if (config.maxLine < 1) return "--max-line must be at least 1";
  if (config.maxOutbuf < config.maxLine + 512) {
    return fmt::format("--max-outbuf ({}) must be at least --max-line + 512 ({})",
                       config.maxOutbuf, config.maxLine + 512);
  }
  if (config.maxConns < 1) return "--max-conns must be at least 1";
  if (config.readTimeout < 0 || config.authTimeout <= 0 || config.shutdownGrace < 0) {
    return "timeouts must not be negative (--auth-timeout must be positive)";
  }
  if (config.io != "epoll" && config.io != "uring") {
    return fmt::format("--io must be epoll or uring, not '{}'", config.io);
  }
  if (config.io == "uring" && !ioUringBuiltIn()) {
    return "--io uring: this build has no io_uring backend (configure with -DLINECAST_IO_URING=ON)";
  }
  LogLevel level;
  if (!parseLogLevel(config.logLevel, level)) {
    return fmt::format("--log-level must be error, warn, info or debug, not '{}'", config.logLevel);
  }
  return {};
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
  Config config;
  std::string tokenFile;
  CLI::App app{"linecast-server: a pub/sub message broker speaking a newline-framed protocol"};
  app.set_version_flag("--version", std::string("linecast-server ") + kVersion);
  app.set_config("--config", "", "TOML file with the same keys as the flags (flags win)");
  app.allow_config_extras(false);
  // As with most servers, a flag given twice takes its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--bind", config.bind, "Address to listen on")->capture_default_str();
  app.add_option("--port", config.port, "Port of the line protocol (0: any free port)")
      ->capture_default_str();
  app.add_option("--http-port", config.httpPort, "Port of the HTTP API (0: disabled)")
      ->capture_default_str();
  app.add_option("--max-conns", config.maxConns, "Most client connections at once")
      ->capture_default_str();
  app.add_option("--max-line", config.maxLine, "Longest line in bytes (accepts KiB, MiB)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  app.add_option("--max-outbuf", config.maxOutbuf,
                 "Pending output per connection before it is cut as a slow consumer")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  app.add_option("--max-subs", config.maxSubs, "Most subscriptions per connection")
      ->capture_default_str();
  app.add_option("--read-timeout", config.readTimeout,
                 "Seconds a partial line may wait for more bytes (0: never cut)")
      ->capture_default_str();
  app.add_option("--auth-timeout", config.authTimeout,
                 "Seconds a connection has to AUTH when a token is set")
      ->capture_default_str();
  app.add_option("--shutdown-grace", config.shutdownGrace,
                 "Seconds to flush output on SIGTERM, QUIT or a client's EOF")
      ->capture_default_str();
  auto* tokenOption = app.add_option("--auth-token", config.authToken,
                                     "Require AUTH <token> (prefer --auth-token-file)");
  app.add_option("--auth-token-file", tokenFile, "Read the token from this file");
  app.add_option("--threads", config.threads, "Reactor threads (0: one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  app.add_option("--log-level", config.logLevel, "error, warn, info or debug")
      ->capture_default_str();
  app.add_option("--io", config.io, "I/O backend: epoll, or uring (io_uring, when built with it)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exitCode = app.exit(e);
    return std::nullopt;
  }
  std::string error = validate(config, tokenFile, tokenOption->count() > 0 || !config.authToken.empty());
  if (!error.empty()) {
    fmt::print(stderr, "linecast-server: {}\n", error);
    exitCode = 2;
    return std::nullopt;
  }
  return config;
}

}  // namespace linecast
