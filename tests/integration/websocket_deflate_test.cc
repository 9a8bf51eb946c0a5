// permessage-deflate (RFC 7692) on GET /ws: the negotiation in the 101,
// compressed client messages (inflated, bounded by --max-line, their UTF-8
// checked after inflating), compressed deliveries the client inflates with
// an independent zlib stream, and the close codes of bad compressed data.

#include <zlib.h>

#include <string>
#include <vector>

#include "server_test.h"
#include "ws_test_client.h"

namespace linecast::test {
namespace {

constexpr std::string_view kTail("\x00\x00\xff\xff", 4);

// A raw DEFLATE stream of one side of a connection, with context takeover
// (the window is kept from message to message, as RFC 7692 allows).
class RawDeflate {
 public:
  explicit RawDeflate(bool compress) : compress_(compress) {
    int ok = compress ? deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY)
                      : inflateInit2(&z_, -15);
    EXPECT_EQ(ok, Z_OK);
  }
  ~RawDeflate() { compress_ ? deflateEnd(&z_) : inflateEnd(&z_); }
  RawDeflate(const RawDeflate&) = delete;
  RawDeflate& operator=(const RawDeflate&) = delete;

  // A message as the client sends it: sync-flushed, its 00 00 ff ff cut.
  std::string compress(std::string_view in) {
    std::string out = run(in, Z_SYNC_FLUSH);
    EXPECT_TRUE(std::string_view(out).ends_with(kTail));
    out.resize(out.size() - kTail.size());
    return out;
  }
  // A server message: the tail put back, then inflated.
  std::string inflate(std::string_view in) { return run(std::string(in).append(kTail), Z_SYNC_FLUSH); }

 private:
  std::string run(std::string_view in, int flush) {
    std::string out;
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    char buffer[16384];
    do {
      z_.next_out = reinterpret_cast<Bytef*>(buffer);
      z_.avail_out = sizeof buffer;
      int rc = compress_ ? deflate(&z_, flush) : ::inflate(&z_, flush);
      EXPECT_TRUE(rc == Z_OK || rc == Z_BUF_ERROR || rc == Z_STREAM_END) << rc;
      out.append(buffer, sizeof buffer - z_.avail_out);
    } while (z_.avail_out == 0);
    return out;
  }

  bool compress_;
  z_stream z_{};
};

constexpr std::uint8_t kRsv1 = 4;

class WebSocketDeflateTest : public ServerTest {
 protected:
  WebSocketDeflateTest() : httpPort_(freePort()) {}
  std::vector<std::string> serverArgs() const override {
    return {"--http-port", std::to_string(httpPort_), "--max-line", "4096"};
  }

  // An upgraded WebSocket that offered permessage-deflate; the 101 must agree.
  WsTestClient deflating() {
    WsTestClient c;
    EXPECT_TRUE(c.open(httpPort_));
    WsUpgradeRequest request;
    request.header("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits");
    EXPECT_TRUE(c.sendRaw(request.text()));
    auto head = c.readResponse();
    EXPECT_TRUE(head && head->status == 101);
    if (head) {
      EXPECT_TRUE(head->hasHeader("Sec-WebSocket-Extensions: permessage-deflate")) << head->headers;
    }
    return c;
  }

