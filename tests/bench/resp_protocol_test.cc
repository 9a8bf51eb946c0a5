#include "loadgen/resp_protocol.h"

#include <gtest/gtest.h>

#include "recording_sink.h"

namespace linecast::bench {
namespace {

using testing::decodeInChunks;
using testing::decodeSplitAt;
using testing::Recorded;

TEST(RespEncoder, WritesArraysOfBulkStrings) {
  RespEncoder enc;
  std::string out;
  enc.subscribe(out, "lcb.000003", 1);
  enc.ping(out);
  enc.publish(out, "lcb.000003", "hi there");
  enc.publish(out, "e", "");
  EXPECT_EQ(out,
            "*2\r\n$9\r\nSUBSCRIBE\r\n$10\r\nlcb.000003\r\n"
            "*1\r\n$4\r\nPING\r\n"
            "*3\r\n$7\r\nPUBLISH\r\n$10\r\nlcb.000003\r\n$8\r\nhi there\r\n"
            "*3\r\n$7\r\nPUBLISH\r\n$1\r\ne\r\n$0\r\n\r\n");
  EXPECT_FALSE(enc.serverGreets());
  EXPECT_TRUE(enc.subscribeConfirms());
}

const std::string kStream =
    "*3\r\n$9\r\nsubscribe\r\n$10\r\nlcb.000003\r\n:1\r\n"
    "+PONG\r\n"
    ":2\r\n"
    "*3\r\n$7\r\nmessage\r\n$10\r\nlcb.000003\r\n$12\r\nwith\r\nCRLF!!\r\n"
    "*4\r\n$8\r\npmessage\r\n$5\r\nlcb.*\r\n$10\r\nlcb.000003\r\n$0\r\n\r\n"
    "*2\r\n$4\r\npong\r\n$0\r\n\r\n"
    "+OK\r\n"
    "$-1\r\n"
    "*0\r\n"
    "*3\r\n$11\r\nunsubscribe\r\n$1\r\nx\r\n:0\r\n"
    "-ERR unknown command 'FOO'\r\n";

const std::vector<Recorded> kEvents = {
    {EventType::kSubscribed, "lcb.000003", "", ""},
    {EventType::kPong, "", "", ""},
    {EventType::kReply, "", "", "2"},
    {EventType::kMessage, "lcb.000003", "with\r\nCRLF!!", ""},
    {EventType::kMessage, "lcb.000003", "", ""},
    {EventType::kPong, "", "", ""},
    {EventType::kOk, "", "", "OK"},
    {EventType::kReply, "", "", ""},
    {EventType::kReply, "", "", "*0"},
    {EventType::kReply, "", "", "unsubscribe"},
    {EventType::kError, "", "", "ERR unknown command 'FOO'"},
};

TEST(RespDecoder, DecodesAllAtOnce) {
  bool ok = false;
  EXPECT_EQ(decodeInChunks(Protocol::kResp, kStream, 0, &ok), kEvents);
  EXPECT_TRUE(ok);
}

TEST(RespDecoder, DecodesOneByteAtATime) {
  bool ok = false;
  EXPECT_EQ(decodeInChunks(Protocol::kResp, kStream, 1, &ok), kEvents);
  EXPECT_TRUE(ok);
}

TEST(RespDecoder, DecodesWhereverTheStreamIsSplit) {
  for (std::size_t at = 0; at <= kStream.size(); ++at) {
    bool ok = false;
    ASSERT_EQ(decodeSplitAt(Protocol::kResp, kStream, at, &ok), kEvents) << "split at " << at;
    ASSERT_TRUE(ok);
  }
}

TEST(RespDecoder, DecodesInOddChunkSizes) {
  // Chunk sizes that leave array elements in the chunk, in the reader's
  // carry and in both across one array.
  for (std::size_t chunk : {2, 3, 5, 7, 11, 17}) {
    bool ok = false;
    ASSERT_EQ(decodeInChunks(Protocol::kResp, kStream, chunk, &ok), kEvents) << chunk;
    ASSERT_TRUE(ok);
  }
}

TEST(RespDecoder, RejectsWhatPubSubNeverSends) {
  for (std::string bad : {"*2\r\n*1\r\n:1\r\n:1\r\n",   // nested array
                          "$3\r\nabcXX",                 // bulk without CRLF
                          ":x\r\n", "$-2\r\n", "?\r\n", "\r\n",
                          "*9\r\n"}) {                   // more elements than pub/sub uses
    bool ok = true;
    decodeInChunks(Protocol::kResp, bad, 1, &ok);
    EXPECT_FALSE(ok) << bad;
  }
}

TEST(RespEncoder, Resp3StartsWithHello3) {
  std::string out;
  RespEncoder(true).hello(out);
  EXPECT_EQ(out, "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n");
  out.clear();
  RespEncoder().hello(out);
  EXPECT_EQ(out, "");
}

// What a RESP3 subscriber is sent (redis-server 7.0's HELLO 3 map, with its
// nested empty modules array), pushes, and RESP3's other types.
const std::string kResp3Stream =
    "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n"
    "$2\r\nid\r\n:5\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
    "$7\r\nmodules\r\n*0\r\n"
    ">3\r\n$9\r\nsubscribe\r\n$10\r\nlcb.000003\r\n:1\r\n"
    "+PONG\r\n"
    ">3\r\n$7\r\nmessage\r\n$10\r\nlcb.000003\r\n$12\r\nwith\r\nCRLF!!\r\n"
    ">4\r\n$8\r\npmessage\r\n$5\r\nlcb.*\r\n$10\r\nlcb.000003\r\n$0\r\n\r\n"
    "_\r\n"
    "*2\r\n:1\r\n*2\r\n%1\r\n+a\r\n~2\r\n#t\r\n,1.5\r\n=8\r\ntxt:abcd\r\n"
    "*9\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n:9\r\n"
    ":2\r\n";

const std::vector<Recorded> kResp3Events = {
    {EventType::kReply, "", "", ""},
    {EventType::kSubscribed, "lcb.000003", "", ""},
    {EventType::kPong, "", "", ""},
    {EventType::kMessage, "lcb.000003", "with\r\nCRLF!!", ""},
    {EventType::kMessage, "lcb.000003", "", ""},
    {EventType::kReply, "", "", ""},
    {EventType::kReply, "", "", ""},
    {EventType::kReply, "", "", ""},
    {EventType::kReply, "", "", "2"},
};

TEST(RespDecoder, Resp3PushesAndSkippedAggregatesWhereverSplit) {
  bool ok = false;
  EXPECT_EQ(decodeInChunks(Protocol::kResp, kResp3Stream, 1, &ok, 1 << 16, true), kResp3Events);
  EXPECT_TRUE(ok);
  for (std::size_t at = 0; at <= kResp3Stream.size(); ++at) {
    ASSERT_EQ(decodeSplitAt(Protocol::kResp, kResp3Stream, at, &ok, true), kResp3Events) << "split at " << at;
    ASSERT_TRUE(ok);
  }
  // Without --resp3 the same bytes are refused at the map.
  decodeInChunks(Protocol::kResp, kResp3Stream, 0, &ok);
  EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace linecast::bench
