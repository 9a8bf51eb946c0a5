#include "loadgen/nats_protocol.h"

#include <gtest/gtest.h>

#include "recording_sink.h"

namespace linecast::bench {
namespace {

using testing::decodeInChunks;
using testing::decodeSplitAt;
using testing::Recorded;

TEST(NatsEncoder, WritesCoreNats) {
  NatsEncoder enc;
  std::string out;
  enc.hello(out);
  enc.subscribe(out, "lcb.000002", 3);
  enc.ping(out);
  enc.publish(out, "lcb.000002", "hello");
  enc.publish(out, "e", "");
  enc.pong(out);
  EXPECT_EQ(out,
            "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n"
            "SUB lcb.000002 3\r\n"
            "PING\r\n"
            "PUB lcb.000002 5\r\nhello\r\n"
            "PUB e 0\r\n\r\n"
            "PONG\r\n");
  EXPECT_TRUE(enc.serverGreets());
  EXPECT_FALSE(enc.subscribeConfirms());
}

const std::string kStream =
    "INFO {\"server_id\":\"X\",\"max_payload\":1048576}\r\n"
    "PONG\r\n"
    "MSG lcb.000002 1 5\r\nhello\r\n"
    "MSG lcb.000002 1 _INBOX.reply 12\r\nwith\r\nCRLF!!\r\n"  // length-framed: CRLF inside is data
    "msg a\t1  0\r\n\r\n"                                   // verbs are case-insensitive
    "PING\r\n"
    "+OK\r\n"
    "-ERR 'Slow Consumer'\r\n";

const std::vector<Recorded> kEvents = {
    {EventType::kGreeting, "", "", "{\"server_id\":\"X\",\"max_payload\":1048576}"},
    {EventType::kPong, "", "", ""},
    {EventType::kMessage, "lcb.000002", "hello", ""},
    {EventType::kMessage, "lcb.000002", "with\r\nCRLF!!", ""},
    {EventType::kMessage, "a", "", ""},
    {EventType::kPing, "", "", ""},
    {EventType::kOk, "", "", "+OK"},
    {EventType::kError, "", "", "'Slow Consumer'"},
};

TEST(NatsDecoder, DecodesAllAtOnce) {
  bool ok = false;
  EXPECT_EQ(decodeInChunks(Protocol::kNats, kStream, 0, &ok), kEvents);
  EXPECT_TRUE(ok);
}

TEST(NatsDecoder, DecodesOneByteAtATime) {
  bool ok = false;
  EXPECT_EQ(decodeInChunks(Protocol::kNats, kStream, 1, &ok), kEvents);
  EXPECT_TRUE(ok);
}

TEST(NatsDecoder, DecodesWhereverTheStreamIsSplit) {
  for (std::size_t at = 0; at <= kStream.size(); ++at) {
    bool ok = false;
    ASSERT_EQ(decodeSplitAt(Protocol::kNats, kStream, at, &ok), kEvents) << "split at " << at;
    ASSERT_TRUE(ok);
  }
}

TEST(NatsDecoder, DecodesInOddChunkSizes) {
  for (std::size_t chunk : {2, 3, 5, 7, 13}) {
    bool ok = false;
    ASSERT_EQ(decodeInChunks(Protocol::kNats, kStream, chunk, &ok), kEvents) << chunk;
    ASSERT_TRUE(ok);
  }
}

TEST(NatsDecoder, RejectsBrokenFrames) {
  for (std::string bad : {"MSG a 1 5\r\nhelloXX", "MSG a 1\r\n", "MSG a 1 x\r\n", "HMSG a 1 0 0\r\n",
                          "WHAT\r\n", "MSG a 1 2 3 4\r\n"}) {
    bool ok = true;
    decodeInChunks(Protocol::kNats, bad, 1, &ok);
    EXPECT_FALSE(ok) << bad;
  }
}

TEST(NatsDecoder, RejectsAPayloadOverTheLimit) {
  bool ok = true;
  decodeInChunks(Protocol::kNats, "MSG a 1 1000\r\n", 0, &ok, /*maxFrame=*/100);
  EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace linecast::bench
