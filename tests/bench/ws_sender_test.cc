#include "loadgen/ws_sender.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "ws_wire.h"

namespace linecast::bench {
namespace {

using testing::ClientFrame;
using testing::parseClientFrames;
using testing::SocketPair;

constexpr std::uint8_t kCont = 0x0, kText = 0x1, kBinary = 0x2, kPong = 0xA;

std::vector<ClientFrame> framesOn(const SocketPair& pair) {
  std::string bytes = pair.drain();
  std::vector<ClientFrame> frames;
  EXPECT_EQ(parseClientFrames(bytes, frames), bytes.size()) << "a partial frame was sent";
  return frames;
}

TEST(WsSender, SendsABatchOfLinesAsOneTextMessageWithoutItsLastNewline) {
  SocketPair pair;
  WsSender sender({pair.fd[0], nullptr}, /*lines=*/true);
  std::string batch = "PUB a x\nPUB a y\nPUB b z\n";
  EXPECT_EQ(sender.write(batch.data(), batch.size()), static_cast<ssize_t>(batch.size()));
  EXPECT_EQ(framesOn(pair), (std::vector<ClientFrame>{{kText, true, "PUB a x\nPUB a y\nPUB b z"}}));
}

TEST(WsSender, LeavesAPartialLastLineToTheNextWrite) {
  SocketPair pair;
  WsSender sender({pair.fd[0], nullptr}, true);
  std::string bytes = "PING\nPUB a par";
  EXPECT_EQ(sender.write(bytes.data(), bytes.size()), 5);
  EXPECT_EQ(framesOn(pair), (std::vector<ClientFrame>{{kText, true, "PING"}}));
}

TEST(WsSender, SendsALineWithoutNewlineAsFragmentsUntilItEnds) {
  SocketPair pair;
  WsSender sender({pair.fd[0], nullptr}, true);
  std::string head = "PUB a lo", tail = "ng\nPUB b c\n";
  EXPECT_EQ(sender.write(head.data(), head.size()), static_cast<ssize_t>(head.size()));
  EXPECT_EQ(sender.write(tail.data(), tail.size()), static_cast<ssize_t>(tail.size()));
  EXPECT_EQ(framesOn(pair), (std::vector<ClientFrame>{{kText, false, "PUB a lo"},
                                                      {kCont, true, "ng\nPUB b c"}}));
}

TEST(WsSender, CutsLongWritesIntoMessagesOfWholeLinesUnderTheLimit) {
  SocketPair pair;
  WsSender sender({pair.fd[0], nullptr}, true);
  std::string line = "PUB lcb.000000 " + std::string(100, 'x') + "\n";
  std::string bytes;
  while (bytes.size() < 3 * WsSender::kMaxMessage) bytes += line;
  std::string got;
  std::size_t off = 0;
  int writes = 0;
  while (off < bytes.size() && writes < 100) {
    ssize_t n = sender.write(bytes.data() + off, bytes.size() - off);
    ASSERT_GT(n, 0);
    off += static_cast<std::size_t>(n);
    ++writes;
    for (const ClientFrame& f : framesOn(pair)) {
      ASSERT_EQ(f.opcode, kText);
      ASSERT_TRUE(f.fin);
      ASSERT_LE(f.payload.size(), WsSender::kMaxMessage);
      ASSERT_EQ((f.payload.size() + 1) % line.size(), 0u) << "not whole lines";
      got += f.payload + "\n";
    }
  }
  EXPECT_EQ(writes, 4);
  EXPECT_EQ(got, bytes);
}

TEST(WsSender, SendsAByteStreamAsBinaryFramesCutAnywhere) {
  SocketPair pair;
  WsSender sender({pair.fd[0], nullptr}, /*lines=*/false);
  std::string a = "PUB a 1\r\nx\r\nPU", b = "B b 0\r\n\r\n";
  EXPECT_EQ(sender.write(a.data(), a.size()), static_cast<ssize_t>(a.size()));
  EXPECT_EQ(sender.write(b.data(), b.size()), static_cast<ssize_t>(b.size()));
  EXPECT_EQ(framesOn(pair), (std::vector<ClientFrame>{{kBinary, true, a}, {kBinary, true, b}}));
}

TEST(WsSender, SendsRawBytesAndControlFramesInOrder) {
  SocketPair pair;
  WsSender sender({pair.fd[0], nullptr}, true);
  sender.queueRaw("GET / HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(sender.pending());
  ASSERT_TRUE(sender.flush());
  EXPECT_FALSE(sender.pending());
  EXPECT_EQ(pair.drain(), "GET / HTTP/1.1\r\n\r\n");
  sender.queueControl(WsOpcode::kPong, "hi");
  ASSERT_TRUE(sender.flush());
  EXPECT_EQ(framesOn(pair), (std::vector<ClientFrame>{{kPong, true, "hi"}}));
}

TEST(WsSender, KeepsWhatTheSocketRefusedAndSaysEagainUntilItIsSent) {
  SocketPair pair;
  int small = 4096;
  setsockopt(pair.fd[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  WsSender sender({pair.fd[0], nullptr}, true);
  std::string line = "PUB a " + std::string(50, 'y') + "\n";
  std::string bytes;
  while (bytes.size() < 400 * 1024) bytes += line;
  std::string received;
  std::size_t off = 0;
  int eagains = 0;
  for (int round = 0; round < 100000 && off < bytes.size(); ++round) {
    ssize_t n = sender.write(bytes.data() + off, bytes.size() - off);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
    } else {
      ASSERT_EQ(errno, EAGAIN);
      ++eagains;
      received += pair.drain();  // the reader catches up
    }
  }
  for (int round = 0; round < 1000 && sender.pending(); ++round) {
    if (!sender.flush()) {
      ASSERT_EQ(errno, EAGAIN);
    }
    received += pair.drain();
  }
  received += pair.drain();
  EXPECT_GT(eagains, 0) << "the socket buffer never filled; the test proves nothing";
  std::vector<ClientFrame> frames;
  ASSERT_EQ(parseClientFrames(received, frames), received.size());
  std::string got;
  for (const ClientFrame& f : frames) got += f.payload + "\n";
  EXPECT_EQ(got, bytes);
}

}  // namespace
}  // namespace linecast::bench
