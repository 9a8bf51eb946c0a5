// Framing (docs/PROTOCOL.md, "Framing"): terminators, blank lines, verbs,
// byte-exact payloads, the --max-line limit and lines split across writes.

#include <string>
#include <thread>

#include "server_test.h"

namespace linecast::test {
namespace {

using FramingTest = ServerTest;

TEST_F(FramingTest, LfAndCrlfBothTerminateALine) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(sub.send("SUB a\r\nPING crlf\r\n"));
  ASSERT_TRUE(sub.expectLine("PONG crlf"));
  ASSERT_TRUE(pub.send("PUB a lf\nPUB a crlf\r\n"));
  EXPECT_TRUE(sub.expectLine("MSG a lf"));
  EXPECT_TRUE(sub.expectLine("MSG a crlf"));
  EXPECT_TRUE(sub.expectNothing());
}

TEST_F(FramingTest, ServerEndsItsLinesWithLfAlone) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("SUB a\r\nPING\r\nPUB a x\r\nFOO\r\n"));
  auto bytes = std::string("PONG\nMSG a x\n-ERR unknown command 'FOO'\n");
  ASSERT_TRUE(c.send("QUIT\r\n"));
  auto all = c.readUntilClosed();
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(escapeBytes(*all), escapeBytes(bytes + "+OK bye\n"));
}

TEST_F(FramingTest, OnlyOneCarriageReturnRightBeforeLfIsRemoved) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a x\r\r\nPUB a x\ry\nPUB a \r\nPUB a \r\r\nPUB a \rx\r\n",
                         {"MSG a x\r", "MSG a x\ry", "MSG a ", "MSG a \r", "MSG a \rx"}));
}

TEST_F(FramingTest, EmptyAndBlankLinesAreIgnored) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("\n\r\n\n   \n\t\t\n \t \r\n\t\r\nPING after\n\n"));
  EXPECT_TRUE(c.expectLine("PONG after"));
  EXPECT_TRUE(c.expectNothing());
}

TEST_F(FramingTest, LeadingSpacesBeforeTheVerbAreIgnored) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(sub.send("   SUB a zz-sentinel\n  PING one\n"));
  ASSERT_TRUE(sub.expectLine("PONG one"));
  EXPECT_TRUE(expectOnly(sub, pub, "    PUB a spaced\n", {"MSG a spaced"}));
  ASSERT_TRUE(sub.send("  UNSUB a\n"));
  ASSERT_TRUE(sub.ping());
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a gone\n", {}));
}

TEST_F(FramingTest, VerbsAreCaseInsensitive) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(sub.send("sub a\nSub b\nsUB zz-sentinel\nping lower\nPiNg mixed\n"));
  ASSERT_TRUE(sub.expectLine("PONG lower"));
  ASSERT_TRUE(sub.expectLine("PONG mixed"));
  EXPECT_TRUE(expectOnly(sub, pub, "pub a 1\nPub b 2\npUB a 3\n", {"MSG a 1", "MSG b 2", "MSG a 3"}));
  ASSERT_TRUE(sub.send("unsub a\nUnSub b\nPING\n"));
  ASSERT_TRUE(sub.expectLine("PONG"));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a 4\nPUB b 5\n", {}));
  ASSERT_TRUE(sub.send("quit\n"));
  EXPECT_TRUE(sub.expectLine("+OK bye"));
  EXPECT_TRUE(sub.expectClosed());
}

TEST_F(FramingTest, PayloadIsKeptByteForByte) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  std::string nul("x\0y\0", 4);
  std::string high = "\x80\xff\xfe caf\xc3\xa9 \xc3\x28";  // valid and invalid UTF-8
  std::string commands = "PUB a   three leading spaces\n"
                         "PUB a \ttab\tinside\t\n"
                         "PUB a trailing spaces   \n"
                         "PUB a " + nul + "\n"
                         "PUB a " + high + "\n"
                         "PUB a multiple   inner    spaces\n";
  EXPECT_TRUE(expectOnly(sub, pub, commands,
                         {"MSG a   three leading spaces", "MSG a \ttab\tinside\t", "MSG a trailing spaces   ",
                          "MSG a " + nul, "MSG a " + high, "MSG a multiple   inner    spaces"}));
}

