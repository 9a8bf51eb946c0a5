// linecast-bench --protocol ws end to end, against the fake broker speaking
// the line protocol over WebSocket (tests/bench/fake_broker.h).

#include <gtest/gtest.h>

#include "fake_run.h"
#include "loadgen/ws_sender.h"

namespace linecast::bench {
namespace {

using testing::FakeBroker;
using testing::run;

FakeBroker::Transport kWs = FakeBroker::Transport::kWebSocket;

Options wsOptions(const FakeBroker& broker) {
  Options o = testing::baseOptions(broker);
  o.websocket = true;
  o.wsPath = "/ws";
  return o;
}

TEST(WsRunner, ThroughputDeliversEverythingOverManyChannelsAndThreads) {
  FakeBroker broker(FakeBroker::Fault::kNone, kWs);
  Options o = wsOptions(broker);
  o.publishers = 2;
  o.subscribers = 5;
  o.channels = 3;
  o.threads = 2;
  o.messages = 30000;
  RunResult r = run(o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.published, 30000u);
  EXPECT_EQ(r.expected, 10000u * 2 + 10000u * 2 + 10000u * 1);
  EXPECT_EQ(r.delivered, r.expected);
  EXPECT_EQ(r.connections, 7u);
}

TEST(WsRunner, PayloadsOverOneFrameGoOutAsFragments) {
  FakeBroker broker(FakeBroker::Fault::kNone, kWs);
  Options o = wsOptions(broker);
  o.payloadBytes = 3 * WsSender::kMaxMessage + 17;
  o.messages = 20;
  RunResult r = run(o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.delivered, 20u);
}

TEST(WsRunner, LatencyAndConnsWork) {
  FakeBroker broker(FakeBroker::Fault::kNone, kWs);
  Options o = wsOptions(broker);
  o.scenario = Scenario::kLatency;
  o.payloadBytes = 64;
  o.rate = 5000;
  o.messages = 300;
  RunResult r = run(o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.latency.count(), 300u);

  Options c = wsOptions(broker);
  c.scenario = Scenario::kConns;
  c.subscribers = 100;
  c.channels = 100;
  c.messages = 500;
  RunResult rc = run(c);
  ASSERT_TRUE(rc.ok) << rc.error;
  EXPECT_EQ(rc.delivered, 500u);
  EXPECT_EQ(rc.mismatchedSubscribers, 0u);
}

TEST(WsRunner, AnUpgradeThePlainBrokerDoesNotAnswerFailsTheRun) {
  FakeBroker broker;  // no WebSocket: the GET line is an unknown command
  Options o = wsOptions(broker);
  o.messages = 10;
  o.connectTimeoutSec = 0.5;
  RunResult r = run(o);
  EXPECT_FALSE(r.ok);
}

TEST(WsRunner, ValidatesTheWsFlags) {
  Options o;
  o.wsPath = "/x";
  EXPECT_EQ(validate(o), "--ws-path is for --protocol ws and nats-ws");
  o.websocket = true;
  o.wsPath = "x";
  EXPECT_TRUE(validate(o).has_value());
  o.wsPath = "/ws";
  EXPECT_FALSE(validate(o).has_value());
  EXPECT_EQ(protocolLabel(o), "ws");
  o.protocol = Protocol::kNats;
  EXPECT_EQ(protocolLabel(o), "nats-ws");
}

}  // namespace
}  // namespace linecast::bench
