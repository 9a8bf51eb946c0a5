#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace linecast {

struct HostPort {
  std::string host;  // a name, an IPv4 address, or an IPv6 address without its brackets
  std::uint16_t port = 0;
};

// Where the cluster's Redis is: --cluster redis://[user:password@]HOST:PORT[/DB],
// or --cluster sentinel://[user:password@]HOST:PORT[,HOST:PORT...]/MASTER-NAME
// for a master that Redis Sentinels name (the credentials are the master's).
struct ClusterUrl {
  std::string host;      // the master; with Sentinels, empty until they name it
  std::uint16_t port = 6379;
  std::string user;      // empty: AUTH with the password alone (Redis's default user)
  std::string password;  // empty: no AUTH
  int database = 0;      // SELECTed on the command connection (pub/sub ignores it)
  std::vector<HostPort> sentinels;  // sentinel://: asked in turn (port 26379 by default)
  std::string masterName;           // sentinel://: the master's name in the Sentinels

  bool viaSentinels() const { return !sentinels.empty(); }
};

// Parses a --cluster value. The user and password are percent-decoded, so
// they may hold `@`, `:` or `/`. Returns the URL or why it is malformed.
std::variant<ClusterUrl, std::string> parseClusterUrl(std::string_view text);

// The --cluster value as an error message may show it: the password, if
// any, replaced by `***` (the user stays), whether or not the rest parses.
std::string redactedClusterUrl(std::string_view text);

}  // namespace linecast
