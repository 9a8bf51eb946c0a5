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

TEST(WsStreamTransportTest, AnEmptyFlushPushesWhatTheInnerTransportHolds) {
  auto owned = std::make_unique<HoldingTransport>();
  HoldingTransport& inner = *owned;
  WsStreamTransport ws(std::move(owned), 0);

  std::string payload = "0123456789";
  iovec iov{payload.data(), payload.size()};
  ASSERT_EQ(ws.send(-1, &iov, 1), static_cast<ssize_t>(payload.size()));  // framed and taken
  ASSERT_FALSE(inner.held.empty()) << "the socket had no room: the inner transport holds the frame";
  EXPECT_TRUE(ws.pendingWire());

  // The socket drained; the connection's flush has no new output.
  inner.socketHasRoom = true;
  int sendsBefore = inner.sends;
  EXPECT_EQ(ws.send(-1, nullptr, 0), 0);
  EXPECT_GT(inner.sends, sendsBefore);
  EXPECT_FALSE(ws.pendingWire());
  ASSERT_EQ(inner.delivered.size(), 2 + payload.size());  // a 2-byte binary frame header
  EXPECT_EQ(static_cast<unsigned char>(inner.delivered[0]), 0x82u);
  EXPECT_EQ(inner.delivered.substr(2), payload);
}

TEST(WsStreamTransportTest, NothingNewIsTakenWhileTheInnerTransportHoldsBytes) {
  auto owned = std::make_unique<HoldingTransport>();
  HoldingTransport& inner = *owned;
  WsStreamTransport ws(std::move(owned), 0);
  std::string first = "first";
  iovec iov{first.data(), first.size()};
  ASSERT_EQ(ws.send(-1, &iov, 1), static_cast<ssize_t>(first.size()));
  std::string second = "second";
  iovec next{second.data(), second.size()};
  errno = 0;
  EXPECT_EQ(ws.send(-1, &next, 1), -1);
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_EQ(inner.held.substr(2), first);
}

}  // namespace
}  // namespace linecast
