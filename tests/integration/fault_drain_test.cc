// Faults: a connection that must close after its last reply (QUIT, a fatal
// error) while its earlier output is still pending because the client reads
// slowly. docs/PROTOCOL.md: QUIT flushes pending output, then closes; after
// a fatal error "the server flushes that line and closes the connection",
// within --shutdown-grace.
//
// Found by fuzz/server_fuzzer.cc (fixed in fd99061): the drain deadline was
// set only once a flush completed, so a draining connection whose output
// did not fit the socket at once had a deadline of 0 and the next cron
// (within 100 ms) aborted it, dropping the pending output and the last reply.

#include <string>
#include <thread>

#include "server_test.h"
#include "tls_pass.h"

namespace linecast::test {
namespace {

constexpr int kMessages = 3000;
const std::string kPayload(1000, 'd');

class FaultDrainTest : public ServerTest {
 protected:
  std::vector<std::string> serverArgs() const override {
    return {"--max-outbuf", "16MiB", "--max-line", "4096", "--shutdown-grace", "5"};
  }

  // A small receive window, so that most of the backlog waits in the
  // server. 4 KiB, except through TLS: a 16 KiB record through a 4 KiB
  // window crawls on TCP's persist timer on a loaded machine (CI's ASan TLS
  // pass at efe403a ran past ctest's 120 s), and 64 KiB is still far below the
  // ~3 MB backlog.
  static TestClient::Options slowReader() {
    TestClient::Options options;
    options.rcvbuf = tlsPass() ? 65536 : 4096;
    return options;
  }

  // A subscriber with ~3 MB queued for it: more than the kernel buffers
  // take, so most of it waits in the server.
  void queueBacklog(TestClient& sub, TestClient& pub) {
    ASSERT_TRUE(sub.send("SUB d\n"));
    ASSERT_TRUE(sub.ping());
    std::string batch;
    for (int i = 0; i < kMessages; ++i) batch += "PUB d " + std::to_string(i) + " " + kPayload + "\n";
    ASSERT_TRUE(pub.send(batch, milliseconds(20'000)));
    ASSERT_TRUE(pub.ping("queued", milliseconds(20'000)));
  }

  void expectBacklogThen(TestClient& sub, std::string_view last) {
    // The whole backlog within a bound, not only each line: a trickle must
    // fail here, with its count, rather than run into ctest's timeout.
    auto deadline = Clock::now() + milliseconds(60'000);
    for (int i = 0; i < kMessages; ++i) {
      ASSERT_LT(Clock::now(), deadline) << "only " << i << " of " << kMessages << " messages in 60 s";
      auto line = sub.readLine(milliseconds(5000));
      ASSERT_TRUE(line.has_value()) << "message " << i << " of " << kMessages << " never arrived";
      ASSERT_EQ(*line, "MSG d " + std::to_string(i) + " " + kPayload) << "message " << i;
    }
    EXPECT_TRUE(sub.expectLine(last));
    EXPECT_TRUE(sub.expectClosed());
  }
};

TEST_F(FaultDrainTest, QuitFlushesOutputThatDidNotFitTheSocket) {
  TestClient sub = connect(slowReader());
  TestClient pub = connect();
  queueBacklog(sub, pub);
  ASSERT_TRUE(sub.send("QUIT\n"));
  // Long enough for several crons (every 100 ms), well within the grace.
  std::this_thread::sleep_for(milliseconds(600));
  expectBacklogThen(sub, "+OK bye");
  EXPECT_TRUE(pub.ping("server still serves"));
}

TEST_F(FaultDrainTest, FatalErrorLineFollowsOutputThatDidNotFitTheSocket) {
  TestClient sub = connect(slowReader());
  TestClient pub = connect();
  queueBacklog(sub, pub);
  ASSERT_TRUE(sub.send(repeat('x', 5000) + "\n"));
  std::this_thread::sleep_for(milliseconds(600));
  expectBacklogThen(sub, "-ERR line too long (max 4096 bytes)");
  EXPECT_TRUE(pub.ping("server still serves"));
}

}  // namespace
}  // namespace linecast::test
