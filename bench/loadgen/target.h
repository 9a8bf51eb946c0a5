#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

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

// 127.0.0.0/8, ::1 and IPv4-mapped 127.0.0.0/8.
bool isLoopback(const sockaddr* addr);

}  // namespace linecast::bench
