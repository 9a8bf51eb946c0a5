#include "test_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "tls_pass.h"

namespace linecast::test {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxLineBytes = 64u << 20;  // a runaway line fails the test
constexpr int kMaxIterations = 10'000'000;        // belt and braces next to deadlines

std::string errnoText(int err) { return std::string(std::strerror(err)); }

}  // namespace

TestClient::~TestClient() { close(); }

TestClient::TestClient(TestClient&& other) noexcept { *this = std::move(other); }

TestClient& TestClient::operator=(TestClient&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    ssl_ = std::exchange(other.ssl_, nullptr);
    in_ = std::move(other.in_);
    pos_ = std::exchange(other.pos_, 0);
    scan_ = std::exchange(other.scan_, 0);
    eof_ = std::exchange(other.eof_, false);
    lastErrno_ = std::exchange(other.lastErrno_, 0);
  }
  return *this;
}

::testing::AssertionResult TestClient::connect(std::uint16_t port, const Options& options) {
  close();
  in_.clear();
  pos_ = scan_ = 0;
  eof_ = false;
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return ::testing::AssertionFailure() << "socket(): " << errnoText(errno);
  if (options.rcvbuf > 0) {
    // Before connect(), so the window scale offered in the SYN fits it.
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &options.rcvbuf, sizeof options.rcvbuf);
  }
  if (options.nodelay) {
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) {
      int err = errno;
      close();
      return ::testing::AssertionFailure() << "connect(127.0.0.1:" << port << "): " << errnoText(err);
    }
    pollfd p{fd_, POLLOUT, 0};
    int n = ::poll(&p, 1, static_cast<int>(options.connectTimeout.count()));
    if (n <= 0) {
      close();
      return ::testing::AssertionFailure() << "connect(127.0.0.1:" << port << ") timed out";
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      close();
      return ::testing::AssertionFailure() << "connect(127.0.0.1:" << port << "): " << errnoText(err);
    }
  }
  if (tlsPass()) return handshake(Clock::now() + options.connectTimeout);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult TestClient::handshake(Clock::time_point deadline) {
  ssl_ = SSL_new(tlsClientContext());
  SSL_set_fd(ssl_, fd_);
  SSL_set_tlsext_host_name(ssl_, "localhost");
  for (int i = 0; i < kMaxIterations; ++i) {
    int rc = SSL_connect(ssl_);
    if (rc == 1) return ::testing::AssertionSuccess();
    int err = SSL_get_error(ssl_, rc);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) break;
    int wait = msUntil(deadline);
    if (wait == 0) break;
    pollfd p{fd_, static_cast<short>(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
    ::poll(&p, 1, wait);
  }
  char reason[256] = "timed out";
  if (unsigned long code = ERR_get_error()) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  close();
  return ::testing::AssertionFailure() << "TLS handshake failed: " << reason;
}

long TestClient::tlsIo(bool write, char* data, std::size_t size, short& events) {
  ERR_clear_error();
  int n = write ? SSL_write(ssl_, data, static_cast<int>(size)) : SSL_read(ssl_, data, static_cast<int>(size));
  if (n > 0) return n;
  int err = SSL_get_error(ssl_, n);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    events = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
    return 0;
  }
  if (err == SSL_ERROR_SYSCALL) lastErrno_ = errno != 0 ? errno : ECONNRESET;
  ERR_clear_error();
  return -1;
}

long TestClient::sendSome(std::string_view bytes) {
  if (fd_ < 0) return -1;
  if (bytes.empty()) return 0;
  if (ssl_ != nullptr) {
    short events = 0;
    long n = tlsIo(true, const_cast<char*>(bytes.data()), bytes.size(), events);
    if (n < 0 && lastErrno_ == 0) lastErrno_ = EPIPE;
    return n;
  }
  ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n >= 0) return static_cast<long>(n);
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
  lastErrno_ = errno;
  return -1;
}

