#include "loadgen/runner.h"

#include <gtest/gtest.h>

#include "fake_run.h"
#include "loadgen/clock.h"

namespace linecast::bench {
namespace {

using testing::baseOptions;
using testing::FakeBroker;
using testing::run;

TEST(Runner, ThroughputDeliversEverythingOverManyChannelsAndThreads) {
  FakeBroker broker;
  Options o = baseOptions(broker);
  o.publishers = 2;
  o.subscribers = 5;
  o.channels = 3;
  o.threads = 2;
  o.messages = 3000;
  RunResult r = run(o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.published, 3000u);
  // Channel c has subscribers {c, c+3}: 2, 2, 1; messages spread evenly.
  EXPECT_EQ(r.expected, 1000u * 2 + 1000u * 2 + 1000u * 1);
  EXPECT_EQ(r.delivered, r.expected);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.connections, 7u);
}

// --subscriber-ports: the publisher on one broker, the subscribers spread
// over two others, as on a cluster's nodes. Fake brokers forward nothing to
// each other, so nothing arrives, and the run says so.
TEST(Runner, SubscriberPortsSpreadSubscribersAwayFromThePublisher) {
  FakeBroker a;
  FakeBroker b;
  FakeBroker c;
  Options o = baseOptions(a);
  o.subscriberPorts = {b.port(), c.port()};
  o.subscribers = 5;
  o.stalled = 1;
  o.messages = 100;
  o.drainSec = 0.5;
  RunResult r = run(o);
  EXPECT_EQ(a.subscriptions(), 0u);
  EXPECT_EQ(b.subscriptions(), 3u + 1u);  // subscribers 0, 2, 4 and stalled subscriber 0
  EXPECT_EQ(c.subscriptions(), 2u);       // subscribers 1, 3
  EXPECT_EQ(r.published, 100u);
  EXPECT_EQ(r.delivered, 0u);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("nothing was delivered"), std::string::npos) << r.error;
}

TEST(Runner, SubscriberPortsOnThePublishersBrokerDeliverAndSettleWaits) {
  FakeBroker broker;
  Options o = baseOptions(broker);
  o.subscriberPorts = {broker.port()};
  o.subscribers = 3;
  o.messages = 500;
  o.settleSec = 0.3;
  RunResult r = run(o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(broker.subscriptions(), 3u);
  EXPECT_EQ(r.delivered, 1500u);
  EXPECT_GE(r.settleSec, 0.3);
}

TEST(Runner, PublishingToNobodyEndsWhenTheBrokerHasReadEverything) {
  FakeBroker broker;
  Options o = baseOptions(broker);
  o.subscribers = 0;
  o.messages = 2000;
  RunResult r = run(o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.published, 2000u);
  EXPECT_EQ(r.expected, 0u);
  EXPECT_EQ(r.delivered, 0u);
  // The end barrier was answered, well before the 5 s drain ran out.
  EXPECT_EQ(r.ackedPublishers, 1u);
  EXPECT_GT(r.ackSec, 0.0);
  EXPECT_LT(r.drainSec, 2.0);
}

TEST(Runner, StalledSubscribersConfirmButAreOwedNothing) {
  FakeBroker broker;
  Options o = baseOptions(broker);
  o.subscribers = 2;
  o.stalled = 2;
  o.threads = 2;
  // Few enough to fit the stallers' socket buffers: the fake broker's
  // writes block, a real broker's do not.
  o.messages = 50;
  RunResult r = run(o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.connections, 5u);
  EXPECT_EQ(r.expected, 100u);
  EXPECT_EQ(r.delivered, 100u);
  EXPECT_EQ(r.stalledCut, 0u);
}

TEST(Runner, LatencyStampsEveryMessage) {
  FakeBroker broker;
  Options o = baseOptions(broker);
  o.scenario = Scenario::kLatency;
  o.subscribers = 2;
  o.payloadBytes = 64;
  o.rate = 5000;
  o.messages = 500;
  RunResult r = run(o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.delivered, 1000u);
  EXPECT_EQ(r.latency.count(), 1000u);
  EXPECT_EQ(r.sendLag.count(), 500u);
  EXPECT_GT(r.latency.percentile(0.5), 0u);
  // 500 messages at 5,000/s take about 0.1 s.
  EXPECT_GT(r.publishSec, 0.09);
}

TEST(Runner, ConnsChecksEverySubscriberGetsExactlyItsMessages) {
  FakeBroker broker;
  Options o = baseOptions(broker);
  o.scenario = Scenario::kConns;
  o.subscribers = 200;
  o.channels = 200;
  o.messages = 1000;
  o.threads = 2;
  RunResult r = run(o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.delivered, 1000u);
  EXPECT_EQ(r.mismatchedSubscribers, 0u);
}

TEST(Runner, AWrongDeliveryFailsTheRun) {
  FakeBroker broker(FakeBroker::Fault::kMisdeliver);
  Options o = baseOptions(broker);
  o.subscribers = 2;
  o.channels = 2;
  o.messages = 10;
  RunResult r = run(o);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("wrong delivery"), std::string::npos) << r.error;
}

// A run against a broker that confirms every PUB but delivers less.
RunResult runLossy(FakeBroker::Fault fault, std::size_t messages) {
  FakeBroker broker(fault);
  Options o = baseOptions(broker);
  o.messages = messages;
  o.drainSec = 0.5;
  return run(o);
}

TEST(Runner, LossIsCountedAndFailsTheRun) {
  RunResult r = runLossy(FakeBroker::Fault::kDropEveryTenth, 1000);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.published, 1000u);
  EXPECT_EQ(r.delivered, 900u);
  EXPECT_EQ(r.lost, 100u);
  EXPECT_NE(r.error.find("100 of 1000 deliveries"), std::string::npos) << r.error;
}

TEST(Runner, ARunThatDeliveredNothingSaysSo) {
  RunResult r = runLossy(FakeBroker::Fault::kDropAll, 500);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.delivered, 0u);
  EXPECT_NE(r.error.find("nothing was delivered"), std::string::npos) << r.error;
}

TEST(Runner, AStalledBrokerCannotHangTheRun) {
  FakeBroker broker(FakeBroker::Fault::kSilent);
  Options o = baseOptions(broker);
  o.connectTimeoutSec = 0.5;
  std::uint64_t begin = nowNs();
  RunResult r = run(o);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("confirmed"), std::string::npos) << r.error;
  EXPECT_LT(nowNs() - begin, 3 * kNsPerSec);
}

TEST(Runner, ConnsRefusesToShareChannels) {
  Options o;
  o.scenario = Scenario::kConns;
  o.subscribers = 10;
  o.channels = 5;
  EXPECT_TRUE(validate(o).has_value());
  o.channels = 10;
  EXPECT_FALSE(validate(o).has_value());
  EXPECT_EQ(o.messages, 10u);  // one per subscriber by default
  o.stalled = 1;
  EXPECT_TRUE(validate(o).has_value());
}

}  // namespace
}  // namespace linecast::bench
