#include "net/transport.h"

#include <sys/socket.h>
#include <unistd.h>

namespace linecast {

PlainTransport& PlainTransport::instance() {
  static PlainTransport plain;  // stateless: one for every connection
  return plain;
}

ssize_t PlainTransport::receive(int fd, iovec* iov, int count) { return ::readv(fd, iov, count); }

ssize_t PlainTransport::send(int fd, const iovec* iov, int count) {
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(iov);
  msg.msg_iovlen = static_cast<std::size_t>(count);
  // sendmsg is writev with flags: MSG_NOSIGNAL keeps a closed peer from
  // raising SIGPIPE even where the process did not ignore it.
  return ::sendmsg(fd, &msg, MSG_NOSIGNAL);
}

bool PlainTransport::absorb(std::string_view received, RingBuffer& in, std::size_t limit) {
  if (!in.reserve(received.size(), limit)) return false;
  in.append(received);
  return true;
}

void PlainTransport::shutdownWrite(int fd) { ::shutdown(fd, SHUT_WR); }

void PlainTransport::sendBestEffort(int fd, std::string_view frame) {
  ssize_t ignored = ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  (void)ignored;
}

}  // namespace linecast
