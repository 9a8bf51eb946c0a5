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
  if (!text.starts_with(kScheme)) return std::string("expected redis://[user:password@]HOST:PORT");
  std::string_view rest = text.substr(kScheme.size());
  ClusterUrl url;
  if (std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty() && (!parseNumber(db, url.database) || url.database < 0)) {
      return "the database after '/' must be a number, not '" + std::string(db) + "'";
    }
  }
  // The last '@' ends the credentials: a password may hold a raw '@'.
  if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    std::size_t colon = credentials.find(':');
    std::string_view user = credentials.substr(0, colon);
    std::string_view password =
        colon == std::string_view::npos ? std::string_view() : credentials.substr(colon + 1);
    if (colon == std::string_view::npos) {
      // redis://password@host, as redis-cli reads it.
      password = user;
      user = {};
    }
    if (!percentDecode(user, url.user) || !percentDecode(password, url.password)) {
      return std::string("bad percent-encoding in the credentials");
    }
  }
  std::string_view port;
  if (rest.starts_with('[')) {
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return std::string("an IPv6 address needs its closing ']'");
    url.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return std::string("expected ':' and a port after ']'");
      port = after.substr(1);
      if (port.empty()) return std::string("empty port");
    }
  } else {
    std::size_t colon = rest.rfind(':');
    url.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = rest.substr(colon + 1);
      if (port.empty()) return std::string("empty port");
    }
  }
  if (url.host.empty()) return std::string("no host");
  for (char c : url.host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '-' || c == '_' || c == ':';
    if (!ok) return "bad character in the host '" + url.host + "'";
  }
  if (!port.empty() && (!parseNumber(port, url.port) || url.port == 0)) {
    return "the port must be 1-65535, not '" + std::string(port) + "'";
  }
  return url;
}

}  // namespace linecast