TEST_F(FramingTest, PayloadMayHoldEveryByteButLf) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"bytes"}));
  std::string payload;
  for (int b = 0; b < 256; ++b) {
    if (b != '\n') payload += static_cast<char>(b);
  }
  payload += "end";  // so the '\r' inside is not the last byte
  EXPECT_TRUE(expectOnly(sub, pub, "PUB bytes " + payload + "\n", {"MSG bytes " + payload}));
}

TEST_F(FramingTest, SeveralSpacesSeparateArguments) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(sub.send("SUB   a    b  zz-sentinel\n"));
  ASSERT_TRUE(sub.ping());
  // The channel follows one or more spaces; the payload starts after the
  // single space that follows the channel.
  EXPECT_TRUE(expectOnly(sub, pub, "PUB   a x\nPUB b  two\n", {"MSG a x", "MSG b  two"}));
}

TEST_F(FramingTest, EmptyPayloadIsSentWithTheSpaceAfterTheChannel) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"ch"}));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB ch\nPUB ch \nPUB ch\r\nPUB ch \r\n",
                         {"MSG ch ", "MSG ch ", "MSG ch ", "MSG ch "}));
}

TEST_F(FramingTest, PingEchoesItsTextByteForByte) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("PING\nPING hello\nPING \nPING  two  spaces \nPING a\tb\nPING x\r\n"));
  EXPECT_TRUE(c.expectLine("PONG"));
  EXPECT_TRUE(c.expectLine("PONG hello"));
  EXPECT_TRUE(c.expectLine("PONG"));
  EXPECT_TRUE(c.expectLine("PONG  two  spaces "));
  EXPECT_TRUE(c.expectLine("PONG a\tb"));
  EXPECT_TRUE(c.expectLine("PONG x"));
  EXPECT_TRUE(c.expectNothing());
}

TEST_F(FramingTest, ManyPipelinedCommandsInOneWriteAnswerInOrder) {
  TestClient c = connect();
  std::string batch;
  constexpr int kCount = 5000;
  for (int i = 0; i < kCount; ++i) batch += "PING " + std::to_string(i) + "\n";
  ASSERT_TRUE(c.send(batch));
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(c.expectLine("PONG " + std::to_string(i))) << "at " << i;
  }
  EXPECT_TRUE(c.expectNothing());
}

TEST_F(FramingTest, LinesSplitOneByteAtATime) {
  TestClient sub = connect();
  TestClient pub = connect();
  std::string script = "  sub a.b zz-sentinel\r\n\r\n   \nPING split\r\nPUB a.b one byte\tat a time\r\nPUB a.b \r\n";
  for (char ch : script) {
    ASSERT_TRUE(sub.send(std::string_view(&ch, 1)));
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  EXPECT_TRUE(sub.expectLine("PONG split"));
  EXPECT_TRUE(sub.expectLine("MSG a.b one byte\tat a time"));
  EXPECT_TRUE(sub.expectLine("MSG a.b "));
  EXPECT_TRUE(expectOnly(sub, pub, "", {}));
}

TEST_F(FramingTest, CrAndLfInSeparateWrites) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  ASSERT_TRUE(pub.send("PUB a x\r"));
  EXPECT_TRUE(sub.expectNothing(milliseconds(100)));
  ASSERT_TRUE(pub.send("\n"));
  EXPECT_TRUE(sub.expectLine("MSG a x"));
}

