// Non-fatal errors (docs/PROTOCOL.md, the error table): exact texts, and the
// connection keeps working after each.

#include <string>

#include "server_test.h"

namespace linecast::test {
namespace {

using ErrorsTest = ServerTest;

TEST_F(ErrorsTest, UnknownCommandNamesTheVerbAndKeepsTheConnection) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("FOO bar baz\n"));
  EXPECT_TRUE(c.expectLine("-ERR unknown command 'FOO'"));
  ASSERT_TRUE(c.send("XYZZY\n"));
  EXPECT_TRUE(c.expectLine("-ERR unknown command 'XYZZY'"));
  ASSERT_TRUE(c.send("  PUBLISH a b\n"));
  EXPECT_TRUE(c.expectLine("-ERR unknown command 'PUBLISH'"));
  EXPECT_TRUE(c.ping("alive"));
}

TEST_F(ErrorsTest, MissingArguments) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("PUB\n"));
  EXPECT_TRUE(c.expectLine("-ERR missing channel"));
  ASSERT_TRUE(c.send("PUB \n"));
  EXPECT_TRUE(c.expectLine("-ERR missing channel"));
  ASSERT_TRUE(c.send("PUB    \r\n"));
  EXPECT_TRUE(c.expectLine("-ERR missing channel"));
  ASSERT_TRUE(c.send("SUB\n"));
  EXPECT_TRUE(c.expectLine("-ERR missing pattern"));
  ASSERT_TRUE(c.send("SUB   \n"));
  EXPECT_TRUE(c.expectLine("-ERR missing pattern"));
  EXPECT_TRUE(c.ping("alive"));
}

TEST_F(ErrorsTest, AuthWithoutTokenArgument) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("AUTH\n"));
  EXPECT_TRUE(c.expectLine("-ERR usage: AUTH <token>"));
  EXPECT_TRUE(c.ping("alive"));
}

TEST_F(ErrorsTest, InvalidChannelAndPattern) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("PUB a..b x\nSUB a..b\nUNSUB .a\nPUB a.* x\n"));
  EXPECT_TRUE(c.expectLine("-ERR invalid channel"));
  EXPECT_TRUE(c.expectLine("-ERR invalid pattern"));
  EXPECT_TRUE(c.expectLine("-ERR invalid pattern"));
  EXPECT_TRUE(c.expectLine("-ERR wildcard not allowed in PUB channel"));
  EXPECT_TRUE(c.ping("alive"));
}

TEST_F(ErrorsTest, PipelinedErrorsAnswerInOrderAndLaterCommandsRun) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("FOO\nPUB\nSUB\nPUB a.* x\nSUB a..b\nPUB a..b x\nAUTH\nSUB ok\nPUB ok works\nQUIT\n"));
  auto all = c.readUntilClosed();
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(escapeBytes(*all),
            escapeBytes("-ERR unknown command 'FOO'\n"
                        "-ERR missing channel\n"
                        "-ERR missing pattern\n"
                        "-ERR wildcard not allowed in PUB channel\n"
                        "-ERR invalid pattern\n"
                        "-ERR invalid channel\n"
                        "-ERR usage: AUTH <token>\n"
                        "MSG ok works\n"
                        "+OK bye\n"));
}

TEST_F(ErrorsTest, ErrorsOnOneConnectionDoNotDisturbOthers) {
  TestClient sub = connect();
  TestClient bad = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  ASSERT_TRUE(bad.send("FOO\nSUB .\nPUB >\n"));
  EXPECT_TRUE(bad.expectLine("-ERR unknown command 'FOO'"));
  EXPECT_TRUE(bad.expectLine("-ERR invalid pattern"));
  EXPECT_TRUE(bad.expectLine("-ERR wildcard not allowed in PUB channel"));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a fine\n", {"MSG a fine"}));
}

}  // namespace
}  // namespace linecast::test
