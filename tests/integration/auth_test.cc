// Authentication (docs/PROTOCOL.md, "Authentication" and the line-protocol
// rules for AUTH).

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "server_test.h"

namespace linecast::test {
namespace {

constexpr const char* kToken = "s3cret-T0ken";

// A file removed when the test ends.
class TempFile {
 public:
  explicit TempFile(std::string_view contents) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "linecast-token-XXXXXX").string();
    int fd = ::mkstemp(tmpl.data());
    if (fd >= 0) {
      auto n = ::write(fd, contents.data(), contents.size());
      (void)n;
      ::close(fd);
      path_ = tmpl;
    }
  }
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

using NoTokenAuthTest = ServerTest;

TEST_F(NoTokenAuthTest, AuthWithoutConfiguredTokenIsOk) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("AUTH x\nAUTH anything at all\nauth y\n"));
  EXPECT_TRUE(c.expectLine("+OK"));
  EXPECT_TRUE(c.expectLine("+OK"));
  EXPECT_TRUE(c.expectLine("+OK"));
  EXPECT_TRUE(c.ping());
}

class AuthTest : public ServerTest {
 protected:
  std::vector<std::string> serverArgs() const override { return {"--auth-token", kToken, "--auth-timeout", "5"}; }
};

TEST_F(AuthTest, CommandsBeforeAuthAreRefusedButNotFatal) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("SUB a\nPUB a x\nUNSUB a\nUNSUB\n"));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(c.expectLine("-ERR authentication required")) << i;
  EXPECT_TRUE(c.ping("still here"));
}

TEST_F(AuthTest, PingAndQuitWorkBeforeAuth) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("PING\nPING x\n"));
  EXPECT_TRUE(c.expectLine("PONG"));
  EXPECT_TRUE(c.expectLine("PONG x"));
  ASSERT_TRUE(c.send("QUIT\n"));
  EXPECT_TRUE(c.expectLine("+OK bye"));
  EXPECT_TRUE(c.expectClosed());
}

TEST_F(AuthTest, UnauthenticatedPubIsNotDelivered) {
  TestClient sub = connect();
  TestClient intruder = connect();
  ASSERT_TRUE(sub.send(std::string("AUTH ") + kToken + "\n"));
  ASSERT_TRUE(sub.expectLine("+OK"));
  ASSERT_TRUE(subscribe(sub, {"a"}));
  ASSERT_TRUE(intruder.send("PUB a sneaky\n"));
  EXPECT_TRUE(intruder.expectLine("-ERR authentication required"));
  TestClient pub = connect();
  EXPECT_TRUE(expectOnly(sub, pub, std::string("AUTH ") + kToken + "\n", {}));
  EXPECT_TRUE(pub.expectLine("+OK"));
}

TEST_F(AuthTest, CorrectTokenAuthenticates) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(sub.send(std::string("AUTH ") + kToken + "\n"));
  EXPECT_TRUE(sub.expectLine("+OK"));
  ASSERT_TRUE(pub.send(std::string("auth ") + kToken + "\r\n"));
  EXPECT_TRUE(pub.expectLine("+OK"));
  ASSERT_TRUE(subscribe(sub, {"a"}));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a authed\n", {"MSG a authed"}));
}

TEST_F(AuthTest, RepeatedCorrectAuthIsOk) {
  TestClient c = connect();
  ASSERT_TRUE(c.send(std::string("AUTH ") + kToken + "\nAUTH " + kToken + "\n"));
  EXPECT_TRUE(c.expectLine("+OK"));
  EXPECT_TRUE(c.expectLine("+OK"));
  EXPECT_TRUE(c.ping());
}

TEST_F(AuthTest, TokenIsTheFirstArgument) {
  TestClient a = connect();
  ASSERT_TRUE(a.send(std::string("AUTH   ") + kToken + " extra words\n"));
  EXPECT_TRUE(a.expectLine("+OK"));
  EXPECT_TRUE(a.ping());
}

TEST_F(AuthTest, WrongTokenIsFatal) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("AUTH wrong\nPING after\n"));
  EXPECT_TRUE(c.expectLine("-ERR authentication failed"));
  EXPECT_TRUE(c.expectClosed());
}

TEST_F(AuthTest, TokenPrefixAndCaseVariantsAreWrong) {
  std::string token(kToken);
  for (std::string attempt : {token.substr(0, token.size() - 1), token + "x", std::string("S3CRET-T0KEN")}) {
    SCOPED_TRACE(attempt);
    TestClient c = connect();
    ASSERT_TRUE(c.send("AUTH " + attempt + "\n"));
    EXPECT_TRUE(c.expectLine("-ERR authentication failed"));
    EXPECT_TRUE(c.expectClosed());
  }
}

