// Connection::readSocket's input ring: it grows while reads keep filling it,
// even when the protocol consumes every byte each time (lines that divide
// the ring exactly), so a fast publisher costs few reads.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "net/connection.h"

namespace linecast {
namespace {

TEST(ConnectionRead, RingGrowsWhileReadsFillItEvenIfEverythingIsConsumed) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  int bufferSize = 1 << 20;
  ::setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &bufferSize, sizeof bufferSize);
  ::setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &bufferSize, sizeof bufferSize);
  // 32-byte lines: 16 fill a 512-byte ring exactly, leaving nothing behind.
  std::string line = "PUB lcb.000000 xxxxxxxxxxxxxxxx\n";
  ASSERT_EQ(line.size(), 32u);
  std::string stream;
  while (stream.size() < 256 * 1024) stream += line;
  std::size_t sent = 0;
  while (sent < stream.size()) {
    ssize_t n = ::send(fds[1], stream.data() + sent, stream.size() - sent, 0);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  ASSERT_GE(sent, 128u * 1024) << "the socket pair took too little to test with";

  EndOfTurn endOfTurn;
  Connection conn(fds[0], 16, PeerAddress{}, 1024, 1 << 20, endOfTurn, 0.0);
  std::size_t largest = 0;
  std::size_t reads = 0;
  std::size_t total = 0;
  while (total < sent && reads < 10000) {
    std::size_t n = 0;
    auto result = conn.readSocket(false, n);
    ++reads;
    total += n;
    largest = std::max(largest, n);
    conn.input().consume(conn.input().size());  // as if every line ran
    if (result != Connection::ReadResult::kMore) break;
  }
  EXPECT_EQ(total, sent);
  EXPECT_GE(largest, 32u * 1024) << "the ring stayed small: " << reads << " reads";
  EXPECT_LE(reads, 40u);
  ::close(fds[1]);
}

}  // namespace
}  // namespace linecast