::testing::AssertionResult TestClient::send(std::string_view bytes, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::size_t done = 0;
  for (int i = 0; i < kMaxIterations && done < bytes.size(); ++i) {
    long n = sendSome(bytes.substr(done));
    if (n < 0) {
      return ::testing::AssertionFailure() << "send failed after " << done << " of " << bytes.size()
                                           << " bytes: " << errnoText(lastErrno_);
    }
    done += static_cast<std::size_t>(n);
    if (done == bytes.size()) break;
    if (n == 0) {
      if (Clock::now() >= deadline) break;
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, msUntil(deadline));
    }
  }
  if (done < bytes.size()) {
    return ::testing::AssertionFailure() << "send blocked: " << done << " of " << bytes.size()
                                         << " bytes sent within " << timeout.count() << " ms";
  }
  return ::testing::AssertionSuccess();
}

TestClient::Fill TestClient::fill(Clock::time_point deadline) {
  if (fd_ < 0 || eof_) return Fill::kClosed;
  for (int i = 0; i < kMaxIterations; ++i) {
    char chunk[kReadChunk];
    if (ssl_ != nullptr) {
      short events = POLLIN;
      long n = tlsIo(false, chunk, sizeof chunk, events);
      if (n > 0) {
        compact();
        in_.append(chunk, static_cast<std::size_t>(n));
        return Fill::kData;
      }
      if (n < 0) {
        eof_ = true;  // close_notify, EOF or a reset: the peer is gone
        return Fill::kClosed;
      }
      int wait = msUntil(deadline);
      if (wait == 0) return Fill::kTimeout;
      pollfd p{fd_, events, 0};
      ::poll(&p, 1, wait);
      continue;
    }
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      compact();
      in_.append(chunk, static_cast<std::size_t>(n));
      return Fill::kData;
    }
    if (n == 0) {
      eof_ = true;
      return Fill::kClosed;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      // ECONNRESET and friends: the peer is gone just the same.
      lastErrno_ = errno;
      eof_ = true;
      return Fill::kClosed;
    }
    int wait = msUntil(deadline);
    if (wait == 0) return Fill::kTimeout;
    pollfd p{fd_, POLLIN, 0};
    ::poll(&p, 1, wait);
  }
  return Fill::kTimeout;
}

void TestClient::compact() {
  // Keep appends amortised O(1) without letting consumed bytes pile up.
  if (pos_ > (1u << 20) && pos_ * 2 > in_.size()) {
    in_.erase(0, pos_);
    pos_ = 0;
  }
}

