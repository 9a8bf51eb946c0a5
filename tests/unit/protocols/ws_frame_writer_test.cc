// wsWriteHeader and WsControlFrame: server frames (RFC 6455 5.2), checked
// byte for byte and parsed back by WsFrameParser once masked as a client
// would send them.

#include "protocols/ws/ws_frame_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "net/ring_buffer.h"
#include "protocols/ws/ws_frame_parser.h"
#include "ws_test_frames.h"

namespace linecast {
namespace {

using namespace std::string_literals;

std::string serverFrame(WsOpcode opcode, std::string_view payload) {
  char header[kWsMaxServerHeader];
  std::size_t n = wsWriteHeader(opcode, payload.size(), header);
  return std::string(header, n) + std::string(payload);
}

// Parses one frame as the server would from a client.
WsFrameParser::Status parseBack(std::string_view clientBytes, WsFrameParser& parser, std::vector<char>& scratch) {
  RingBuffer ring;
  EXPECT_TRUE(ring.reserve(clientBytes.size(), clientBytes.size()));
  ring.append(clientBytes);
  std::size_t frameLength = 0;
  auto status = parser.next(ring, scratch, frameLength);
  EXPECT_EQ(frameLength, clientBytes.size());
  return status;
}

TEST(WsFrameWriter, HeaderUsesTheFewestLengthBytes) {
  char h[kWsMaxServerHeader];
  EXPECT_EQ(wsWriteHeader(WsOpcode::kText, 0, h), 2u);
  EXPECT_EQ(std::string(h, 2), "\x81\x00"s);
  EXPECT_EQ(wsWriteHeader(WsOpcode::kBinary, 125, h), 2u);
  EXPECT_EQ(std::string(h, 2), "\x82\x7d");
  EXPECT_EQ(wsWriteHeader(WsOpcode::kText, 126, h), 4u);
  EXPECT_EQ(std::string(h, 4), "\x81\x7e\x00\x7e"s);
  EXPECT_EQ(wsWriteHeader(WsOpcode::kText, 65535, h), 4u);
  EXPECT_EQ(std::string(h, 4), "\x81\x7e\xff\xff");
  EXPECT_EQ(wsWriteHeader(WsOpcode::kText, 65536, h), 10u);
  EXPECT_EQ(std::string(h, 10), "\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00"s);
  EXPECT_EQ(wsWriteHeader(WsOpcode::kText, 1, h, true), 2u);
  EXPECT_EQ(std::string(h, 2), "\xc1\x01");
}

TEST(WsFrameWriter, ControlFrames) {
  EXPECT_EQ(WsControlFrame::ping("hi").bytes(), "\x89\x02hi");
  EXPECT_EQ(WsControlFrame::pong("").bytes(), "\x8a\x00"s);
  EXPECT_EQ(WsControlFrame::close(1000, "bye").bytes(), "\x88\x05\x03\xe8" "bye");
  EXPECT_EQ(WsControlFrame::close(1009).bytes(), "\x88\x02\x03\xf1");
  EXPECT_EQ(WsControlFrame::closeEmpty().bytes(), "\x88\x00"s);
  EXPECT_EQ(WsControlFrame::pong(std::string(200, 'x')).bytes().size(), 127u);
}

TEST(WsFrameWriter, CloseReasonIsCutAtACharacterBoundary) {
  // 122 ASCII bytes, then a 2-byte character across the 123-byte limit.
  std::string reason = std::string(122, 'r') + "\xc3\xa9tc";
  auto frame = WsControlFrame::close(1008, reason);
  EXPECT_EQ(frame.bytes().size(), 2u + 2u + 122u);
  WsFrameParser parser(64);
  std::vector<char> scratch(64);
  ASSERT_EQ(parseBack(ws_test::maskServerFrame(frame.bytes()), parser, scratch), WsFrameParser::Status::kControl);
  EXPECT_EQ(parser.closeCode(), 1008);
  EXPECT_EQ(parser.closeReason(), std::string(122, 'r'));
}

TEST(WsFrameWriter, RoundTripThroughTheParser) {
  const std::size_t max = 70000;
  WsFrameParser parser(max);
  std::vector<char> scratch(max);
  for (std::size_t n : {0u, 5u, 125u, 126u, 65535u, 65536u, 70000u}) {
    SCOPED_TRACE(n);
    std::string payload(n, '\0');
    for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<char>('A' + i % 50);
    for (WsOpcode op : {WsOpcode::kText, WsOpcode::kBinary}) {
      ASSERT_EQ(parseBack(ws_test::maskServerFrame(serverFrame(op, payload)), parser, scratch),
                WsFrameParser::Status::kMessage);
      EXPECT_EQ(parser.opcode(), op);
      EXPECT_EQ(parser.payload(), payload);
    }
  }
  ASSERT_EQ(parseBack(ws_test::maskServerFrame(WsControlFrame::ping("p!").bytes()), parser, scratch),
            WsFrameParser::Status::kControl);
  EXPECT_EQ(parser.opcode(), WsOpcode::kPing);
  EXPECT_EQ(parser.payload(), "p!");
}

}  // namespace
}  // namespace linecast
