#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

namespace linecast::bench {

// The broker's address. The loadgen is a traffic generator, so by default it
// refuses anything but this machine's loopback (127.0.0.0/8 and ::1): a typo
// in --host must not point a flood at someone else's server.
struct Target {
  sockaddr_storage addr{};
  socklen_t length = 0;
  std::string text;   // "127.0.0.1:7400", for reports
  std::string error;  // set when resolving or the loopback check failed
};

Target resolveTarget(const std::string& host, std::uint16_t port, bool allowRemote);

// Where each connection of a run goes: publishers to `publishers`, and
// subscriber s (stalled ones too) to subscribers[s % size], or to the
// publishers' address when there is no list (--subscriber-ports): a
// cluster's publisher on one node and its subscribers spread over others.
struct Targets {
  Target publishers;
  std::vector<Target> subscribers;

  const Target& ofSubscriber(std::uint32_t s) const {
    return subscribers.empty() ? publishers : subscribers[s % subscribers.size()];
  }
  // "127.0.0.1:7400", or "127.0.0.1:7400 -> 127.0.0.1:7500,127.0.0.1:7600"
  // (publishers -> subscribers), for reports.
  std::string text() const;
  // The first resolving or loopback error, or "".
  std::string error() const;
};

Targets resolveTargets(const std::string& host, std::uint16_t port,
                       const std::vector<std::uint16_t>& subscriberPorts, bool allowRemote);

// 127.0.0.0/8, ::1 and IPv4-mapped 127.0.0.0/8.
bool isLoopback(const sockaddr* addr);

}  // namespace linecast::bench
