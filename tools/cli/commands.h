#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "session.h"

// The subcommands. Each returns the process's exit code (exit_codes.h)
// and prints its own errors.
namespace linecast::cli {

struct SubOptions {
  std::vector<std::string> patterns;
  bool verbose = false;    // print "channel payload" instead of the payload
  std::uint64_t count = 0; // exit 0 after this many messages; 0: never
};
int runSub(const GlobalOptions& global, const SubOptions& options);

struct PubOptions {
  std::string channel;
  std::optional<std::string> message;  // none: one message per stdin line
  bool verbose = false;                // report the count on stderr
};
int runPub(const GlobalOptions& global, const PubOptions& options);

struct PingOptions {
  unsigned count = 5;
  double interval = 0.0;  // seconds between round trips
  bool quiet = false;     // only the summary line
};
int runPing(const GlobalOptions& global, const PingOptions& options);

struct HealthOptions {
  unsigned httpPort = 7401;
};
int runHealth(const GlobalOptions& global, const HealthOptions& options);

struct PasswdOptions {
  std::uint32_t iterations = 600'000;  // PBKDF2 rounds (PasswordHash::kDefaultIterations)
};
int runPasswd(const PasswdOptions& options);

}  // namespace linecast::cli
