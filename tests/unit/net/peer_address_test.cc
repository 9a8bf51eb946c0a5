// PeerAddress (issue 14 step 12): the packed peer formats byte for byte as
// formatAddress() formats the sockaddr it came from, which logs and CLIENT
// LIST printed before, and a Connection gives back what it was given.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cstring>

#include "net/connection.h"
#include "net/listener.h"
#include "net/peer_address.h"

namespace linecast {
namespace {

sockaddr_storage ipv4(const char* text, std::uint16_t port) {
  sockaddr_storage storage{};
  auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
  in4->sin_family = AF_INET;
  in4->sin_port = htons(port);
  EXPECT_EQ(::inet_pton(AF_INET, text, &in4->sin_addr), 1);
  return storage;
}

sockaddr_storage ipv6(const char* text, std::uint16_t port) {
  sockaddr_storage storage{};
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  EXPECT_EQ(::inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
  return storage;
}

TEST(PeerAddress, FormatsAsFormatAddressDid) {
  const sockaddr_storage cases[] = {
      ipv4("127.0.0.1", 54321), ipv4("255.255.255.255", 65535), ipv4("0.0.0.0", 0),
      ipv6("::1", 5000), ipv6("::ffff:127.0.0.1", 1883),  // dual-stack listener
      ipv6("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 65535), ipv6("fe80::1", 1),
      sockaddr_storage{},  // a failed getpeername: "0.0.0.0:0"
  };
  for (const sockaddr_storage& addr : cases) {
    EXPECT_EQ(PeerAddress::of(&addr).format(), formatAddress(&addr));
  }
  auto v4 = ipv4("10.1.2.3", 80);
  EXPECT_EQ(PeerAddress::of(&v4).format(), "10.1.2.3:80");
  auto v6 = ipv6("::1", 6379);
  EXPECT_EQ(PeerAddress::of(&v6).format(), "[::1]:6379");
  EXPECT_EQ(PeerAddress{}.format(), "0.0.0.0:0");
}

TEST(PeerAddress, ConnectionKeepsItPacked) {
  EndOfTurn endOfTurn;
  auto v6 = ipv6("2001:db8::7", 40000);
  Connection conn(-1, 1, PeerAddress::of(&v6), 1024, 1 << 20, endOfTurn, 0.0);
  EXPECT_EQ(conn.peer(), "[2001:db8::7]:40000");
  EXPECT_EQ(conn.state(), Connection::State::kOpen);
  conn.drain(CloseReason::kMovedThread);  // the reason's highest value, beside the family bit
  EXPECT_EQ(conn.reason(), CloseReason::kMovedThread);
  EXPECT_EQ(conn.state(), Connection::State::kDraining);
  EXPECT_EQ(conn.peer(), "[2001:db8::7]:40000");
  auto v4 = ipv4("192.168.0.9", 1234);
  Connection plain(-1, 2, PeerAddress::of(&v4), 1024, 1 << 20, endOfTurn, 0.0);
  plain.abort(CloseReason::kKilled);
  EXPECT_EQ(plain.state(), Connection::State::kClosing);
  EXPECT_EQ(plain.peer(), "192.168.0.9:1234");
}

}  // namespace
}  // namespace linecast
