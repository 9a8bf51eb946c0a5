// --busy-poll-us: after an event a reactor keeps polling (epoll_wait or
// io_uring with a zero timeout) for that long before it sleeps. It must
// spin while clients keep it busy and stop spinning once they go quiet:
// an idle broker costs nothing whatever the setting.

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "server_test.h"

namespace linecast::test {
namespace {

using namespace std::chrono_literals;

// The process's user + system CPU time in seconds (/proc/PID/stat).
double cpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may hold spaces.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

class BusyPollTest : public ServerTest {
 protected:
  // 50 ms: well over the gap between the pings below, and over the clock
  // tick (10 ms) that CPU time is counted in.
  std::vector<std::string> serverArgs() const override { return {"--busy-poll-us", "50000"}; }

  // A PING every 5 ms for `duration`; the server's CPU seconds meanwhile.
  double cpuWhilePinging(TestClient& client, std::chrono::milliseconds duration) {
    double before = cpuSeconds(server_.pid());
    auto end = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < end) {
      EXPECT_TRUE(client.send("PING\n"));
      EXPECT_EQ(client.readLine(), "PONG");
      std::this_thread::sleep_for(5ms);
    }
    return cpuSeconds(server_.pid()) - before;
  }
};

TEST_F(BusyPollTest, SpinsWhileClientsAreActiveAndSleepsWhenTheyStop) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"hot"}));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB hot one\n", {"MSG hot one"}));

  // Every PING lands inside the window the last one opened: the reactor
  // never sleeps, so it burns CPU for most of the second (a sleeping one
  // needs a few ms for 200 PINGs). Shared CI cores may give it half.
  double busy = cpuWhilePinging(pub, 1000ms);
  EXPECT_GT(busy, 0.2) << "the reactor slept between events inside its busy-poll window";

  // Quiet: the window closes 50 ms after the last event and the reactor
  // sleeps until the next cron tick, so a second costs next to nothing.
  std::this_thread::sleep_for(200ms);
  double before = cpuSeconds(server_.pid());
  std::this_thread::sleep_for(1000ms);
  double idle = cpuSeconds(server_.pid()) - before;
  EXPECT_LT(idle, 0.1) << "the reactor kept spinning with no event";

  // And it still answers.
  EXPECT_TRUE(expectOnly(sub, pub, "PUB hot two\n", {"MSG hot two"}));
}

TEST(BusyPollOptionTest, OutOfRangeRefusesToStart) {
  ServerProcess server;
  auto status = server.runToExit(ServerProcess::withBaseArgs({"--busy-poll-us", "100001"}));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 2) << status->describe();
  EXPECT_NE(server.log().find("--busy-poll-us must be an integer from 0 to 100000"), std::string::npos)
      << server.log();
}

}  // namespace
}  // namespace linecast::test
