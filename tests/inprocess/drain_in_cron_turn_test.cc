// A connection that starts draining (QUIT, the client's EOF, a fatal error)
// in the same turn as the cron keeps its pending output: the cron runs
// before endTurn() stamps the drain deadline, and used to read the unset
// deadline (0) as long past, cutting the connection with its backlog and
// its last reply (issue 18: "message 2777 of 3000 never arrived", a torn
// last message, and a reset instead of "-ERR line too long").
//
// The same race truncated an HTTP connection's pipelined responses before a
// "Connection: close" (fuzz/regressions/server/http-close-truncated, which the
// server fuzzer had to tolerate).
//
// Driven turn by turn, the race is made certain: the test sleeps past the
// cron interval before the turn that reads the ending, so that turn also
// runs the cron. Before the fix every case here failed on every run.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <thread>

#include "in_process_server.h"
#include "../integration/test_util.h"

namespace linecast::testing {
namespace {

constexpr int kMessages = 3000;
const std::string kPayload(1000, 'd');

enum class Ending { kQuit, kHalfClose, kLineTooLong };

struct Case {
  Ending ending;
  const char* io;
};

std::string caseName(const ::testing::TestParamInfo<Case>& info) {
  static constexpr const char* kNames[] = {"Quit", "HalfClose", "LineTooLong"};
  const char* ending = kNames[static_cast<int>(info.param.ending)];
  return std::string(ending) + "_" + info.param.io;
}

constexpr int kTinyWindow = 4096;

// Reads until EOF, turning the server; returns every byte, and an error
// name in `error` if the connection was reset instead.
std::string readToEof(Server& server, int fd, std::string& error) {
  std::string bytes;
  char buf[65536];
  for (int spins = 0; spins < 200000; ++spins) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n > 0) {
      bytes.append(buf, static_cast<std::size_t>(n));
    } else if (errno != EAGAIN && errno != EINTR) {
      error = std::strerror(errno);
      break;
    } else {
      server.runOnce(1);
    }
  }
  return bytes;
}

std::vector<std::string> splitLines(const std::string& bytes) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = bytes.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(bytes.substr(start, nl - start));
  }
  if (start < bytes.size()) lines.push_back("<torn: " + std::to_string(bytes.size() - start) + " bytes>");
  return lines;
}

std::size_t count(const std::string& haystack, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = haystack.find(needle, at)) != std::string::npos; at += needle.size()) ++n;
  return n;
}

// Past the cron interval (100 ms): the next turn reads the ending and runs
// the cron.
void turnWithCron(Server& server) {
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  server.runOnce(0);
}

class DrainInCronTurn : public ::testing::TestWithParam<Case> {};

// A subscriber with ~3 MB of messages pending, then QUIT, EOF or a line
// too long.
TEST_P(DrainInCronTurn, SubscriberKeepsTheBacklogAndTheLastReply) {
  Config config = inProcessConfig();
  config.io = GetParam().io;
  config.maxOutbuf = 16 << 20;
  config.maxLine = 4096;
  Server server(config);

  int sub = connectTo(server.port(), kTinyWindow);
  int pub = connectTo(server.port());
  ASSERT_GE(sub, 0);
  ASSERT_GE(pub, 0);
  ASSERT_TRUE(sendAll(server, sub, "SUB d\n"));
  std::string burst;
  for (int i = 0; i < kMessages; ++i) burst += "PUB d " + std::to_string(i) + " " + kPayload + "\n";
  ASSERT_TRUE(sendAll(server, pub, burst));
  for (int i = 0; i < 20; ++i) server.runOnce(1);  // the backlog fills the socket

  std::string last;
  switch (GetParam().ending) {
    case Ending::kQuit:
      ASSERT_TRUE(sendAll(server, sub, "QUIT\n"));
      last = "+OK bye";
      break;
    case Ending::kHalfClose:
      ::shutdown(sub, SHUT_WR);
      break;
    case Ending::kLineTooLong:
      ASSERT_TRUE(sendAll(server, sub, std::string(5000, 'x') + "\n"));
      last = "-ERR line too long (max 4096 bytes)";
      break;
  }
  turnWithCron(server);

  std::string error;
  auto lines = splitLines(readToEof(server, sub, error));
  EXPECT_EQ(error, "");
  std::size_t expected = kMessages + (last.empty() ? 0 : 1);
  ASSERT_EQ(lines.size(), expected) << "last line: " << (lines.empty() ? "" : lines.back());
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_EQ(lines[static_cast<std::size_t>(i)], "MSG d " + std::to_string(i) + " " + kPayload);
  }
  if (!last.empty()) {
    EXPECT_EQ(lines.back(), last);
  }
  ::close(sub);
  ::close(pub);
}

// An HTTP client with ~4 MB of pipelined /metrics responses pending, then a
// request with "Connection: close".
class HttpCloseInCronTurn : public ::testing::TestWithParam<const char*> {};

TEST_P(HttpCloseInCronTurn, ClientGetsEveryResponseBeforeTheClose) {
  constexpr int kRequests = 2000;
  Config config = inProcessConfig();
  config.io = GetParam();
  config.maxOutbuf = 16 << 20;
  config.httpPort = linecast::test::freePort();
  Server server(config);

  int client = connectTo(server.listenerPort("http"), kTinyWindow);
  ASSERT_GE(client, 0);
  std::string pipelined;
  for (int i = 0; i < kRequests; ++i) pipelined += "GET /metrics HTTP/1.1\r\n\r\n";
  ASSERT_TRUE(sendAll(server, client, pipelined));
  for (int i = 0; i < 20; ++i) server.runOnce(1);  // the responses fill the socket
  ASSERT_TRUE(sendAll(server, client, "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n"));
  turnWithCron(server);

  std::string error;
  std::string bytes = readToEof(server, client, error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(count(bytes, "HTTP/1.1 200 OK\r\n"), static_cast<std::size_t>(kRequests + 1));
  EXPECT_EQ(count(bytes, "# TYPE linecast_connections_total "), static_cast<std::size_t>(kRequests));
  std::size_t lastResponse = bytes.rfind("HTTP/1.1 ");
  ASSERT_NE(lastResponse, std::string::npos);
  EXPECT_NE(bytes.find("Connection: close", lastResponse), std::string::npos)
      << linecast::test::escapeBytes(bytes.substr(lastResponse));
  ::close(client);
}

constexpr Case kCases[] = {
    {Ending::kQuit, "epoll"},
    {Ending::kHalfClose, "epoll"},
    {Ending::kLineTooLong, "epoll"},
#ifdef LINECAST_IO_URING
    {Ending::kQuit, "uring"},
    {Ending::kHalfClose, "uring"},
    {Ending::kLineTooLong, "uring"},
#endif
};

INSTANTIATE_TEST_SUITE_P(Endings, DrainInCronTurn, ::testing::ValuesIn(kCases), caseName);

#ifdef LINECAST_IO_URING
INSTANTIATE_TEST_SUITE_P(Backends, HttpCloseInCronTurn, ::testing::Values("epoll", "uring"));
#else
INSTANTIATE_TEST_SUITE_P(Backends, HttpCloseInCronTurn, ::testing::Values("epoll"));
#endif

}  // namespace
}  // namespace linecast::testing
