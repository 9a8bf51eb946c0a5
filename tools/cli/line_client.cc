#include "line_client.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace linecast::cli {
namespace {

// A server line longer than this is treated as a broken connection, so a
// misbehaving peer cannot make the CLI grow without bound. The broker's own
// --max-line is 1 MiB by default.
constexpr std::size_t kMaxServerLine = 64 * 1024 * 1024;

int pollOne(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  int ms = timeout.count() < 0 ? -1 : static_cast<int>(timeout.count());
  for (;;) {
    int rc = ::poll(&p, 1, ms);
    if (rc < 0 && errno == EINTR) continue;
    return rc;
  }
}

}  // namespace

LineClient::~LineClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool LineClient::connect(const std::string& host, unsigned port, std::chrono::milliseconds timeout,
                         const TlsOptions& tls) {
  if (!connectTcp(host, port, timeout)) return false;
  if (!tls.enabled) return true;
  tls_ = std::make_unique<ClientTls>();
  std::string why;
  if (!tls_->handshake(fd_, host, tls, timeout, why)) {
    error_ = fmt::format("TLS handshake with {} failed: {}", address_, why);
    return false;
  }
  return true;
}

bool LineClient::connectTcp(const std::string& host, unsigned port, std::chrono::milliseconds timeout) {
  address_ = host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                                 : fmt::format("{}:{}", host, port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    error_ = fmt::format("cannot resolve {}: {}", host, ::gai_strerror(rc));
    return false;
  }
  std::string lastError = "no address";
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      lastError = std::strerror(errno);
      continue;
    }
    rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc < 0 && errno == EINPROGRESS) {
      int ready = pollOne(fd, POLLOUT, timeout);
      if (ready == 0) {
        ::close(fd);
        lastError = "timed out";
        continue;
      }
      int soError = 0;
      socklen_t len = sizeof soError;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len);
      rc = soError == 0 ? 0 : -1;
      errno = soError;
    }
    if (rc < 0) {
      lastError = std::strerror(errno);
      ::close(fd);
      continue;
    }
    // Round trips (ping) and interactive publishing should not wait for Nagle.
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fd_ = fd;
    ::freeaddrinfo(found);
    return true;
  }
  ::freeaddrinfo(found);
  error_ = fmt::format("cannot connect to {}: {}", address_, lastError);
  return false;
}

long LineClient::sendSome(std::string_view data) {
  if (tls_) {
    long n = tls_->write(data.data(), data.size());
    if (n > 0) return n;
    if (n == ClientTls::kWantRead || n == ClientTls::kWantWrite) return -2;
    error_ = fmt::format("connection to {} lost: {}", address_, n == ClientTls::kEof ? "closed" : tls_->lastError());
    return -1;
  }
  for (;;) {
    // MSG_NOSIGNAL: a closed connection is an error to report, not a SIGPIPE.
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return -2;
    error_ = fmt::format("connection to {} lost: {}", address_, std::strerror(errno));
    return -1;
  }
}

bool LineClient::sendAll(std::string_view data) {
  while (!data.empty()) {
    long n = sendSome(data);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n == -2) {
      // The server always reads (it never blocks publishers), so this wait ends;
      // meanwhile take in what it sent so that neither side stalls on a full buffer.
      // After EOF the next send() fails with EPIPE, which ends this loop.
      pumpNonBlocking();
      pollOne(fd_, POLLOUT | POLLIN, std::chrono::milliseconds(100));
      continue;
    }
    return false;
  }
  return true;
}

int LineClient::readSome() {
  if (start_ > 0 && start_ * 2 >= buffer_.size()) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  char chunk[65536];
  if (tls_) {
    long n = tls_->read(chunk, sizeof chunk);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return 1;
    }
    if (n == ClientTls::kEof) return 0;
    if (n == ClientTls::kWantRead || n == ClientTls::kWantWrite) return -2;
    error_ = fmt::format("connection to {} lost: {}", address_, tls_->lastError());
    return -1;
  }
  for (;;) {
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return 1;
    }
    if (n == 0) return 0;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return -2;
    error_ = fmt::format("connection to {} lost: {}", address_, std::strerror(errno));
    return -1;
  }
}

bool LineClient::hasBufferedLine() const {
  return buffer_.find('\n', start_) != std::string::npos;
}

bool LineClient::pumpNonBlocking() {
  for (int i = 0; i < 64; ++i) {  // bounded: a flood is read on the next call
    int rc = readSome();
    if (rc == 1) continue;
    return rc == -2;
  }
  return true;
}

LineClient::Read LineClient::readLine(std::string& line, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::size_t nl = buffer_.find('\n', start_);
    if (nl != std::string::npos) {
      line.assign(buffer_, start_, nl - start_);
      start_ = nl + 1;
      return Read::kLine;
    }
    if (buffer_.size() - start_ > kMaxServerLine) {
      error_ = fmt::format("line from {} longer than {} bytes", address_, kMaxServerLine);
      return Read::kError;
    }
    int rc = readSome();
    if (rc == 1) continue;
    if (rc == 0) return Read::kEof;
    if (rc == -1) return Read::kError;
    std::chrono::milliseconds wait(-1);
    if (timeout.count() >= 0) {
      wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (wait.count() <= 0) return Read::kTimeout;
    }
    pollOne(fd_, POLLIN, wait);
  }
}

ServerLine classify(std::string_view line) {
  ServerLine out;
  if (line.starts_with("MSG ")) {
    std::string_view rest = line.substr(4);
    std::size_t space = rest.find(' ');
    out.kind = ServerLine::Kind::kMsg;
    out.channel = rest.substr(0, space);
    if (space != std::string_view::npos) out.payload = rest.substr(space + 1);
  } else if (line == "PONG" || line.starts_with("PONG ")) {
    out.kind = ServerLine::Kind::kPong;
    if (line.size() > 5) out.payload = line.substr(5);
  } else if (line == "+OK" || line.starts_with("+OK ")) {
    out.kind = ServerLine::Kind::kOk;
  } else if (line.starts_with("-ERR")) {
    out.kind = ServerLine::Kind::kErr;
    out.payload = line.size() > 5 ? line.substr(5) : std::string_view{};
    // The max-conns refusal ends in "\r\n" so that it is valid RESP as well.
    if (out.payload.ends_with('\r')) out.payload.remove_suffix(1);
  }
  return out;
}

}  // namespace linecast::cli
