// SUB, UNSUB, PING and QUIT (docs/PROTOCOL.md, "Client to server").

#include <string>

#include "server_test.h"

namespace linecast::test {
namespace {

using CommandsTest = ServerTest;

TEST_F(CommandsTest, SubIsIdempotent) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(sub.send("SUB a\nSUB a\nSUB a a\n"));
  ASSERT_TRUE(subscribe(sub, {"a"}));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a once\n", {"MSG a once"}));
  // One UNSUB removes it however many times it was added.
  ASSERT_TRUE(sub.send("UNSUB a\n"));
  ASSERT_TRUE(sub.ping());
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a gone\n", {}));
}

TEST_F(CommandsTest, SubTakesSeveralPatterns) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a", "b.*", "c.>"}));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a 1\nPUB b.x 2\nPUB c.x.y 3\nPUB d 4\n",
                         {"MSG a 1", "MSG b.x 2", "MSG c.x.y 3"}));
}

TEST_F(CommandsTest, UnsubTakesSeveralPatterns) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a", "b.*", "c.>", "d"}));
  ASSERT_TRUE(sub.send("UNSUB a c.> \n"));
  ASSERT_TRUE(sub.ping());
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a 1\nPUB b.x 2\nPUB c.x.y 3\nPUB d 4\n", {"MSG b.x 2", "MSG d 4"}));
}

TEST_F(CommandsTest, UnsubRemovesOnlyTheExactPattern) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a.*"}));
  // a.b is matched by a.* but is not one of the connection's patterns.
  ASSERT_TRUE(sub.send("UNSUB a.b\n"));
  ASSERT_TRUE(sub.ping());
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a.b still\n", {"MSG a.b still"}));
}

TEST_F(CommandsTest, SubWithOneInvalidPatternIsRejectedWhole) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {}));
  ASSERT_TRUE(sub.send("SUB good a..b also\n"));
  EXPECT_TRUE(sub.expectLine("-ERR invalid pattern"));
  ASSERT_TRUE(sub.send("SUB first.> >.bad\n"));
  EXPECT_TRUE(sub.expectLine("-ERR invalid pattern"));
  ASSERT_TRUE(sub.ping());
  EXPECT_TRUE(expectOnly(sub, pub, "PUB good x\nPUB also y\nPUB first.z z\n", {}));
}

TEST_F(CommandsTest, UnsubWithOneInvalidPatternIsRejectedWhole) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a", "b"}));
  ASSERT_TRUE(sub.send("UNSUB a b .bad\n"));
  EXPECT_TRUE(sub.expectLine("-ERR invalid pattern"));
  ASSERT_TRUE(sub.ping());
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a 1\nPUB b 2\n", {"MSG a 1", "MSG b 2"}));
}

TEST_F(CommandsTest, UnsubOfAPatternNotHeldIsSilent) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("UNSUB never.held\nUNSUB x y.* z.>\nSUB a\nUNSUB a\nUNSUB a\nPING done\n"));
  EXPECT_TRUE(c.expectLine("PONG done"));
  EXPECT_TRUE(c.expectNothing());
}

TEST_F(CommandsTest, UnsubWithoutArgumentRemovesAll) {
  TestClient c = connect();
  // One connection, so every command takes effect in order; the final PUB
  // on a fresh subscription shows that nothing before it was delivered.
  ASSERT_TRUE(c.send("SUB a b.* c.> >\nUNSUB\nPUB a 1\nPUB b.x 2\nPUB c.x.y 3\nSUB z\nPUB z last\n"));
  EXPECT_TRUE(c.expectLine("MSG z last"));
  EXPECT_TRUE(c.expectNothing());
  // The same with trailing spaces after UNSUB.
  ASSERT_TRUE(c.send("SUB a\nUNSUB   \nPUB a 1\nSUB z\nPUB z again\n"));
  EXPECT_TRUE(c.expectLine("MSG z again"));
  EXPECT_TRUE(c.expectNothing());
}

