// Slow consumers (docs/PROTOCOL.md, "Guarantees"): a subscriber that does
// not read is cut at --max-outbuf; readers that keep up, the publisher and
// the server carry on.

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include "server_test.h"

namespace linecast::test {
namespace {

constexpr std::size_t kPayloadBytes = 1000;
constexpr int kMessages = 16'000;  // 16 MB: far past the outbuf and any kernel buffer

// Message i: its number, then padding to kPayloadBytes.
std::string payload(int i) {
  char head[16];
  std::snprintf(head, sizeof head, "%08d", i);
  std::string p(head);
  p.resize(kPayloadBytes, 'p');
  return p;
}

class SlowConsumerTest : public ServerTest {
 protected:
  // 1 MiB of pending output: far more than one reactor turn of the
  // publisher's input, so a reader that keeps up is never near it.
  std::vector<std::string> serverArgs() const override {
    return {"--max-line", "4096", "--max-outbuf", "1048576"};
  }

};

// The bytes a cut subscriber received must be the messages in order, then
// at most a torn message and/or "-ERR slow consumer". Returns the count of
// whole messages.
int checkCutStream(const std::string& bytes, const std::string& channel) {
  std::size_t pos = 0;
  int whole = 0;
  bool sawError = false;
  for (int guard = 0; guard < kMessages + 10 && pos < bytes.size(); ++guard) {
    std::size_t nl = bytes.find('\n', pos);
    if (nl == std::string::npos) {
      // A torn last message: the kernel took part of a line before the cut.
      std::string expected = "MSG " + channel + " " + payload(whole);
      EXPECT_EQ(bytes.compare(pos, std::string::npos, expected, 0, bytes.size() - pos), 0)
          << "torn tail is not a prefix of message " << whole;
      EXPECT_FALSE(sawError) << "bytes after -ERR slow consumer";
      break;
    }
    std::string line = bytes.substr(pos, nl - pos);
    pos = nl + 1;
    if (line == "-ERR slow consumer") {
      EXPECT_EQ(pos, bytes.size()) << "bytes after -ERR slow consumer";
      sawError = true;
      break;
    }
    std::string expected = "MSG " + channel + " " + payload(whole);
    if (line != expected) {
      ADD_FAILURE() << "message " << whole << ": expected " << escapeBytes(expected) << ", got " << escapeBytes(line);
      break;
    }
    ++whole;
  }
  return whole;
}

TEST_F(SlowConsumerTest, SubscriberThatNeverReadsIsCutOthersGetEverything) {
  TestClient::Options tiny;
  tiny.rcvbuf = 4096;
  TestClient slow = connect(tiny);
  TestClient fast = connect();
  TestClient pub = connect();
  ASSERT_TRUE(slow.send("SUB feed\n"));
  ASSERT_TRUE(slow.ping());
  ASSERT_TRUE(fast.send("SUB feed\n"));
  ASSERT_TRUE(fast.ping());

  // The publisher keeps at most kWindow messages (256 KB) ahead of the
  // fast subscriber, so that one stays far below --max-outbuf however the
  // two cores are shared (a publisher at full speed would legitimately
  // outrun any reader). The slow one falls behind without bound and is cut.
  constexpr int kBatch = 64;
  constexpr int kWindow = 256;
  std::atomic<int> fastReceived{0};
  std::atomic<bool> fastFailed{false};
  std::string sendError;
  milliseconds slowestSend{0};
  std::thread publisher([&] {
    std::string batch;
    for (int i = 0; i < kMessages; ++i) {
      batch += "PUB feed " + payload(i) + "\n";
      if ((i + 1) % kBatch != 0 && i != kMessages - 1) continue;
      auto waitUntil = Clock::now() + milliseconds(10'000);
      while (fastReceived < i + 1 - kWindow && !fastFailed && Clock::now() < waitUntil) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      if (fastFailed) return;
      auto start = Clock::now();
      // Never blocked by the subscriber that does not read.
      auto r = pub.send(batch, milliseconds(10'000));
      slowestSend = std::max(slowestSend, std::chrono::duration_cast<milliseconds>(Clock::now() - start));
      if (!r) {
        sendError = r.message();
        return;
      }
      batch.clear();
    }
  });

  int received = 0;
  for (; received < kMessages; ++received) {
    auto line = fast.readLine(milliseconds(10'000));
    if (!line) {
      ADD_FAILURE() << "the fast subscriber got no message " << received
                    << (fast.peerClosed() ? " (it was disconnected)" : "");
      break;
    }
    if (*line != "MSG feed " + payload(received)) {
      ADD_FAILURE() << "the fast subscriber's message " << received << " is " << escapeBytes(*line);
      break;
    }
    fastReceived = received + 1;
  }
  if (received < kMessages) fastFailed = true;
  publisher.join();
  EXPECT_TRUE(sendError.empty()) << "publisher: " << sendError;
  EXPECT_EQ(received, kMessages);
  EXPECT_LT(slowestSend, milliseconds(5000)) << "a publisher's write was held up";
  EXPECT_TRUE(pub.ping("publisher still served"));

  // The slow one was disconnected: what it can still read ends in EOF.
  auto rest = slow.readUntilClosed(milliseconds(10'000));
  ASSERT_TRUE(rest.has_value()) << "the subscriber that never read was not disconnected";
  int whole = checkCutStream(*rest, "feed");
  EXPECT_LT(whole, kMessages);

  // The server keeps serving new clients.
  TestClient late = connect();
  ASSERT_TRUE(subscribe(late, {"feed"}));
  EXPECT_TRUE(expectOnly(late, pub, "PUB feed after\n", {"MSG feed after"}));
  EXPECT_TRUE(fast.expectLine("MSG feed after"));
}

TEST_F(SlowConsumerTest, ReaderThatKeepsUpGetsMessagesLargerThanTheKernelBuffers) {
  // One frame near --max-line to a subscriber with an empty backlog is
  // always delivered, even with a tiny receive buffer.
  TestClient::Options tiny;
  tiny.rcvbuf = 4096;
  TestClient sub = connect(tiny);
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"big"}));
  std::string big = repeat('z', 4000);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(pub.send("PUB big " + big + "\n"));
    ASSERT_TRUE(sub.expectLine("MSG big " + big)) << i;
  }
}

// The tightest limit the server accepts: --max-outbuf = --max-line + 512.
class TightOutbufTest : public ServerTest {
 protected:
  static constexpr std::size_t kMaxLine = 65536;
  std::vector<std::string> serverArgs() const override {
    return {"--max-line", std::to_string(kMaxLine), "--max-outbuf", std::to_string(kMaxLine + 512)};
  }
};

TEST_F(TightOutbufTest, OneMaximalFrameNeverCutsAReaderThatKeepsUp) {
  TestClient::Options tiny;
  tiny.rcvbuf = 4096;  // the frame cannot go to the kernel in one write
  TestClient sub = connect(tiny);
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"big"}));
  std::string payload = repeat('m', kMaxLine - 8);  // "PUB big " + payload = max-line
  for (int i = 0; i < 10; ++i) {
    payload[0] = static_cast<char>('0' + i);
    ASSERT_TRUE(pub.send("PUB big " + payload + "\n"));
    auto line = sub.readLine();
    ASSERT_TRUE(line.has_value()) << "frame " << i << (sub.peerClosed() ? ": the reader was cut" : ": nothing arrived");
    ASSERT_TRUE(*line == "MSG big " + payload) << "frame " << i << ": " << escapeBytes(*line);
  }
  EXPECT_TRUE(expectOnly(sub, pub, "", {}));
}

}  // namespace
}  // namespace linecast::test
