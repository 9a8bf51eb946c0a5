// TlsTransport's batched sends: after the handshake, the records one send()
// seals leave in one sendmsg, not one write per record. A SOCK_SEQPACKET
// pair keeps each sendmsg a packet of its own, so the client counts them.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "metrics.h"
#include "net/tls_context.h"
#include "net/tls_transport.h"

namespace linecast {
namespace {

// A throwaway P-256 certificate, made once per test process.
const TlsFiles& certificateFiles() {
  static TlsFiles files = [] {
    char dir[] = "/tmp/linecast-tls-unit-XXXXXX";
    if (::mkdtemp(dir) == nullptr) std::abort();
    TlsFiles f{std::string(dir) + "/cert.pem", std::string(dir) + "/key.pem", ""};
    std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
                          "-subj /CN=localhost -keyout " + f.key + " -out " + f.cert + " 2>/dev/null";
    if (std::system(command.c_str()) != 0) std::abort();
    return f;
  }();
  return files;
}

// The client's side, between memory BIOs: every packet the server sent is
// fed in whole, and counted.
class PacketClient {
 public:
  explicit PacketClient(int fd) : fd_(fd), ctx_(SSL_CTX_new(TLS_client_method())) {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    ssl_ = SSL_new(ctx_);
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in_, -1);
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_connect_state(ssl_);
  }
  ~PacketClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }

  bool handshakeStep() {
    bool done = SSL_do_handshake(ssl_) == 1;
    ERR_clear_error();
    sendOutput();
    return done;
  }

  // Every packet waiting on the socket into the SSL; returns how many.
  int takePackets() {
    int packets = 0;
    std::vector<char> packet(1 << 20);
    for (;;) {
      ssize_t n = ::recv(fd_, packet.data(), packet.size(), MSG_DONTWAIT);
      if (n <= 0) return packets;
      ++packets;
      BIO_write(in_, packet.data(), static_cast<int>(n));
    }
  }

  std::string plaintext() {
    std::string text;
    char chunk[16384];
    for (;;) {
      int n = SSL_read(ssl_, chunk, sizeof chunk);
      if (n <= 0) break;
      text.append(chunk, static_cast<std::size_t>(n));
    }
    ERR_clear_error();
    sendOutput();  // a TLS 1.3 client may answer tickets
    return text;
  }

 private:
  void sendOutput() {
    char chunk[65536];
    for (;;) {
      int n = BIO_read(out_, chunk, sizeof chunk);
      if (n <= 0) return;
      ASSERT_EQ(::send(fd_, chunk, static_cast<std::size_t>(n), 0), n);
    }
  }

  int fd_;
  SSL_CTX* ctx_;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;
  BIO* out_ = nullptr;
};

TEST(TlsTransportTest, OneSendsRecordsLeaveInOneSendmsg) {
  std::string error;
  auto context = TlsContext::load(certificateFiles(), error);
  ASSERT_NE(context, nullptr) << error;
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
  ASSERT_EQ(::fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
  // Room for one packet of every record below (sndbuf bounds a packet).
  int buffer = 1 << 20;
  ::setsockopt(fds[0], SOL_SOCKET, SO_SNDBUFFORCE, &buffer, sizeof buffer);
  ::setsockopt(fds[1], SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer);

  Metrics metrics;
  TlsTransport server(context, fds[0], 1, TlsTransport::Mode::kSocket, metrics);
  PacketClient client(fds[1]);
  char sink[256];
  iovec readInto{sink, sizeof sink};
  bool clientDone = false;
  for (int step = 0; step < 20 && (server.handshaking() || !clientDone); ++step) {
    clientDone = client.handshakeStep() || clientDone;
    errno = 0;
    ASSERT_EQ(server.receive(fds[0], &readInto, 1), -1);
    ASSERT_EQ(errno, EAGAIN);
    client.takePackets();
  }
  ASSERT_FALSE(server.handshaking());
  ASSERT_TRUE(clientDone);
  client.plaintext();  // whatever the handshake left (tickets)

  // 160 KiB of lines: ten 16 KiB records, in two iovecs.
  std::string first(96 * 1024, 'a'), second(64 * 1024, 'b');
  first.back() = second.back() = '\n';
  iovec iov[2] = {{first.data(), first.size()}, {second.data(), second.size()}};
  ASSERT_EQ(server.send(fds[0], iov, 2), static_cast<ssize_t>(first.size() + second.size()));
  EXPECT_FALSE(server.pendingWire());
  EXPECT_EQ(client.takePackets(), 1) << "one sendmsg for the ten records";
  EXPECT_EQ(client.plaintext(), first + second);

  ::close(fds[1]);  // the server's descriptor is the transport's caller's
  ::close(fds[0]);
}

}  // namespace
}  // namespace linecast
