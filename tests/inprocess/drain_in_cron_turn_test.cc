// A connection that starts draining (QUIT, the client's EOF, a fatal error)
// in the same turn as the cron keeps its pending output: the cron runs
// before endTurn() stamps the drain deadline, and used to read the unset
// deadline (0) as long past, cutting the connection with its backlog and
// its last reply (issue 18: "message 2777 of 3000 never arrived", a torn
// last message, and a reset instead of "-ERR line too long").
//
// Driven turn by turn, the race is made certain: the test sleeps past the
// cron interval before the turn that reads the QUIT, so that turn also runs
// the cron. Before the fix every case here failed on every run.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <thread>

#include "in_process_server.h"

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
  const char* ending = info.param.ending == Ending::kQuit        ? "Quit"
                       : info.param.ending == Ending::kHalfClose ? "HalfClose"
                                                                 : "LineTooLong";
  return std::string(ending) + "_" + info.param.io;
}

int connectWithTinyWindow(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int window = 4096;  // set before connect, so the window stays small
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &window, sizeof window);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

// Reads the subscriber until EOF, turning the server; returns every line.
std::vector<std::string> readToEof(Server& server, int fd) {
  std::vector<std::string> lines;
  std::string partial;
  char buf[65536];
  for (int spins = 0; spins < 200000; ++spins) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      lines.push_back("<" + std::string(std::strerror(errno)) + ">");
      break;
    }
    if (n > 0) {
      partial.append(buf, static_cast<std::size_t>(n));
      std::size_t start = 0;
      for (std::size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
        lines.push_back(partial.substr(start, nl - start));
      }
      partial.erase(0, start);
      continue;
    }
    server.runOnce(1);
  }
  if (!partial.empty()) lines.push_back("<torn: " + std::to_string(partial.size()) + " bytes>");
  return lines;
}

class DrainInCronTurn : public ::testing::TestWithParam<Case> {};

TEST_P(DrainInCronTurn, KeepsTheBacklogAndTheLastReply) {
  Config config = inProcessConfig();
  config.io = GetParam().io;
  config.maxOutbuf = 16 << 20;
  config.maxLine = 4096;
  Server server(config);

  int sub = connectWithTinyWindow(server.port());
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
  // Past the cron interval (100 ms): the next turn reads the ending and
  // runs the cron.
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  server.runOnce(0);

  auto lines = readToEof(server, sub);
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

}  // namespace
}  // namespace linecast::testing