  std::uint16_t httpPort_;
};

TEST_F(WebSocketDeflateTest, NoOfferNoExtension) {
  WsTestClient c;
  ASSERT_TRUE(c.open(httpPort_));
  ASSERT_TRUE(c.sendRaw(WsUpgradeRequest().text()));
  auto head = c.readResponse();
  ASSERT_TRUE(head && head->status == 101);
  EXPECT_EQ(head->headers.find("Sec-WebSocket-Extensions"), std::string::npos) << head->headers;
}

TEST_F(WebSocketDeflateTest, CompressedCommandsAndCompressedDeliveries) {
  WsTestClient c = deflating();
  RawDeflate out(true);
  RawDeflate in(false);
  // Two compressed messages in one window: the second refers to the first.
  ASSERT_TRUE(c.sendFrame(ws_op::kText, out.compress("SUB room.>\nPING one"), {.rsv = kRsv1}));
  ASSERT_TRUE(c.expectText("PONG one"));  // replies go uncompressed
  ASSERT_TRUE(c.sendFrame(ws_op::kText, out.compress("PING one"), {.rsv = kRsv1}));
  ASSERT_TRUE(c.expectText("PONG one"));

  TestClient pub = connect();
  std::string payload;
  for (int i = 0; i < 40; ++i) payload += "{\"volume\":" + std::to_string(i) + "} ";
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pub.send("PUB room.tv " + payload + std::to_string(i) + "\n"));
  for (int i = 0; i < 3; ++i) {
    auto frame = c.readFrame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->opcode, ws_op::kText);
    EXPECT_EQ(frame->rsv, kRsv1) << "a long delivery is compressed";
    EXPECT_LT(frame->payload.size(), payload.size() / 2);
    EXPECT_EQ(in.inflate(frame->payload), "MSG room.tv " + payload + std::to_string(i));
  }
  // A short one may go as it is.
  ASSERT_TRUE(pub.send("PUB room.x 1\n"));
  auto frame = c.readFrame();
  ASSERT_TRUE(frame);
  std::string text = frame->rsv == kRsv1 ? in.inflate(frame->payload) : frame->payload;
  EXPECT_EQ(text, "MSG room.x 1");
}

TEST_F(WebSocketDeflateTest, CorruptCompressedDataCloses1007) {
  WsTestClient c = deflating();
  ASSERT_TRUE(c.sendFrame(ws_op::kText, std::string("\xff\xff\xff\xff", 4), {.rsv = kRsv1}));
  ASSERT_TRUE(c.expectClose(1007));
}

TEST_F(WebSocketDeflateTest, InvalidUtf8AfterInflatingCloses1007) {
  WsTestClient c = deflating();
  RawDeflate out(true);
  ASSERT_TRUE(c.sendFrame(ws_op::kText, out.compress("PUB a \xc3\x28"), {.rsv = kRsv1}));
  ASSERT_TRUE(c.expectClose(1007));
}

TEST_F(WebSocketDeflateTest, BinaryMessagesAreNotCheckedForUtf8) {
  WsTestClient c = deflating();
  RawDeflate out(true);
  ASSERT_TRUE(c.sendFrame(ws_op::kBinary, out.compress("PING \xff"), {.rsv = kRsv1}));
  ASSERT_TRUE(c.expectBinary("PONG \xff"));
}

TEST_F(WebSocketDeflateTest, MessageThatInflatesPastMaxLineCloses1009) {
  WsTestClient c = deflating();
  RawDeflate out(true);
  // 100 KB of one letter compresses to a few hundred bytes, well under
  // --max-line 4096; inflated it is far over it.
  std::string bomb = out.compress("PUB a " + std::string(100000, 'x'));
  ASSERT_LT(bomb.size(), 4096u);
  ASSERT_TRUE(c.sendFrame(ws_op::kText, bomb, {.rsv = kRsv1}));
  ASSERT_TRUE(c.expectClose(1009));
}

TEST_F(WebSocketDeflateTest, Rsv1OnAContinuationCloses1002) {
  WsTestClient c = deflating();
  RawDeflate out(true);
  std::string half = out.compress("PING x");
  ASSERT_TRUE(c.sendFrame(ws_op::kText, half.substr(0, 2), {.fin = false, .rsv = kRsv1}));
  ASSERT_TRUE(c.sendFrame(ws_op::kContinuation, half.substr(2), {.rsv = kRsv1}));
  ASSERT_TRUE(c.expectClose(1002));
}

}  // namespace
}  // namespace linecast::test
