// The transport seam, on both I/O backends: a listener row whose transport
// transforms every byte (XOR with 0x5A, a stand-in for TLS's records) must
// carry the line protocol, RESP detection and a clean close exactly as the
// plain socket does. Under epoll the transport reads and writes the socket;
// under io_uring the kernel does, and the transport absorbs what arrived
// and seals the output into a ring of its own before each send.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <string>
#include <vector>

#include "in_process_server.h"

namespace linecast::testing {
namespace {

constexpr char kKey = 0x5A;

std::string scramble(std::string_view bytes) {
  std::string out(bytes);
  for (char& c : out) c ^= kKey;
  return out;
}

struct Calls {
  std::atomic<int> receives{0};
  std::atomic<int> sends{0};
  std::atomic<int> absorbs{0};
  std::atomic<int> seals{0};
};

class ScrambleTransport final : public Transport {
 public:
  explicit ScrambleTransport(Calls& calls) : calls_(calls) {}

  ssize_t receive(int fd, iovec* iov, int count) override {
    ++calls_.receives;
    ssize_t n = ::readv(fd, iov, count);
    std::size_t left = n > 0 ? static_cast<std::size_t>(n) : 0;
    for (int i = 0; i < count && left > 0; ++i) {
      auto* bytes = static_cast<char*>(iov[i].iov_base);
      std::size_t here = std::min(left, iov[i].iov_len);
      for (std::size_t j = 0; j < here; ++j) bytes[j] ^= kKey;
      left -= here;
    }
    return n;
  }

  ssize_t send(int fd, const iovec* iov, int count) override {
    ++calls_.sends;
    out_.clear();
    for (int i = 0; i < count; ++i) {
      out_.append(scramble({static_cast<const char*>(iov[i].iov_base), iov[i].iov_len}));
    }
    return ::send(fd, out_.data(), out_.size(), MSG_NOSIGNAL);
  }

  bool absorb(std::string_view received, RingBuffer& in, std::size_t limit) override {
    ++calls_.absorbs;
    if (!in.reserve(received.size(), limit)) return false;
    in.append(scramble(received));
    return true;
  }

  RingBuffer& seal(RingBuffer& output) override {
    ++calls_.seals;
    for (auto span : output.readableSpans()) {
      if (span.empty()) continue;
      wire_.reserve(span.size(), std::size_t{1} << 30);
      wire_.append(scramble({span.data(), span.size()}));
    }
    output.consume(output.size());
    return wire_;
  }
  RingBuffer& wire(RingBuffer&) override { return wire_; }
  bool pendingWire() const override { return !wire_.empty(); }

  void shutdownWrite(int fd) override { ::shutdown(fd, SHUT_WR); }
  void sendBestEffort(int fd, std::string_view frame) override {
    std::string scrambled = scramble(frame);
    ssize_t ignored = ::send(fd, scrambled.data(), scrambled.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
  }

 private:
  Calls& calls_;
  std::string out_;
  RingBuffer wire_;
};

class TransportSeamTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    Config config = inProcessConfig();
    config.io = GetParam();
    if (config.io == "uring" && !ioUringBuiltIn()) GTEST_SKIP() << "built without io_uring";
    ListenerSpec row{"main", "127.0.0.1", 0, {"resp", "line"},
                     [this] { return std::make_unique<ScrambleTransport>(calls_); }, nullptr, false};
    server_ = std::make_unique<Server>(config, nullptr, 0, std::vector<ListenerSpec>{row});
  }
  void TearDown() override {
    for (int fd : fds_) ::close(fd);
  }

  int connect() {
    int fd = connectTo(server_->port());
    fds_.push_back(fd);
    return fd;
  }
  void say(int fd, std::string_view plaintext) {
    ASSERT_TRUE(sendAll(*server_, fd, scramble(plaintext)));
  }
  // Turns the server and reads (descrambled) until `want` bytes came or
  // the peer closed; `closed` tells which.
  std::string hear(int fd, std::size_t want, bool* closed = nullptr) {
    std::string got;
    char buf[65536];
    for (int spins = 0; got.size() < want && spins < 100000; ++spins) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n == 0) {
        if (closed != nullptr) *closed = true;
        break;
      }
      if (n > 0) {
        got += scramble({buf, static_cast<std::size_t>(n)});
      } else {
        server_->runOnce(1);
      }
    }
    return got;
  }

  Calls calls_;
  std::unique_ptr<Server> server_;
  std::vector<int> fds_;
};

TEST_P(TransportSeamTest, LineProtocolRespAndCloseRunOverATransformingTransport) {
  int sub = connect();
  say(sub, "SUB room.>\nPING\n");
  ASSERT_EQ(hear(sub, 5), "PONG\n");

  int pub = connect();
  std::string published;
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    std::string payload = "volume " + std::to_string(i) + std::string(i % 97, 'v');
    published += "PUB room.tv " + payload + "\n";
    expected += "MSG room.tv " + payload + "\n";
  }
  say(pub, published);
  EXPECT_EQ(hear(sub, expected.size()), expected);

  // First-byte detection sees plaintext: '*' picks RESP after the transport.
  int resp = connect();
  say(resp, "*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(hear(resp, 7), "+PONG\r\n");

  // QUIT: the last line, then the transport's shutdown and our FIN.
  bool closed = false;
  say(sub, "QUIT\n");
  EXPECT_EQ(hear(sub, 1 << 20, &closed), "+OK bye\n");
  EXPECT_TRUE(closed);

  if (std::string_view(GetParam()) == "uring") {
    EXPECT_GT(calls_.absorbs.load(), 0);
    EXPECT_GT(calls_.seals.load(), 0);
  } else {
    EXPECT_GT(calls_.receives.load(), 0);
    EXPECT_GT(calls_.sends.load(), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, TransportSeamTest, ::testing::Values("epoll", "uring"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace linecast::testing
