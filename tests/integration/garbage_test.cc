// Two seconds of random garbage from 50 connections: the server survives
// and a normal client is served afterwards.

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "server_test.h"

namespace linecast::test {
namespace {

constexpr int kThreads = 5;
constexpr int kConnectionsPerThread = 10;  // 50 in all
constexpr auto kDuration = milliseconds(2000);
constexpr std::size_t kMaxBytesPerConnection = 8u << 20;
constexpr int kMaxReconnects = 400;

class GarbageTest : public ServerTest {
 protected:
  std::vector<std::string> serverArgs() const override {
    return {"--max-line", "4096", "--max-outbuf", "65536", "--read-timeout", "1", "--max-subs", "100"};
  }
};

enum class Kind { kRandomBytes, kPrintable, kMutatedCommands, kRespLooking, kLongLines, kCount };

std::string randomChunk(Kind kind, std::mt19937& rng) {
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  std::string out;
  switch (kind) {
    case Kind::kRandomBytes: {
      std::size_t n = 1 + pick(2048);
      for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(rng() & 0xFF);
      break;
    }
    case Kind::kPrintable: {
      std::size_t n = 1 + pick(2048);
      for (std::size_t i = 0; i < n; ++i) {
        std::size_t r = pick(100);
        out += r < 8 ? '\n' : r < 10 ? '\r' : r < 20 ? ' ' : static_cast<char>(0x21 + pick(94));
      }
      break;
    }
    case Kind::kMutatedCommands: {
      static const char* const kVerbs[] = {"PUB", "SUB", "UNSUB", "PING", "AUTH", "pub", "sUb", "FOO", "", " PUB", "QUIT"};
      static const char* const kArgs[] = {"a", "a.*", ">", "a..b", ".", "g.>", "g.x", "*", "a*", "b>c", "", " "};
      int lines = 1 + static_cast<int>(pick(40));
      for (int l = 0; l < lines; ++l) {
        std::size_t v = pick(std::size(kVerbs));
        if (v == std::size(kVerbs) - 1 && pick(20) != 0) v = 0;  // QUIT only now and then
        out += kVerbs[v];
        int args = static_cast<int>(pick(4));
        for (int a = 0; a < args; ++a) {
          out += ' ';
          if (pick(5) == 0) {
            std::size_t n = pick(pick(10) == 0 ? 6000 : 300);
            for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(1 + pick(255));
          } else {
            out += kArgs[pick(std::size(kArgs))];
          }
        }
        out += pick(3) == 0 ? "\r\n" : "\n";
      }
      // Bytes other than the terminators may be anything, '\n' included.
      if (pick(4) == 0) out[pick(out.size())] = static_cast<char>(rng() & 0xFF);
      break;
    }
    case Kind::kRespLooking: {
      static const char* const kPieces[] = {"*3\r\n", "$7\r\nPUBLISH\r\n", "$1\r\na\r\n", "*-1\r\n", "*0\r\n",
                                            "$-1\r\n", "*99999999999\r\n", "$abc\r\n", ":12\r\n", "*2\r\n$9\r\nSUBSCRIBE\r\n"};
      int n = 1 + static_cast<int>(pick(30));
      out += '*';
      for (int i = 0; i < n; ++i) {
        if (pick(6) == 0) {
          out += static_cast<char>(rng() & 0xFF);
        } else {
          out += kPieces[pick(std::size(kPieces))];
        }
      }
      break;
    }
    case Kind::kLongLines:
    case Kind::kCount:
      out.assign(1000 + pick(3000), static_cast<char>('A' + pick(26)));
      if (pick(8) == 0) out += '\n';
      break;
  }
  return out;
}

struct GarbageConnection {
  TestClient client;
  Kind kind = Kind::kRandomBytes;
  bool reads = false;  // half of them never read their replies
  std::size_t sent = 0;
  int reconnects = 0;
};

TEST_F(GarbageTest, ServerSurvivesGarbageAndServesANormalClientAfterwards) {
  const std::uint16_t port = server_.port();
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kThreads);
  auto end = Clock::now() + kDuration;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(0x11ecaf7u + static_cast<unsigned>(t));  // fixed seeds: reproducible
      std::vector<GarbageConnection> conns(kConnectionsPerThread);
      for (int i = 0; i < kConnectionsPerThread; ++i) {
        conns[i].kind = static_cast<Kind>((t * kConnectionsPerThread + i) % static_cast<int>(Kind::kCount));
        conns[i].reads = i % 2 == 0;
      }
      for (int iter = 0; iter < 1'000'000 && Clock::now() < end; ++iter) {
        for (auto& g : conns) {
          if (!g.client.isOpen()) {
            if (g.reconnects >= kMaxReconnects) continue;
            ++g.reconnects;
            if (!g.client.connect(port)) {
              errors[t] = "cannot connect during the garbage phase";
              return;
            }
          }
          if (g.sent >= kMaxBytesPerConnection) continue;
          std::string chunk = randomChunk(g.kind, rng);
          long n = g.client.sendSome(chunk);
          if (n > 0) g.sent += static_cast<std::size_t>(n);
          if (g.reads) g.client.discardInput();
          if (n < 0 || g.client.peerClosed()) {
            // The server closed it (line too long, QUIT, timeouts, ...): fine.
            if (rng() % 2 == 0) g.client.setLingerZero();
            g.client.close();
          }
        }
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      }
      for (auto& g : conns) {
        if (rng() % 2 == 0) g.client.setLingerZero();
        g.client.close();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_TRUE(errors[t].empty()) << "thread " << t << ": " << errors[t];
  ASSERT_TRUE(server_.running()) << "the server died under garbage";

  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"after.garbage"}));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB after.garbage still served\n", {"MSG after.garbage still served"}));
  EXPECT_TRUE(pub.ping("alive"));
  sub.close();
  pub.close();
  auto status = server_.stop();
  ASSERT_TRUE(status.has_value()) << "the server did not exit on SIGTERM after the garbage";
  EXPECT_TRUE(status->success()) << status->describe();
}

}  // namespace
}  // namespace linecast::test
