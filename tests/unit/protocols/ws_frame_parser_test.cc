// WsFrameParser: RFC 6455 client frames as docs/PROTOCOL.md ("WebSocket")
// takes them, each case fed whole, one byte at a time, split at every
// position and across the ring's wrap-around.

#include "protocols/ws/ws_frame_parser.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "net/ring_buffer.h"
#include "ws_test_frames.h"

namespace linecast {
namespace {

using ws_test::clientFrame;
using ws_test::LengthForm;
using Status = WsFrameParser::Status;
using Events = std::vector<std::string>;

constexpr std::size_t kRing = RingBuffer::kMinCapacity;  // 256

// FIN + opcode first bytes.
constexpr std::uint8_t kText = 0x81, kBinary = 0x82, kClose = 0x88, kPing = 0x89, kPong = 0x8A;
constexpr std::uint8_t kTextStart = 0x01, kBinaryStart = 0x02, kMore = 0x00, kLast = 0x80;

struct Options {
  std::size_t maxMessage = 1024;
  bool deflate = false;
};

// Takes every whole frame from the ring into `events`; false once failed.
bool drain(WsFrameParser& parser, RingBuffer& ring, std::vector<char>& scratch, Events& events) {
  for (;;) {
    std::size_t frameLength = 0;
    Status status = parser.next(ring, scratch, frameLength);
    if (status == Status::kNeedMore) return true;
    if (status == Status::kError) {
      events.push_back("error:" + std::to_string(parser.errorCode()));
      return false;
    }
    EXPECT_LE(frameLength, ring.size());
    ring.consume(frameLength);
    if (status == Status::kFragment) continue;
    std::string payload(parser.payload());
    switch (parser.opcode()) {
      case WsOpcode::kText: events.push_back((parser.compressed() ? "ztext:" : "text:") + payload); break;
      case WsOpcode::kBinary: events.push_back("binary:" + payload); break;
      case WsOpcode::kPing: events.push_back("ping:" + payload); break;
      case WsOpcode::kPong: events.push_back("pong:" + payload); break;
      case WsOpcode::kClose:
        events.push_back("close:" + std::to_string(parser.closeCode()) + ":" + std::string(parser.closeReason()));
        break;
      default: ADD_FAILURE() << "unexpected opcode"; break;
    }
    if (status == Status::kMessage) {
      EXPECT_LE(payload.size(), parser.maxMessage());
    }
  }
}

// Feeds `wire` in the reads that `cuts` (increasing offsets) mark, into a
// ring whose read position starts at `offset`.
Events feed(std::string_view wire, const Options& o, const std::vector<std::size_t>& cuts,
            std::size_t offset = 0) {
  WsFrameParser parser(o.maxMessage, o.deflate);
  std::vector<char> scratch(o.maxMessage);
  RingBuffer ring;
  EXPECT_TRUE(ring.reserve(kRing, kRing));
  ring.append(std::string(offset, '#'));
  ring.consume(offset);
  Events events;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    std::size_t to = i < cuts.size() ? cuts[i] : wire.size();
    std::string_view piece = wire.substr(from, to - from);
    from = to;
    EXPECT_TRUE(ring.reserve(piece.size(), parser.maxPending() + piece.size()));
    ring.append(piece);
    if (!drain(parser, ring, scratch, events)) break;
    EXPECT_LE(ring.size(), parser.maxPending());
  }
  return events;
}

// The same events however the wire is cut; `every` tries each split and
// each ring offset (for small wires).
void expectEvents(std::string_view wire, const Events& expected, const Options& o = {}, bool every = true) {
  EXPECT_EQ(feed(wire, o, {}), expected) << "whole";
  std::vector<std::size_t> bytes;
  for (std::size_t i = 1; i < wire.size(); ++i) bytes.push_back(i);
  EXPECT_EQ(feed(wire, o, bytes), expected) << "one byte at a time";
  if (!every) return;
  for (std::size_t i = 1; i < wire.size(); ++i) {
    EXPECT_EQ(feed(wire, o, {i}), expected) << "split at " << i;
  }
  for (std::size_t offset = 1; offset < kRing; ++offset) {
    EXPECT_EQ(feed(wire, o, {}, offset), expected) << "ring offset " << offset;
  }
}

std::string frames(std::initializer_list<std::string> parts) {
  std::string s;
  for (const std::string& p : parts) s += p;
  return s;
}

TEST(WsFrameParser, Rfc6455MaskedHelloExample) {
  // RFC 6455 5.7: a single-frame masked text message containing "Hello".
  const std::string wire = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
  expectEvents(wire, {"text:Hello"});
}

TEST(WsFrameParser, MessagesOfEachKind) {
  expectEvents(frames({clientFrame(kText, "PUB a 1"), clientFrame(kBinary, std::string("\0\xff", 2)),
                       clientFrame(kText, ""), clientFrame(kPing, "p"), clientFrame(kPong, ""),
                       clientFrame(kClose, "")}),
               {"text:PUB a 1", std::string("binary:\0\xff", 9), "text:", "ping:p", "pong:", "close:1005:"});
}

TEST(WsFrameParser, MaskingAppliesFromEachFramesStart) {
  // 13 bytes: the word-at-a-time unmasking and its tail both run.
  expectEvents(clientFrame(kBinary, "abcdefghijklm") + clientFrame(kText, "xyz"),
               {"binary:abcdefghijklm", "text:xyz"});
}

TEST(WsFrameParser, UnmaskedClientFrameIs1002) {
  expectEvents(clientFrame(kText, "hi", false), {"error:1002"});
}

TEST(WsFrameParser, ReservedBitsAre1002) {
  expectEvents(clientFrame(kText | 0x20, "hi"), {"error:1002"});
  expectEvents(clientFrame(kText | 0x10, "hi"), {"error:1002"});
  expectEvents(clientFrame(kText | 0x40, "hi"), {"error:1002"});  // RSV1 without deflate
}

TEST(WsFrameParser, Rsv1WithDeflateMarksTheMessageCompressed) {
  Options o;
  o.deflate = true;
  // Compressed bytes are no UTF-8; the caller checks after inflating.
  expectEvents(clientFrame(kText | 0x40, "\xff\x01"), {"ztext:\xff\x01"}, o);
  expectEvents(frames({clientFrame(kTextStart | 0x40, "a"), clientFrame(kLast, "b")}), {"ztext:ab"}, o);
  // RFC 7692 6.1: never on a continuation or a control frame.
  expectEvents(frames({clientFrame(kTextStart | 0x40, "a"), clientFrame(kLast | 0x40, "b")}), {"error:1002"}, o);
  expectEvents(clientFrame(kPing | 0x40, ""), {"error:1002"}, o);
}

TEST(WsFrameParser, UnknownOpcodesAre1002) {
  for (std::uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    SCOPED_TRACE(op);
    expectEvents(clientFrame(static_cast<std::uint8_t>(0x80 | op), ""), {"error:1002"}, {}, false);
  }
}

TEST(WsFrameParser, ControlFramesFragmentedOrOver125AreRefused) {
  expectEvents(clientFrame(0x09, "p"), {"error:1002"});  // ping without FIN
  expectEvents(clientFrame(kPing, std::string(125, 'x')), {"ping:" + std::string(125, 'x')});
  expectEvents(clientFrame(kPing, std::string(126, 'x')), {"error:1002"});
  expectEvents(clientFrame(kClose, "\x03\xe8" + std::string(124, 'x')), {"error:1002"});
  // Decided from the length byte alone.
  EXPECT_EQ(feed(clientFrame(kPong, std::string(126, 'x')).substr(0, 2), {}, {}), Events{"error:1002"});
}

TEST(WsFrameParser, PendingBoundCoversControlFramesOverASmallMax) {
  // A partial 125-byte ping must fit however small maxMessage is.
  Options o;
  o.maxMessage = 1;
  EXPECT_GE(WsFrameParser(1).maxPending(), 6u + 125u);
  expectEvents(clientFrame(kPing, std::string(125, 'x')) + clientFrame(kText, "a"),
               {"ping:" + std::string(125, 'x'), "text:a"}, o);
}

TEST(WsFrameParser, LengthsIn7And16And64Bits) {
  Options o;
  o.maxMessage = 70000;
  for (std::size_t n : {0u, 1u, 125u, 126u, 127u, 65535u, 65536u, 69999u}) {
    SCOPED_TRACE(n);
    std::string payload(n, 'a');
    for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<char>('a' + i % 26);
    std::string wire = clientFrame(kBinary, payload) + clientFrame(kText, "end");
    std::size_t header = n < 126 ? 6 : n <= 0xFFFF ? 8 : 14;
    EXPECT_EQ(wire.size(), header + n + 6 + 3);
    expectEvents(wire, {"binary:" + payload, "text:end"}, o, n < 200);
  }
}

TEST(WsFrameParser, NonMinimalLengthsAre1002) {
  expectEvents(clientFrame(kText, "hi", true, LengthForm::k16), {"error:1002"});
  expectEvents(clientFrame(kText, "hi", true, LengthForm::k64), {"error:1002"});
  Options o;
  o.maxMessage = 70000;
  expectEvents(clientFrame(kBinary, std::string(300, 'a'), true, LengthForm::k64), {"error:1002"}, o, false);
  expectEvents(clientFrame(kBinary, std::string(65535, 'a'), true, LengthForm::k64), {"error:1002"}, o, false);
}

TEST(WsFrameParser, SixtyFourBitLengthWithTopBitIs1002) {
  std::string header = "\x82\xff\x80";
  header += std::string(7, '\0');
  header += "\x01\x02\x03\x04";
  expectEvents(header, {"error:1002"});
}

TEST(WsFrameParser, MessageOverMaxIs1009FromTheHeader) {
  Options o;
  o.maxMessage = 100;
  expectEvents(clientFrame(kText, std::string(100, 'a')), {"text:" + std::string(100, 'a')}, o);
  std::string over = clientFrame(kText, std::string(101, 'a'));
  expectEvents(over, {"error:1009"}, o);
  // Only the two header bytes: refused before any payload arrives.
  EXPECT_EQ(feed(over.substr(0, 2), o, {}), Events{"error:1009"});
  // A 64-bit length: refused from its length bytes, without the mask.
  std::string huge = "\x82\xff";
  huge += std::string("\x00\x00\x00\x01\x00\x00\x00\x00", 8);
  EXPECT_EQ(feed(huge, o, {}), Events{"error:1009"});
}

TEST(WsFrameParser, MessageOverMaxAcrossFragmentsIs1009) {
  Options o;
  o.maxMessage = 10;
  expectEvents(frames({clientFrame(kTextStart, "12345"), clientFrame(kMore, "678"), clientFrame(kLast, "90")}),
               {"text:1234567890"}, o);
  expectEvents(frames({clientFrame(kTextStart, "12345"), clientFrame(kMore, "678"), clientFrame(kLast, "901")}),
               {"error:1009"}, o);
  // Control frames between fragments do not count.
  expectEvents(frames({clientFrame(kBinaryStart, "123456789"), clientFrame(kPing, "0123456789ab"),
                       clientFrame(kLast, "0")}),
               {"ping:0123456789ab", "binary:1234567890"}, o);
}

TEST(WsFrameParser, ContinuationWithoutAStartIs1002) {
  expectEvents(clientFrame(kLast, "x"), {"error:1002"});
  expectEvents(clientFrame(kMore, "x"), {"error:1002"});
  // After a whole message, a continuation has nothing to continue.
  expectEvents(clientFrame(kText, "a") + clientFrame(kLast, "x"), {"text:a", "error:1002"});
}

TEST(WsFrameParser, NewDataFrameInsideAFragmentedMessageIs1002) {
  expectEvents(clientFrame(kTextStart, "a") + clientFrame(kText, "b"), {"error:1002"});
  expectEvents(clientFrame(kTextStart, "a") + clientFrame(kBinaryStart, "b"), {"error:1002"});
}

TEST(WsFrameParser, FragmentsReassembleWithControlFramesBetween) {
  expectEvents(frames({clientFrame(kTextStart, "PUB a "), clientFrame(kPing, "1"), clientFrame(kMore, "hel"),
                       clientFrame(kPong, ""), clientFrame(kMore, ""), clientFrame(kLast, "lo"),
                       clientFrame(kBinaryStart, "x"), clientFrame(kLast, "y"), clientFrame(kText, "z")}),
               {"ping:1", "pong:", "text:PUB a hello", "binary:xy", "text:z"});
  // A close between fragments is handed up at once too.
  expectEvents(clientFrame(kTextStart, "a") + clientFrame(kClose, "\x03\xe8"), {"close:1000:"});
}

TEST(WsFrameParser, Utf8ValidAndInvalidText) {
  expectEvents(clientFrame(kText, "\xf0\x9d\x84\x9e \xc3\xa9 \xe2\x82\xac"), {"text:\xf0\x9d\x84\x9e \xc3\xa9 \xe2\x82\xac"});
  for (std::string bad : {"\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "a\x80", "\xff"}) {
    SCOPED_TRACE(bad);
    expectEvents(clientFrame(kText, bad), {"error:1007"});
    // Binary messages are bytes.
    expectEvents(clientFrame(kBinary, bad), {"binary:" + bad});
  }
}

TEST(WsFrameParser, Utf8CodePointSplitAcrossFragments) {
  expectEvents(frames({clientFrame(kTextStart, "\xf0\x9d"), clientFrame(kPing, ""), clientFrame(kMore, "\x84"),
                       clientFrame(kLast, "\x9e!")}),
               {"ping:", "text:\xf0\x9d\x84\x9e!"});
  // Truncated at the message's end, though each fragment alone looked fine.
  expectEvents(frames({clientFrame(kTextStart, "a\xf0\x9d"), clientFrame(kLast, "\x84")}), {"error:1007"});
  // An invalid byte fails the message at its fragment, before the rest.
  EXPECT_EQ(feed(clientFrame(kTextStart, "ok\xc0\x80"), {}, {}), Events{"error:1007"});
  expectEvents(frames({clientFrame(kTextStart, "\xed"), clientFrame(kLast, "\xa0\x80")}), {"error:1007"});
}

TEST(WsFrameParser, CloseFrameCodesAndReasons) {
  expectEvents(clientFrame(kClose, ""), {"close:1005:"});
  expectEvents(clientFrame(kClose, "\x03\xe8" "bye \xc3\xa9"), {"close:1000:bye \xc3\xa9"});
  expectEvents(clientFrame(kClose, "\x03"), {"error:1002"});
  for (unsigned code : {1000u, 1001u, 1002u, 1003u, 1007u, 1008u, 1009u, 1010u, 1011u, 3000u, 3999u, 4000u, 4999u}) {
    std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    EXPECT_EQ(feed(clientFrame(kClose, payload), {}, {}), Events{"close:" + std::to_string(code) + ":"}) << code;
  }
  for (unsigned code : {0u, 999u, 1004u, 1005u, 1006u, 1012u, 1015u, 1016u, 2999u, 5000u, 65535u}) {
    std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    EXPECT_EQ(feed(clientFrame(kClose, payload), {}, {}), Events{"error:1002"}) << code;
  }
  expectEvents(clientFrame(kClose, "\x03\xe8\xc0\x80"), {"error:1007"});
}

TEST(WsFrameParser, StaysFailedAndTellsWhy) {
  WsFrameParser parser(64);
  std::vector<char> scratch(64);
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(kRing, kRing));
  ring.append(clientFrame(kText, "hi", false));
  std::size_t frameLength = 0;
  ASSERT_EQ(parser.next(ring, scratch, frameLength), Status::kError);
  EXPECT_EQ(parser.errorCode(), 1002);
  EXPECT_EQ(parser.errorText(), "unmasked client frame");
  ring.clear();
  ring.append(clientFrame(kText, "hi"));
  EXPECT_EQ(parser.next(ring, scratch, frameLength), Status::kError);
  parser.reset();
  EXPECT_EQ(parser.next(ring, scratch, frameLength), Status::kMessage);
  EXPECT_EQ(parser.payload(), "hi");
}

TEST(WsFrameParser, UnfragmentedMessageIsUnmaskedIntoScratch) {
  WsFrameParser parser(64);
  std::vector<char> scratch(64);
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(kRing, kRing));
  ring.append(clientFrame(kText, "hello"));
  std::size_t frameLength = 0;
  ASSERT_EQ(parser.next(ring, scratch, frameLength), Status::kMessage);
  EXPECT_EQ(parser.payload().data(), scratch.data());
  EXPECT_EQ(frameLength, 11u);
}

TEST(WsFrameParser, HeaderWaitsForItsMaskingKey) {
  WsFrameParser parser(64);
  std::vector<char> scratch(64);
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(kRing, kRing));
  std::string wire = clientFrame(kText, "ok");
  std::size_t frameLength = 0;
  for (std::size_t i = 0; i + 1 < wire.size(); ++i) {
    ring.append(wire[i]);
    ASSERT_EQ(parser.next(ring, scratch, frameLength), Status::kNeedMore) << i;
  }
  ring.append(wire.back());
  ASSERT_EQ(parser.next(ring, scratch, frameLength), Status::kMessage);
  EXPECT_EQ(parser.payload(), "ok");
}

}  // namespace
}  // namespace linecast
