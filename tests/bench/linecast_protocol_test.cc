#include "loadgen/linecast_protocol.h"

#include <gtest/gtest.h>

#include "recording_sink.h"

namespace linecast::bench {
namespace {

using testing::decodeInChunks;
using testing::decodeSplitAt;
using testing::Recorded;

TEST(LinecastEncoder, WritesTheLineProtocol) {
  LinecastEncoder enc;
  std::string out;
  enc.hello(out);
  EXPECT_EQ(out, "");
  enc.subscribe(out, "lcb.000001", 7);
  enc.ping(out);
  enc.publish(out, "lcb.000001", "a b\tc");
  enc.publish(out, "x", "");
  EXPECT_EQ(out, "SUB lcb.000001\nPING\nPUB lcb.000001 a b\tc\nPUB x \n");
  EXPECT_FALSE(enc.serverGreets());
  EXPECT_FALSE(enc.subscribeConfirms());
}

TEST(LinecastEncoder, PublishesWithRetainWhenAsked) {
  LinecastEncoder enc(/*retain=*/true);
  std::string out;
  enc.publish(out, "lcb.000001", "42");
  enc.subscribe(out, "lcb.000001", 1);
  EXPECT_EQ(out, "RETAIN lcb.000001 42\nSUB lcb.000001\n");
}

const std::string kStream =
    "PONG\n"
    "MSG lcb.000001 hello world\n"
    "MSG a.b \n"                      // empty payload keeps its space
    "MSG ch  two leading spaces\r\n"  // payload kept byte for byte, "\r" included
    "\n"                              // empty lines are skipped
    "+OK bye\n"
    "PONG some text\n"
    "-ERR slow consumer\n"
    "-ERR max number of clients reached\r\n";

const std::vector<Recorded> kEvents = {
    {EventType::kPong, "", "", ""},
    {EventType::kMessage, "lcb.000001", "hello world", ""},
    {EventType::kMessage, "a.b", "", ""},
    {EventType::kMessage, "ch", " two leading spaces\r", ""},
    {EventType::kOk, "", "", "+OK bye"},
    {EventType::kPong, "", "", "some text"},
    {EventType::kError, "", "", "slow consumer"},
    {EventType::kError, "", "", "max number of clients reached"},
};

TEST(LinecastDecoder, DecodesAllAtOnce) {
  bool ok = false;
  EXPECT_EQ(decodeInChunks(Protocol::kLinecast, kStream, 0, &ok), kEvents);
  EXPECT_TRUE(ok);
}

TEST(LinecastDecoder, DecodesOneByteAtATime) {
  bool ok = false;
  EXPECT_EQ(decodeInChunks(Protocol::kLinecast, kStream, 1, &ok), kEvents);
  EXPECT_TRUE(ok);
}

TEST(LinecastDecoder, DecodesWhereverTheStreamIsSplit) {
  for (std::size_t at = 0; at <= kStream.size(); ++at) {
    bool ok = false;
    ASSERT_EQ(decodeSplitAt(Protocol::kLinecast, kStream, at, &ok), kEvents) << "split at " << at;
    ASSERT_TRUE(ok);
  }
}

TEST(LinecastDecoder, RejectsMalformedLines) {
  for (std::string bad : {"MSG nospace\n", "MSG  payload\n", "HELLO\n", "PONGX\n"}) {
    bool ok = true;
    decodeInChunks(Protocol::kLinecast, bad, 1, &ok);
    EXPECT_FALSE(ok) << bad;
  }
}

TEST(LinecastDecoder, BoundsAnEndlessLine) {
  auto decoder = makeDecoder(Protocol::kLinecast, 100);
  testing::RecordingSink sink;
  std::string chunk(64, 'x');
  bool ok = true;
  for (int i = 0; i < 100 && ok; ++i) ok = decoder->feed(chunk, sink);
  EXPECT_FALSE(ok);
  EXPECT_NE(decoder->error().find("too long"), std::string::npos);
}

}  // namespace
}  // namespace linecast::bench
