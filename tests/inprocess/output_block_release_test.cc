// Issue 14 (idle memory): connections answered in the same turn (a burst of
// CONNECTs or SUBs) hold no output block once their replies are written,
// without waiting for the cron's idle release: the first emptied block goes
// to the thread's spare slot, the others back to the allocator
// (Connection::returnEmptyOutput). In process, so the burst is one turn.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "in_process_server.h"
#include "net/connection.h"

namespace linecast::testing {
namespace {

// CLIENT LIST's text through a RESP connection: the bulk string's body.
std::string clientList(Server& server, int fd) {
  std::string reply;
  if (!sendAll(server, fd, "*2\r\n$6\r\nCLIENT\r\n$4\r\nLIST\r\n")) return reply;
  char buf[4096];
  for (int spins = 0; spins < 5000; ++spins) {
    server.runOnce(1);
    for (;;) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      reply.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t headerEnd = reply.find("\r\n");
    if (reply.empty() || reply[0] != '$' || headerEnd == std::string::npos) continue;
    std::size_t length = std::stoul(reply.substr(1, headerEnd - 1));
    if (reply.size() >= headerEnd + 2 + length + 2) return reply.substr(headerEnd + 2, length);
  }
  return {};
}

std::uint64_t field(std::string_view line, std::string_view name) {
  std::string key = " " + std::string(name) + "=";
  std::size_t at = line.find(key);
  if (at == std::string_view::npos) return ~std::uint64_t{0};
  return std::stoull(std::string(line.substr(at + key.size(), 20)));
}

TEST(OutputBlockRelease, ConnectionsAnsweredInOneTurnHoldNoOutputBlock) {
  Server server(inProcessConfig());
  constexpr int kConns = 8;
  std::vector<int> conns;
  char buf[256];
  // Accepted and answered one at a time first: each one's emptied block
  // goes to the free spare slot.
  for (int i = 0; i < kConns; ++i) {
    conns.push_back(connectTo(server.port()));
    ASSERT_GE(conns.back(), 0);
    ASSERT_TRUE(sendAll(server, conns.back(), "PING\n"));
    std::size_t pongs = 0;
    for (int spins = 0; pongs == 0 && spins < 5000; ++spins) {
      server.runOnce(1);
      pongs = drainLines(conns.back(), buf, sizeof buf);
    }
    ASSERT_EQ(pongs, 1u);
  }
  // Then all at once: every reply is queued in the same turn, and only one
  // emptied block fits the spare slot.
  for (int i = 0; i < kConns; ++i) {
    ASSERT_TRUE(sendAll(server, conns[i], "SUB burst." + std::to_string(i) + "\nPING\n"));
  }
  std::size_t pongs = 0;
  for (int spins = 0; pongs < kConns && spins < 5000; ++spins) {
    server.runOnce(1);
    for (int fd : conns) pongs += drainLines(fd, buf, sizeof buf);
  }
  ASSERT_EQ(pongs, static_cast<std::size_t>(kConns));

  int asker = connectTo(server.port());
  ASSERT_GE(asker, 0);
  std::string list = clientList(server, asker);
  ASSERT_FALSE(list.empty());
  int listed = 0;
  std::size_t start = 0;
  while (start < list.size()) {
    std::size_t end = list.find('\n', start);
    if (end == std::string::npos) end = list.size();
    std::string_view line(list.data() + start, end - start);
    start = end + 1;
    if (line.find(" cmd=client|list ") != std::string_view::npos) continue;
    ++listed;
    // tot-mem is sizeof(Connection) plus both rings' blocks; rbs the input's.
    EXPECT_EQ(field(line, "tot-mem") - field(line, "rbs"), sizeof(Connection)) << line;
  }
  EXPECT_EQ(listed, kConns);
  for (int fd : conns) ::close(fd);
  ::close(asker);
}

}  // namespace
}  // namespace linecast::testing
