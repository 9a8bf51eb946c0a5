#include "loadgen/target.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cstring>

#include <fmt/format.h>

namespace linecast::bench {

bool isLoopback(const sockaddr* addr) {
  if (addr->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (addr->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) return in6->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

Target resolveTarget(const std::string& host, std::uint16_t port, bool allowRemote) {
  Target t;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    t.error = fmt::format("cannot resolve {}: {}", host, gai_strerror(rc));
    return t;
  }
  std::memcpy(&t.addr, found->ai_addr, found->ai_addrlen);
  t.length = found->ai_addrlen;
  freeaddrinfo(found);

  char buf[INET6_ADDRSTRLEN] = {};
  const sockaddr* sa = reinterpret_cast<const sockaddr*>(&t.addr);
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
    t.text = fmt::format("{}:{}", buf, port);
  } else {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
    t.text = fmt::format("[{}]:{}", buf, port);
  }
  if (!allowRemote && !isLoopback(sa)) {
    t.error = fmt::format(
        "refusing to load {} ({}): only loopback targets (127.0.0.0/8, ::1) unless --allow-remote",
        host, t.text);
  }
  return t;
}

std::string Targets::text() const {
  if (subscribers.empty()) return publishers.text;
  std::string out = publishers.text + " ->";
  char separator = ' ';
  for (const Target& t : subscribers) {
    out += separator;
    out += t.text;
    separator = ',';
  }
  return out;
}

std::string Targets::error() const {
  if (!publishers.error.empty()) return publishers.error;
  for (const Target& t : subscribers)
    if (!t.error.empty()) return t.error;
  return "";
}

Targets resolveTargets(const std::string& host, std::uint16_t port,
                       const std::vector<std::uint16_t>& subscriberPorts, bool allowRemote) {
  Targets targets{resolveTarget(host, port, allowRemote), {}};
  for (std::uint16_t p : subscriberPorts) targets.subscribers.push_back(resolveTarget(host, p, allowRemote));
  return targets;
}

}  // namespace linecast::bench