TEST_F(FramingTest, DefaultMaxLineIsOneMebibyte) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  std::string payload = repeat('d', (1u << 20) - 6);  // "PUB a " + payload: exactly 1 MiB
  std::thread reader([&] { EXPECT_TRUE(sub.expectLine("MSG a " + payload, milliseconds(10'000))); });
  EXPECT_TRUE(pub.send("PUB a " + payload + "\n", milliseconds(10'000)));
  reader.join();
  pub.send("PUB a " + payload + "x\n", milliseconds(10'000));  // one byte over
  EXPECT_TRUE(pub.expectLine("-ERR line too long (max 1048576 bytes)", milliseconds(10'000)));
  EXPECT_TRUE(pub.expectClosed());
}

// --max-line: the line without its terminator may be N bytes, not N + 1.
class MaxLineTest : public ServerTest {
 protected:
  static constexpr std::size_t kMaxLine = 64;
  // A short grace: a rejected sender may leave unread bytes behind, and the
  // end-of-test SIGTERM need not wait long for them.
  std::vector<std::string> serverArgs() const override {
    return {"--max-line", std::to_string(kMaxLine), "--shutdown-grace", "1"};
  }

  // "PUB a " plus a payload, `length` bytes in all.
  static std::string pubLine(std::size_t length) { return "PUB a " + repeat('p', length - 6); }
};

TEST_F(MaxLineTest, LineOfExactlyMaxLineBytesIsAccepted) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  std::string line = pubLine(kMaxLine);
  ASSERT_EQ(line.size(), kMaxLine);
  EXPECT_TRUE(expectOnly(sub, pub, line + "\n", {"MSG a " + repeat('p', kMaxLine - 6)}));
  EXPECT_TRUE(pub.ping("still open"));
}

TEST_F(MaxLineTest, CrlfIsNotCountedInTheLimit) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  EXPECT_TRUE(expectOnly(sub, pub, pubLine(kMaxLine) + "\r\n", {"MSG a " + repeat('p', kMaxLine - 6)}));
  // The same with the '\r' and the '\n' in separate writes: the server must
  // not count the '\r' before it has seen what follows.
  ASSERT_TRUE(pub.send(pubLine(kMaxLine) + "\r"));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_TRUE(expectOnly(sub, pub, "\n", {"MSG a " + repeat('p', kMaxLine - 6)}));
  EXPECT_TRUE(pub.ping("still open"));
}

TEST_F(MaxLineTest, CarriageReturnInsideTheLineIsCounted) {
  // Only "\r\n" is a terminator: a '\r' kept in the payload is a byte of the line.
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  std::string ok = pubLine(kMaxLine - 1) + "\r";  // 64 bytes, last one '\r'
  EXPECT_TRUE(expectOnly(sub, pub, ok + "\r\n", {"MSG a " + repeat('p', kMaxLine - 7) + "\r"}));
  ASSERT_TRUE(pub.send(pubLine(kMaxLine) + "\r\r\n"));  // 65 bytes
  EXPECT_TRUE(pub.expectLine("-ERR line too long (max 64 bytes)"));
  EXPECT_TRUE(pub.expectClosed());
}

TEST_F(MaxLineTest, LineOfMaxLinePlusOneIsFatal) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  ASSERT_TRUE(pub.send(pubLine(kMaxLine + 1) + "\nPUB a after\n"));
  EXPECT_TRUE(pub.expectLine("-ERR line too long (max 64 bytes)"));
  EXPECT_TRUE(pub.expectClosed());
  // Neither the long line nor anything after it was published.
  TestClient other = connect();
  EXPECT_TRUE(expectOnly(sub, other, "", {}));
}

TEST_F(MaxLineTest, LongLineWithoutNewlineIsRejectedWithoutWaitingForTheEnd) {
  TestClient c = connect();
  ASSERT_TRUE(c.send(repeat('x', 4 * kMaxLine)));
  EXPECT_TRUE(c.expectLine("-ERR line too long (max 64 bytes)"));
  EXPECT_TRUE(c.expectClosed());
}

TEST_F(MaxLineTest, HugeLineIsRejected) {
  // Far more than one read: the server must not buffer it all first.
  TestClient c = connect();
  std::string huge = repeat('y', 4u << 20);
  // The server may close while we are still sending; only its answer counts.
  c.send(huge, milliseconds(2000));
  EXPECT_TRUE(c.expectLine("-ERR line too long (max 64 bytes)"));
  EXPECT_TRUE(c.expectClosed());
}

TEST_F(MaxLineTest, LongLineSentOneByteAtATimeIsRejectedAtTheLimit) {
  TestClient c = connect();
  std::string line = pubLine(kMaxLine + 1);
  for (std::size_t i = 0; i < line.size(); ++i) {
    ASSERT_TRUE(c.send(std::string_view(&line[i], 1)));
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  // A few more bytes, still no newline: the line is over the limit by now.
  c.send("xyz");
  EXPECT_TRUE(c.expectLine("-ERR line too long (max 64 bytes)"));
  EXPECT_TRUE(c.expectClosed());
}

}  // namespace
}  // namespace linecast::test
