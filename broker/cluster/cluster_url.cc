#include "cluster/cluster_url.h"

#include <charconv>

#include "util/percent_decode.h"

namespace linecast {
namespace {

template <class Int>
bool parseNumber(std::string_view text, Int& out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

// The credentials before the last '@' of `rest` (a password may hold a
// raw '@'), percent-decoded into `url`; `rest` keeps what follows them.
std::string takeCredentials(std::string_view& rest, ClusterUrl& url) {
  std::size_t at = rest.rfind('@');
  if (at == std::string_view::npos) return {};
  std::string_view credentials = rest.substr(0, at);
  rest = rest.substr(at + 1);
  std::size_t colon = credentials.find(':');
  std::string_view user = credentials.substr(0, colon);
  std::string_view password = colon == std::string_view::npos ? std::string_view() : credentials.substr(colon + 1);
  if (colon == std::string_view::npos) {
    // redis://password@host, as redis-cli reads it.
    password = user;
    user = {};
  }
  if (!percentDecode(user, url.user) || !percentDecode(password, url.password)) {
    return "bad percent-encoding in the credentials";
  }
  return {};
}

// HOST[:PORT] or [IPV6][:PORT] into `out` (its port stays when none is given).
std::string parseHostPort(std::string_view text, HostPort& out) {
  std::string_view port;
  if (text.starts_with('[')) {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) return "an IPv6 address needs its closing ']'";
    out.host = std::string(text.substr(1, close - 1));
    std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return "expected ':' and a port after ']'";
      port = after.substr(1);
      if (port.empty()) return "empty port";
    }
  } else {
    std::size_t colon = text.rfind(':');
    out.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = text.substr(colon + 1);
      if (port.empty()) return "empty port";
    }
  }
  if (out.host.empty()) return "no host";
  for (char c : out.host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '-' || c == '_' || c == ':';
    if (!ok) return "bad character in the host '" + out.host + "'";
  }
  if (!port.empty() && (!parseNumber(port, out.port) || out.port == 0)) {
    return "the port must be 1-65535, not '" + std::string(port) + "'";
  }
  return {};
}

// sentinel://[user:password@]HOST:PORT[,HOST:PORT...]/MASTER-NAME, after the scheme.
std::variant<ClusterUrl, std::string> parseSentinelUrl(std::string_view rest) {
  constexpr std::uint16_t kSentinelPort = 26379;
  ClusterUrl url;
  std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::string("expected /MASTER-NAME after the sentinels");
  std::string_view name = rest.substr(slash + 1);
  rest = rest.substr(0, slash);
  // Sentinel's +switch-master event separates the name from the addresses
  // by spaces: a name with one could never be followed.
  if (name.empty()) return std::string("no master name after '/'");
  for (char c : name) {
    if (c <= ' ' || c == 0x7f || c == '/') return "bad character in the master name '" + std::string(name) + "'";
  }
  url.masterName = std::string(name);
  if (std::string problem = takeCredentials(rest, url); !problem.empty()) return problem;
  while (true) {
    std::size_t comma = rest.find(',');
    HostPort sentinel{{}, kSentinelPort};
    if (std::string problem = parseHostPort(rest.substr(0, comma), sentinel); !problem.empty()) {
      return problem + " (sentinel " + std::to_string(url.sentinels.size() + 1) + ")";
    }
    url.sentinels.push_back(std::move(sentinel));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  url.host.clear();  // named by the Sentinels
  return url;
}

}  // namespace

std::string redactedClusterUrl(std::string_view text) {
  std::size_t hostStart = text.find("://");
  hostStart = hostStart == std::string_view::npos ? 0 : hostStart + 3;
  std::size_t slash = text.find('/', hostStart);
  std::size_t at = text.substr(0, slash).rfind('@');
  if (at == std::string_view::npos || at < hostStart) return std::string(text);
  std::string_view credentials = text.substr(hostStart, at - hostStart);
  std::size_t colon = credentials.find(':');
  std::string_view user = colon == std::string_view::npos ? std::string_view() : credentials.substr(0, colon + 1);
  return std::string(text.substr(0, hostStart)) + std::string(user) + "***" + std::string(text.substr(at));
}

std::variant<ClusterUrl, std::string> parseClusterUrl(std::string_view text) {
  constexpr std::string_view kScheme = "redis://";
  constexpr std::string_view kSentinelScheme = "sentinel://";
  if (text.starts_with(kSentinelScheme)) return parseSentinelUrl(text.substr(kSentinelScheme.size()));
  if (!text.starts_with(kScheme)) {
    return std::string("expected redis://[user:password@]HOST:PORT or sentinel://HOST:PORT[,HOST:PORT...]/MASTER-NAME");
  }
  std::string_view rest = text.substr(kScheme.size());
  ClusterUrl url;
  if (std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty() && (!parseNumber(db, url.database) || url.database < 0)) {
      return "the database after '/' must be a number, not '" + std::string(db) + "'";
    }
  }
  if (std::string problem = takeCredentials(rest, url); !problem.empty()) return problem;
  HostPort master{{}, url.port};
  if (std::string problem = parseHostPort(rest, master); !problem.empty()) return problem;
  url.host = std::move(master.host);
  url.port = master.port;
  return url;
}

}  // namespace linecast