TEST_F(CommandsTest, UnsubWithoutArgumentStopsDeliveryFromOthers) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a", "b.>"}));
  ASSERT_TRUE(sub.send("UNSUB\n"));
  ASSERT_TRUE(sub.ping());
  ASSERT_TRUE(pub.send("PUB a 1\nPUB b.c 2\n"));
  ASSERT_TRUE(pub.ping());  // both PUBs have been routed
  ASSERT_TRUE(subscribe(sub, {}));
  EXPECT_TRUE(expectOnly(sub, pub, "", {}));
}

TEST_F(CommandsTest, PingIsABarrierForSub) {
  // After PONG the subscription matches, without any sleep.
  TestClient sub = connect();
  TestClient pub = connect();
  for (int i = 0; i < 50; ++i) {
    std::string ch = "bar." + std::to_string(i);
    ASSERT_TRUE(sub.send("SUB " + ch + "\n"));
    ASSERT_TRUE(sub.ping(std::to_string(i)));
    ASSERT_TRUE(pub.send("PUB " + ch + " x\n"));
    ASSERT_TRUE(sub.expectLine("MSG " + ch + " x"));
  }
}

TEST_F(CommandsTest, QuitRepliesByeAndCloses) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("QUIT\n"));
  EXPECT_TRUE(c.expectLine("+OK bye"));
  EXPECT_TRUE(c.expectClosed());
}

TEST_F(CommandsTest, QuitFlushesEarlierOutputFirst) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("SUB a\nPUB a 1\nPING p\nFOO\nPUB a 2\nQUIT\n"));
  auto all = c.readUntilClosed();
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(escapeBytes(*all), escapeBytes("MSG a 1\nPONG p\n-ERR unknown command 'FOO'\nMSG a 2\n+OK bye\n"));
}

TEST_F(CommandsTest, BytesAfterQuitAreDiscarded) {
  TestClient sub = connect();
  TestClient quitter = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  ASSERT_TRUE(quitter.send("PUB a before\nQUIT\nPUB a after\nPING never\nSUB x\n"));
  auto all = quitter.readUntilClosed();
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(escapeBytes(*all), escapeBytes("+OK bye\n"));
  TestClient pub = connect();
  EXPECT_TRUE(expectOnly(sub, pub, "", {"MSG a before"}));
}

TEST_F(CommandsTest, HalfCloseExecutesCompleteLinesFlushesAndCloses) {
  TestClient sub = connect();
  TestClient c = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  ASSERT_TRUE(c.send("SUB a\nPING 1\nPUB a x\nFOO\nPING 2\nPUB a unterminated"));
  c.shutdownWrite();
  auto all = c.readUntilClosed();
  ASSERT_TRUE(all.has_value()) << "the server did not close a half-closed connection";
  EXPECT_EQ(escapeBytes(*all), escapeBytes("PONG 1\nMSG a x\n-ERR unknown command 'FOO'\nPONG 2\n"));
  // The other subscriber got the complete PUB, not the unterminated one.
  TestClient pub = connect();
  EXPECT_TRUE(expectOnly(sub, pub, "", {"MSG a x"}));
}

TEST_F(CommandsTest, HalfCloseFlushesManyReplies) {
  TestClient c = connect();
  std::string batch;
  std::string expected;
  constexpr int kCount = 20'000;
  for (int i = 0; i < kCount; ++i) {
    batch += "PING " + std::to_string(i) + "\n";
    expected += "PONG " + std::to_string(i) + "\n";
  }
  ASSERT_TRUE(c.send(batch));
  c.shutdownWrite();
  auto all = c.readUntilClosed();
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), expected.size());
  EXPECT_TRUE(*all == expected) << "replies differ from the PONGs expected";
}

TEST_F(CommandsTest, HalfCloseAfterOnlyAPartialLineClosesSilently) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("PING unterminated"));
  c.shutdownWrite();
  EXPECT_TRUE(c.expectClosed());
}

}  // namespace
}  // namespace linecast::test