TEST_F(AuthTest, AuthWithoutArgumentIsAUsageError) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("AUTH\nAUTH   \n"));
  EXPECT_TRUE(c.expectLine("-ERR usage: AUTH <token>"));
  EXPECT_TRUE(c.expectLine("-ERR usage: AUTH <token>"));
  ASSERT_TRUE(c.send(std::string("AUTH ") + kToken + "\n"));
  EXPECT_TRUE(c.expectLine("+OK"));
}

class AuthTimeoutTest : public ServerTest {
 protected:
  std::vector<std::string> serverArgs() const override {
    return {"--auth-token", kToken, "--auth-timeout", "0.5"};
  }
};

TEST_F(AuthTimeoutTest, UnauthenticatedConnectionIsClosedAfterTheTimeout) {
  TestClient idle = connect();
  TestClient pinging = connect();
  auto start = Clock::now();
  ASSERT_TRUE(pinging.ping("before"));  // PING does not authenticate
  EXPECT_TRUE(idle.expectLine("-ERR authentication timeout", milliseconds(5000)));
  EXPECT_TRUE(idle.expectClosed());
  EXPECT_GE(Clock::now() - start, milliseconds(400)) << "closed before --auth-timeout";
  EXPECT_TRUE(pinging.expectLine("-ERR authentication timeout", milliseconds(5000)));
  EXPECT_TRUE(pinging.expectClosed());
}

TEST_F(AuthTimeoutTest, AuthenticatedConnectionIsNotTimedOut) {
  TestClient c = connect();
  ASSERT_TRUE(c.send(std::string("AUTH ") + kToken + "\n"));
  ASSERT_TRUE(c.expectLine("+OK"));
  EXPECT_TRUE(c.expectNothing(milliseconds(1200)));
  EXPECT_TRUE(c.ping("after the timeout"));
}

class NoTokenTimeoutTest : public ServerTest {
 protected:
  std::vector<std::string> serverArgs() const override { return {"--auth-timeout", "0.3"}; }
};

TEST_F(NoTokenTimeoutTest, AuthTimeoutAppliesOnlyWhenATokenIsSet) {
  TestClient c = connect();
  EXPECT_TRUE(c.expectNothing(milliseconds(900)));
  EXPECT_TRUE(c.ping());
}

class AuthTokenFileTest : public ServerTest {
 protected:
  bool startInSetUp() const override { return false; }
};

TEST_F(AuthTokenFileTest, OneTrailingNewlineOfTheFileIsIgnored) {
  TempFile file(std::string(kToken) + "\n");
  ASSERT_FALSE(file.path().empty());
  ASSERT_TRUE(server_.start({"--auth-token-file", file.path()}));
  TestClient c = connect();
  ASSERT_TRUE(c.send("SUB a\n"));
  EXPECT_TRUE(c.expectLine("-ERR authentication required"));
  ASSERT_TRUE(c.send(std::string("AUTH ") + kToken + "\n"));
  EXPECT_TRUE(c.expectLine("+OK"));
  TestClient wrong = connect();
  ASSERT_TRUE(wrong.send(std::string("AUTH ") + kToken + "x\n"));
  EXPECT_TRUE(wrong.expectLine("-ERR authentication failed"));
  EXPECT_TRUE(wrong.expectClosed());
}

TEST_F(AuthTokenFileTest, FileWithoutTrailingNewline) {
  TempFile file(kToken);
  ASSERT_FALSE(file.path().empty());
  ASSERT_TRUE(server_.start({"--auth-token-file", file.path()}));
  TestClient c = connect();
  ASSERT_TRUE(c.send(std::string("AUTH ") + kToken + "\n"));
  EXPECT_TRUE(c.expectLine("+OK"));
}

TEST_F(AuthTokenFileTest, BothTokenFlagsRefuseToStart) {
  TempFile file(std::string(kToken) + "\n");
  ASSERT_FALSE(file.path().empty());
  auto args = ServerProcess::withBaseArgs({"--auth-token", kToken, "--auth-token-file", file.path()});
  auto status = server_.runToExit(args);
  ASSERT_TRUE(status.has_value()) << "the server kept running with both --auth-token and --auth-token-file";
  EXPECT_TRUE(status->exited) << status->describe();
  EXPECT_NE(status->code, 0);
  EXPECT_EQ(server_.log().find("listening on"), std::string::npos) << server_.log();
}

}  // namespace
}  // namespace linecast::test
