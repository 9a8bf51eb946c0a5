// WsStreamTransport over an inner transport that keeps what the socket did
// not take (as TLS does with sealed records): a flush with nothing new to
// frame must still push those bytes, or a backlog's last frames never leave.

#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <string>

#include "protocols/ws/ws_stream_transport.h"

namespace linecast {
namespace {

// Takes every byte; hands them to `delivered` only while the "socket" has
// room, holding the rest (pendingWire) for a later send.
class HoldingTransport final : public Transport {
 public:
  bool socketHasRoom = false;
  std::string held;
  std::string delivered;
  int sends = 0;

  ssize_t receive(int, iovec*, int) override {
    errno = EAGAIN;
    return -1;
  }
  ssize_t send(int, const iovec* iov, int count) override {
    ++sends;
    if (socketHasRoom) delivered += held, held.clear();
    if (!held.empty()) {
      errno = EAGAIN;
      return -1;
    }
    ssize_t total = 0;
    for (int i = 0; i < count; ++i) {
      held.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
      total += static_cast<ssize_t>(iov[i].iov_len);
    }
    if (socketHasRoom) delivered += held, held.clear();
    return total;
  }
  bool absorb(std::string_view, RingBuffer&, std::size_t) override { return true; }
  RingBuffer& seal(RingBuffer& output) override { return output; }
  RingBuffer& wire(RingBuffer& output) override { return output; }
  void sendBestEffort(int, std::string_view) override {}
  void shutdownWrite(int) override {}
  bool pendingWire() const override { return !held.empty(); }
};

// A WebSocket layer over a HoldingTransport whose socket has no room, with
// one frame sent: the inner transport holds it.
class WsStreamTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto owned = std::make_unique<HoldingTransport>();
    inner_ = owned.get();
    ws_ = std::make_unique<WsStreamTransport>(std::move(owned), 0);
    iovec iov{first_.data(), first_.size()};
    ASSERT_EQ(ws_->send(-1, &iov, 1), static_cast<ssize_t>(first_.size()));  // framed and taken
    ASSERT_EQ(inner_->held.size(), 2 + first_.size()) << "a 2-byte binary frame header, then the payload";
  }

  std::string first_ = "0123456789";
  HoldingTransport* inner_ = nullptr;
  std::unique_ptr<WsStreamTransport> ws_;
};

TEST_F(WsStreamTransportTest, AnEmptyFlushPushesWhatTheInnerTransportHolds) {
  EXPECT_TRUE(ws_->pendingWire());
  // The socket drained; the connection's flush has no new output.
  inner_->socketHasRoom = true;
  int sendsBefore = inner_->sends;
  EXPECT_EQ(ws_->send(-1, nullptr, 0), 0);
  EXPECT_GT(inner_->sends, sendsBefore);
  EXPECT_FALSE(ws_->pendingWire());
  ASSERT_EQ(inner_->delivered.size(), 2 + first_.size());
  EXPECT_EQ(static_cast<unsigned char>(inner_->delivered[0]), 0x82u);
  EXPECT_EQ(inner_->delivered.substr(2), first_);
}

TEST_F(WsStreamTransportTest, NothingNewIsTakenWhileTheInnerTransportHoldsBytes) {
  std::string second = "second";
  iovec next{second.data(), second.size()};
  errno = 0;
  EXPECT_EQ(ws_->send(-1, &next, 1), -1);
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_EQ(inner_->held.substr(2), first_);
}

}  // namespace
}  // namespace linecast