std::optional<std::string> TestClient::readLine(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (int i = 0; i < kMaxIterations; ++i) {
    const char* start = in_.data() + pos_ + scan_;
    std::size_t avail = in_.size() - pos_ - scan_;
    if (const void* nl = std::memchr(start, '\n', avail)) {
      std::size_t len = static_cast<std::size_t>(static_cast<const char*>(nl) - (in_.data() + pos_));
      std::string line = in_.substr(pos_, len);
      pos_ += len + 1;
      scan_ = 0;
      if (pos_ == in_.size()) {
        in_.clear();
        pos_ = 0;
      }
      return line;
    }
    scan_ = in_.size() - pos_;
    if (scan_ > kMaxLineBytes) return std::nullopt;
    if (fill(deadline) != Fill::kData) return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> TestClient::readExactly(std::size_t n, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (int i = 0; i < kMaxIterations; ++i) {
    if (in_.size() - pos_ >= n) {
      std::string bytes = in_.substr(pos_, n);
      pos_ += n;
      scan_ = 0;
      if (pos_ == in_.size()) {
        in_.clear();
        pos_ = 0;
      }
      return bytes;
    }
    if (fill(deadline) != Fill::kData) return std::nullopt;
  }
  return std::nullopt;
}

::testing::AssertionResult TestClient::expectLine(std::string_view expected, milliseconds timeout) {
  auto line = readLine(timeout);
  if (!line) {
    auto failure = ::testing::AssertionFailure() << "expected line " << escapeBytes(expected) << " but ";
    if (eof_) {
      failure << "the connection was closed";
    } else {
      failure << "none arrived within " << timeout.count() << " ms";
    }
    if (buffered() > 0) failure << " (unterminated bytes: " << escapeBytes(in_.substr(pos_)) << ")";
    return failure;
  }
  if (*line != expected) {
    return ::testing::AssertionFailure() << "expected line " << escapeBytes(expected) << "\n         got line "
                                         << escapeBytes(*line);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult TestClient::expectClosed(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (int i = 0; i < kMaxIterations; ++i) {
    if (buffered() > 0) {
      return ::testing::AssertionFailure() << "expected the connection to close, but got "
                                           << escapeBytes(in_.substr(pos_));
    }
    Fill f = fill(deadline);
    if (f == Fill::kClosed) {
      if (buffered() > 0) continue;  // report the bytes above
      return ::testing::AssertionSuccess();
    }
    if (f == Fill::kTimeout) break;
  }
  if (buffered() > 0) {
    return ::testing::AssertionFailure() << "expected the connection to close, but got "
                                         << escapeBytes(in_.substr(pos_));
  }
  return ::testing::AssertionFailure() << "the connection was still open after " << timeout.count() << " ms";
}

::testing::AssertionResult TestClient::expectNothing(milliseconds window) {
  if (buffered() > 0) {
    return ::testing::AssertionFailure() << "expected nothing, but had " << escapeBytes(in_.substr(pos_));
  }
  auto deadline = Clock::now() + window;
  Fill f = fill(deadline);
  if (f == Fill::kData) {
    // Give the rest of a line a moment so the message shows all of it.
    readLine(milliseconds(50));
    return ::testing::AssertionFailure() << "expected nothing for " << window.count() << " ms, but got "
                                         << escapeBytes(in_.substr(pos_));
  }
  if (f == Fill::kClosed) {
    return ::testing::AssertionFailure() << "expected nothing for " << window.count()
                                         << " ms, but the connection was closed";
  }
  return ::testing::AssertionSuccess();
}

std::optional<std::string> TestClient::readUntilClosed(milliseconds timeout, std::size_t maxBytes) {
  auto deadline = Clock::now() + timeout;
  for (int i = 0; i < kMaxIterations; ++i) {
    if (in_.size() - pos_ > maxBytes) return std::nullopt;
    Fill f = fill(deadline);
    if (f == Fill::kClosed) {
      std::string rest = in_.substr(pos_);
      in_.clear();
      pos_ = scan_ = 0;
      return rest;
    }
    if (f == Fill::kTimeout) return std::nullopt;
  }
  return std::nullopt;
}

::testing::AssertionResult TestClient::ping(std::string_view text, milliseconds timeout) {
  std::string cmd = "PING ";
  cmd += text;
  cmd += '\n';
  auto sent = send(cmd, timeout);
  if (!sent) return sent;
  std::string expected = "PONG ";
  expected += text;
  return expectLine(expected, timeout);
}

std::size_t TestClient::discardInput() {
  std::size_t dropped = buffered();
  in_.clear();
  pos_ = scan_ = 0;
  for (int i = 0; i < 1000 && fill(Clock::now()) == Fill::kData; ++i) {
    dropped += in_.size();
    in_.clear();
  }
  return dropped;
}

void TestClient::shutdownWrite() {
  if (fd_ < 0) return;
  // close_notify first, as a TLS client's half-close sends it.
  if (ssl_ != nullptr) SSL_shutdown(ssl_);
  ::shutdown(fd_, SHUT_WR);
}

void TestClient::setLingerZero() {
  if (fd_ < 0) return;
  linger l{};
  l.l_onoff = 1;
  l.l_linger = 0;
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

void TestClient::close() {
  if (ssl_ != nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace linecast::test
