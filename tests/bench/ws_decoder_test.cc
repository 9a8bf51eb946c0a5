#include "loadgen/ws_decoder.h"

#include <gtest/gtest.h>

#include "recording_sink.h"
#include "ws_wire.h"

namespace linecast::bench {
namespace {

using testing::ClientFrame;
using testing::Recorded;
using testing::RecordingSink;
using testing::serverFrame;
using testing::SocketPair;

constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";
const std::string kAnswer =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

// A decoder for `protocol` behind WebSocket, its pongs going to a socket.
struct Harness {
  explicit Harness(Protocol protocol, std::size_t maxMessage = 1 << 17)
      : sender({pair.fd[0], nullptr}, protocol == Protocol::kLinecast),
        decoder(makeDecoder(protocol, 1 << 16), protocol == Protocol::kLinecast, wsAcceptFor(kKey), sender,
                maxMessage) {}

  // Feeds `stream` in chunks of `chunk` bytes (0: at once), each chunk a
  // copy scribbled over afterwards, as the loadgen reuses its read buffer.
  bool feed(std::string_view stream, std::size_t chunk = 0) {
    if (chunk == 0) chunk = stream.size();
    for (std::size_t pos = 0; pos < stream.size(); pos += chunk)
      if (!testing::feedScribbled(decoder, stream.substr(pos, chunk), sink)) return false;
    return true;
  }

  SocketPair pair;
  WsSender sender;
  WsDecoder decoder;
  RecordingSink sink;
};

// linecast over WebSocket: one line per message, no "\n"; a fragmented
// message and a ping between its fragments.
const std::string kLinecastStream =
    kAnswer + serverFrame(0x1, "PONG") + serverFrame(0x1, "MSG lcb.000001 hello world") +
    serverFrame(0x2, "MSG a.b ") + serverFrame(0x1, "MSG long ", false) + serverFrame(0x9, "p!") +
    serverFrame(0x0, std::string(200, 'x'), false) + serverFrame(0x0, "", true) +
    serverFrame(0xA, "unasked") + serverFrame(0x1, "MSG big " + std::string(70000, 'y')) +
    serverFrame(0x1, "-ERR slow consumer");

const std::vector<Recorded> kLinecastEvents = {
    {EventType::kUpgraded, "", "", ""},
    {EventType::kPong, "", "", ""},
    {EventType::kMessage, "lcb.000001", "hello world", ""},
    {EventType::kMessage, "a.b", "", ""},
    {EventType::kMessage, "long", std::string(200, 'x'), ""},
    {EventType::kMessage, "big", std::string(70000, 'y'), ""},
    {EventType::kError, "", "", "slow consumer"},
};

TEST(WsDecoder, DecodesLinecastMessagesInAnyChunking) {
  for (std::size_t chunk : {0, 1, 2, 3, 7, 100, 4096}) {
    Harness h(Protocol::kLinecast);
    ASSERT_TRUE(h.feed(kLinecastStream, chunk)) << chunk << ": " << h.decoder.error();
    EXPECT_EQ(h.sink.events, kLinecastEvents) << chunk;
    ASSERT_TRUE(h.sender.flush());
    std::string bytes = h.pair.drain();
    std::vector<ClientFrame> frames;
    testing::parseClientFrames(bytes, frames);
    EXPECT_EQ(frames, (std::vector<ClientFrame>{{0xA, true, "p!"}})) << "the ping's pong";
  }
}

TEST(WsDecoder, DecodesLinecastWhereverTheStreamIsSplit) {
  for (std::size_t at = 0; at <= kLinecastStream.size(); at += (at < 400 ? 1 : 997)) {
    Harness h(Protocol::kLinecast);
    ASSERT_TRUE(h.feed(kLinecastStream.substr(0, at)) && h.feed(kLinecastStream.substr(at)))
        << at << ": " << h.decoder.error();
    ASSERT_EQ(h.sink.events, kLinecastEvents) << at;
  }
}

TEST(WsDecoder, NatsIsAByteStreamThatFramesCutAnywhere) {
  std::string nats = "INFO {\"a\":1}\r\nPING\r\nMSG lcb.000002 1 5\r\nhello\r\nMSG x 1 0\r\n\r\nPONG\r\n";
  std::string stream = kAnswer;
  // Frames of 1, 2, 3, ... bytes, text and binary alike, some empty.
  std::size_t pos = 0;
  for (std::size_t n = 1; pos < nats.size(); ++n) {
    std::size_t take = std::min(n % 5, nats.size() - pos);
    stream += serverFrame(n % 2 ? 0x2 : 0x1, nats.substr(pos, take));
    pos += take;
  }
  const std::vector<Recorded> events = {
      {EventType::kUpgraded, "", "", ""},        {EventType::kGreeting, "", "", "{\"a\":1}"},
      {EventType::kPing, "", "", ""},            {EventType::kMessage, "lcb.000002", "hello", ""},
      {EventType::kMessage, "x", "", ""},        {EventType::kPong, "", "", ""},
  };
  for (std::size_t chunk : {0, 1, 3, 11}) {
    Harness h(Protocol::kNats);
    ASSERT_TRUE(h.feed(stream, chunk)) << chunk << ": " << h.decoder.error();
    EXPECT_EQ(h.sink.events, events) << chunk;
  }
}

struct Bad {
  std::string frames;
  std::string error;
};

TEST(WsDecoder, FailsOnWhatAServerMustNotSend) {
  const std::vector<Bad> cases = {
      {std::string("\x81\x84" "abcdPONG", 10), "WebSocket: masked frame from the server (RFC 6455 5.1)"},
      {std::string("\xC1\x04PONG", 6), "WebSocket: frame with RSV bits 0x40; no extension was negotiated"},
      {std::string("\x83\x00", 2), "WebSocket: unknown opcode 0x3"},
      {std::string("\x09\x00", 2), "WebSocket: fragmented control frame"},
      {std::string("\x89\x7E\x00\x80", 4), "WebSocket: control frame over 125 bytes"},
      {serverFrame(0x0, "x"), "WebSocket: continuation frame outside a fragmented message"},
      {serverFrame(0x1, "MSG a ", false) + serverFrame(0x1, "b"), "WebSocket: new message inside a fragmented one"},
      {std::string("\x82\x7F\x80\x00\x00\x00\x00\x00\x00\x00", 10), "WebSocket: frame length with its top bit set"},
      {serverFrame(0x8, std::string("\x03\xF0" "bye", 5)), "the server closed the WebSocket: 1008 bye"},
      {serverFrame(0x8, ""), "the server closed the WebSocket (no code)"},
      {serverFrame(0x1, "HELLO"), "unexpected line from server: HELLO"},
      {serverFrame(0x1, std::string(300, 'm')), "WebSocket message over 100 bytes"},
  };
  for (const Bad& bad : cases) {
    Harness h(Protocol::kLinecast, 100);
    // The over-long message is refused only when it must be gathered.
    EXPECT_FALSE(h.feed(kAnswer + bad.frames, bad.error.find("over 100") != std::string::npos ? 50 : 0));
    EXPECT_EQ(h.decoder.error(), bad.error);
  }
}

TEST(WsDecoder, FailsWhenTheUpgradeIsRefused) {
  Harness h(Protocol::kLinecast);
  EXPECT_FALSE(h.feed("HTTP/1.1 404 Not Found\r\n\r\n"));
  EXPECT_EQ(h.decoder.error(), "upgrade refused: HTTP/1.1 404 Not Found");
  EXPECT_TRUE(h.sink.events.empty());
}

}  // namespace
}  // namespace linecast::bench
