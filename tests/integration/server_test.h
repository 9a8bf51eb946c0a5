#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "server_process.h"
#include "test_client.h"
#include "test_util.h"

namespace linecast::test {

// Fixture: one linecast-server per test, started in SetUp() with
// serverArgs() unless startInSetUp() says otherwise.
class ServerTest : public ::testing::Test {
 protected:
  // A channel every helper subscriber also holds; a publisher ends each
  // check with a message on it, so "nothing else arrived" is exact without
  // sleeping: per-publisher order puts it after everything published before.
  static constexpr std::string_view kSentinel = "zz-sentinel";

  virtual std::vector<std::string> serverArgs() const { return {}; }
  virtual bool startInSetUp() const { return true; }

  void SetUp() override {
    if (startInSetUp()) {
      ASSERT_TRUE(server_.start(serverArgs()));
    }
  }

  // A client connected to the server; a failure to connect fails the test.
  TestClient connect(const TestClient::Options& options = {}) {
    TestClient c;
    EXPECT_TRUE(c.connect(server_.port(), options));
    return c;
  }

  // SUB <patterns...> kSentinel, then a PING barrier.
  static ::testing::AssertionResult subscribe(TestClient& sub, std::initializer_list<std::string_view> patterns) {
    std::string cmd = "SUB";
    for (auto p : patterns) {
      cmd += ' ';
      cmd += p;
    }
    cmd += ' ';
    cmd += kSentinel;
    cmd += '\n';
    auto sent = sub.send(cmd);
    if (!sent) return sent;
    return sub.ping("subscribed");
  }

  // pub sends `commands` then PUB kSentinel; sub must receive exactly
  // `expected` (in order), then the sentinel message.
  static ::testing::AssertionResult expectOnly(TestClient& sub, TestClient& pub, std::string_view commands,
                                               std::initializer_list<std::string_view> expected) {
    std::string all(commands);
    all += "PUB ";
    all += kSentinel;
    all += " end\n";
    auto sent = pub.send(all);
    if (!sent) return sent;
    for (auto line : expected) {
      auto got = sub.expectLine(line);
      if (!got) return got;
    }
    return sub.expectLine(std::string("MSG ") + std::string(kSentinel) + " end");
  }

  ServerProcess server_;
};

}  // namespace linecast::test
