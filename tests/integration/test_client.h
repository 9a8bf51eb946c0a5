#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "test_util.h"

typedef struct ssl_st SSL;

namespace linecast::test {

// A client of the line protocol over a loopback TCP socket, for tests. The
// socket is non-blocking and every call waits with poll() up to a deadline,
// so no test can hang on it. In the suite's TLS pass (tls_pass.h) it
// handshakes on connect and reads and writes through OpenSSL. Lines are returned without their '\n' (a '\r'
// the server should not have sent stays visible). Owns its socket. Not
// thread-safe: one thread per client.
//
// Reads are buffered:
//
//   in_: | consumed | unread bytes .......... |
//        0          pos_                      in_.size()
class TestClient {
 public:
  struct Options {
    int rcvbuf = 0;      // SO_RCVBUF before connect(); 0 keeps the default
    bool nodelay = true; // TCP_NODELAY, so each send() is its own segment
    milliseconds connectTimeout = kDefaultTimeout;
  };

  TestClient() = default;
  ~TestClient();
  TestClient(TestClient&& other) noexcept;
  TestClient& operator=(TestClient&& other) noexcept;
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  // Connects to 127.0.0.1:port.
  ::testing::AssertionResult connect(std::uint16_t port, const Options& options);
  ::testing::AssertionResult connect(std::uint16_t port) { return connect(port, Options{}); }

  // Sends all bytes, or fails when the deadline passes or the peer is gone.
  ::testing::AssertionResult send(std::string_view bytes, milliseconds timeout = kDefaultTimeout);
  // Sends what the socket takes now; returns the count, or -1 when the
  // connection is broken (EPIPE, ECONNRESET).
  long sendSome(std::string_view bytes);

  // The next line without its '\n'; nullopt on timeout or when the peer
  // closed before a full line arrived.
  std::optional<std::string> readLine(milliseconds timeout = kDefaultTimeout);
  // The next n bytes, whatever they hold (a binary frame); nullopt on
  // timeout or when the peer closed before n arrived.
  std::optional<std::string> readExactly(std::size_t n, milliseconds timeout = kDefaultTimeout);
  // The next line must be exactly `expected`.
  ::testing::AssertionResult expectLine(std::string_view expected, milliseconds timeout = kDefaultTimeout);
  // The peer must close (EOF or reset) with no further bytes.
  ::testing::AssertionResult expectClosed(milliseconds timeout = kDefaultTimeout);
  // No byte may arrive (and the peer must not close) within the window.
  ::testing::AssertionResult expectNothing(milliseconds window = kQuietWindow);
  // Everything still to come until the peer closes; nullopt if it has not
  // closed in time or sent more than maxBytes.
  std::optional<std::string> readUntilClosed(milliseconds timeout = kDefaultTimeout,
                                             std::size_t maxBytes = 256u << 20);
  // Barrier: PING <text>, then the next line must be PONG <text>.
  ::testing::AssertionResult ping(std::string_view text = "sync", milliseconds timeout = kDefaultTimeout);

  // Reads and drops whatever has arrived, without waiting; returns the
  // count of bytes dropped (the peer's close shows in peerClosed()).
  std::size_t discardInput();

  void shutdownWrite();
  // close() then sends RST instead of FIN.
  void setLingerZero();
  void close();

  bool isOpen() const { return fd_ >= 0; }
  bool peerClosed() const { return eof_; }
  int fd() const { return fd_; }
  // Unread bytes already received.
  std::size_t buffered() const { return in_.size() - pos_; }

 private:
  enum class Fill { kData, kTimeout, kClosed };
  // Waits for and appends one recv() worth of bytes.
  Fill fill(Clock::time_point deadline);
  void compact();
  ::testing::AssertionResult handshake(Clock::time_point deadline);
  // One read or write through TLS: > 0 bytes, 0 would block (`events` says
  // what to poll for), -1 the connection is closed or broken.
  long tlsIo(bool write, char* data, std::size_t size, short& events);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string in_;
  std::size_t pos_ = 0;   // first unread byte
  std::size_t scan_ = 0;  // bytes from pos_ known to hold no '\n'
  bool eof_ = false;
  int lastErrno_ = 0;
};

}  // namespace linecast::test
