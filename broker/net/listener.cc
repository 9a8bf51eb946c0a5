#include "net/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace linecast {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

std::string formatAddress(const void* storage) {
  char text[INET6_ADDRSTRLEN] = "?";
  const auto* sa = static_cast<const sockaddr*>(storage);
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = static_cast<const sockaddr_in6*>(storage);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    return fmt::format("[{}]:{}", text, ntohs(in6->sin6_port));
  }
  const auto* in4 = static_cast<const sockaddr_in*>(storage);
  ::inet_ntop(AF_INET, &in4->sin_addr, text, sizeof text);
  return fmt::format("{}:{}", text, ntohs(in4->sin_port));
}

Listener::Listener(const std::string& bindAddress, std::uint16_t port) {
  sockaddr_storage addr{};
  socklen_t len;
  auto* in4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (::inet_pton(AF_INET, bindAddress.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, bindAddress.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
  } else {
    errno = EINVAL;
    fail("invalid bind address '" + bindAddress + "'");
  }
  fd_ = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) fail("socket");
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  std::string where = formatAddress(&addr);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) < 0) {
    int saved = errno;
    ::close(fd_);
    errno = saved;
    fail("bind " + where);
  }
  if (::listen(fd_, SOMAXCONN) < 0) fail("listen " + where);
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  address_ = formatAddress(&addr);
  port_ = ntohs(addr.ss_family == AF_INET6 ? in6->sin6_port : in4->sin_port);
  spareFd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

Listener::~Listener() {
  close();
  if (spareFd_ >= 0) ::close(spareFd_);
}

void Listener::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

// Out of descriptors: give up the spare one for a moment to accept the
// oldest waiting connection and close it at once, so the queue drains
// instead of raising the same edge forever.
Listener::AcceptResult Listener::shedOne(int& fd) {
  fd = -1;
  if (spareFd_ < 0) spareFd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (spareFd_ < 0) return AcceptResult::kStalled;
  ::close(spareFd_);
  int shed = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  int acceptErrno = errno;
  if (shed >= 0) ::close(shed);
  spareFd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (shed >= 0 || acceptErrno == EINTR || acceptErrno == ECONNABORTED) return AcceptResult::kDropped;
  // Linux says EMFILE before it looks at the queue: only now do we learn
  // that nothing was waiting.
  if (acceptErrno == EAGAIN) return AcceptResult::kDrained;
  return AcceptResult::kStalled;  // still no descriptor: retried by the cron
}

Listener::AcceptResult Listener::acceptOne(int& fd, PeerAddress& peer) {
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      int one = 1;
      // Output is already batched once per turn; Nagle would only add delay.
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      peer = PeerAddress::of(&addr);
      return AcceptResult::kAccepted;
    }
    switch (errno) {
      case EINTR:
      case ECONNABORTED:
        continue;
      case EAGAIN:
        return AcceptResult::kDrained;
      case EMFILE:
      case ENFILE:
        return shedOne(fd);
      default:
        return AcceptResult::kError;
    }
  }
}

}  // namespace linecast
