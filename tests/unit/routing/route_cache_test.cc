// RouteCache and the Broker's use of it: a cached route answers for its own
// channel only, reflects every subscription change, and a reused slot never
// carries the previous channel's subscribers.

#include "routing/route_cache.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <set>
#include <string>

#include "protocols/line/line_protocol.h"
#include "routing/broker.h"
#include "net/connection.h"

namespace linecast {
namespace {

TEST(RouteCache, SecondLookupOfAChannelHits) {
  RouteCache cache;
  bool hit = true;
  PublishRoute& first = cache.slot("a.b", hit);
  EXPECT_FALSE(hit);
  EXPECT_EQ(first.status, ChannelStatus::kValid);
  EXPECT_EQ(first.msgPrefix, "MSG a.b ");
  PublishRoute& second = cache.slot("a.b", hit);
  EXPECT_TRUE(hit);
  EXPECT_EQ(&first, &second);
}

TEST(RouteCache, RecordsTheChannelStatus) {
  RouteCache cache;
  bool hit;
  EXPECT_EQ(cache.slot("a.*", hit).status, ChannelStatus::kHasWildcard);
  EXPECT_EQ(cache.slot("a..b", hit).status, ChannelStatus::kInvalid);
  EXPECT_EQ(cache.slot("caf\xC3\xA9", hit).status, ChannelStatus::kInvalid);
}

TEST(RouteCache, CollidingChannelsReplaceEachOther) {
  RouteCache cache;
  // Find two channels that share a slot.
  std::string a = "c.0";
  std::string b;
  std::uint64_t slotA = RouteCache::hashChannel(a) & (RouteCache::kSlots - 1);
  for (int i = 1; b.empty(); ++i) {
    std::string candidate = "c." + std::to_string(i);
    if ((RouteCache::hashChannel(candidate) & (RouteCache::kSlots - 1)) == slotA) b = candidate;
  }
  bool hit;
  cache.slot(a, hit).subscribers.push_back(nullptr);
  PublishRoute& route = cache.slot(b, hit);
  EXPECT_FALSE(hit);
  EXPECT_EQ(route.channel, b);
  EXPECT_TRUE(route.subscribers.empty());  // a's list is not b's
  cache.slot(a, hit);
  EXPECT_FALSE(hit);
}

TEST(RouteCache, HashSeesEveryByte) {
  // Every single-byte change, at every position of names up to 40 bytes
  // (the tail loads overlap, so each byte must still count).
  for (std::size_t length = 1; length <= 40; ++length) {
    std::string base(length, 'a');
    std::set<std::uint64_t> seen{RouteCache::hashChannel(base)};
    for (std::size_t i = 0; i < length; ++i) {
      std::string changed = base;
      changed[i] = 'b';
      EXPECT_TRUE(seen.insert(RouteCache::hashChannel(changed)).second) << length << " " << i;
    }
  }
}

// A Broker with real Connections over socketpairs (nothing is written: the
// test looks at the output rings).
class BrokerRouteTest : public ::testing::Test {
 protected:
  Connection& connect() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    peers_.push_back(fds[1]);
    conns_.push_back(std::make_unique<Connection>(fds[0], conns_.size() + 16, PeerAddress{}, 1024,
                                                  1 << 20, endOfTurn_, 0.0));
    conns_.back()->setSession(line_.open(*conns_.back()));  // deliveries are MSG lines
    return *conns_.back();
  }
  static std::string pending(Connection& conn) {
    std::string out(conn.output().size(), '\0');
    conn.output().copyOut(0, out.size(), out.data());
    conn.output().consume(out.size());
    return out;
  }
  void TearDown() override {
    for (auto& conn : conns_) broker_.unsubscribeAll(*conn);
    for (int fd : peers_) ::close(fd);
  }

  Metrics metrics_;
  Broker broker_{metrics_};
  LineProtocol line_{broker_, LineProtocolSettings{1024, 10000, ""}};
  EndOfTurn endOfTurn_;
  std::vector<std::unique_ptr<Connection>> conns_;
  std::vector<int> peers_;
};

TEST_F(BrokerRouteTest, ASubscriptionAfterTheRouteIsCachedIsSeen) {
  Connection& first = connect();
  Connection& second = connect();
  broker_.subscribe(first, "news.>");
  EXPECT_EQ(broker_.publish("news.today", "one"), 1u);
  broker_.subscribe(second, "news.today");
  EXPECT_EQ(broker_.publish("news.today", "two"), 2u);
  broker_.unsubscribe(first, "news.>");
  EXPECT_EQ(broker_.publish("news.today", "three"), 1u);
  EXPECT_EQ(pending(first), "MSG news.today one\nMSG news.today two\n");
  EXPECT_EQ(pending(second), "MSG news.today two\nMSG news.today three\n");
}

TEST_F(BrokerRouteTest, AClosedSubscriberLeavesTheRoute) {
  Connection& sub = connect();
  broker_.subscribe(sub, "a");
  EXPECT_EQ(broker_.publish("a", "x"), 1u);
  broker_.unsubscribeAll(sub);
  EXPECT_EQ(broker_.publish("a", "y"), 0u);
}

TEST_F(BrokerRouteTest, AnInvalidChannelReachesNoLineSubscriber) {
  Connection& sub = connect();
  broker_.subscribe(sub, ">");
  EXPECT_EQ(broker_.publishAnyBytes("bad channel", "x"), 0u);
  EXPECT_EQ(broker_.publishAnyBytes(std::string(300, 'a'), "x"), 0u);
  EXPECT_EQ(broker_.publishAnyBytes("ok", "two\nlines"), 0u);
  EXPECT_EQ(metrics_.messagesUndeliverable, 1u);
  EXPECT_EQ(broker_.publishAnyBytes("ok", "fine"), 1u);
  EXPECT_EQ(pending(sub), "MSG ok fine\n");
}

TEST_F(BrokerRouteTest, ARouteSerialNamesOneChannelsTenureOfItsSlot) {
  // A remembered permission is keyed by the serial: a channel that takes
  // the slot over must get a serial never seen before.
  PublishRoute& first = broker_.route("room2.a");
  std::uint64_t serial = first.serial;
  EXPECT_NE(serial, 0u);
  EXPECT_EQ(broker_.route("room2.a").serial, serial);  // a hit keeps it
  std::string other;
  for (int i = 0; other.empty(); ++i) {
    std::string name = "x" + std::to_string(i);
    if ((RouteCache::hashChannel(name) & (RouteCache::kSlots - 1)) ==
        (RouteCache::hashChannel("room2.a") & (RouteCache::kSlots - 1))) {
      other = name;
    }
  }
  PublishRoute& taken = broker_.route(other);
  EXPECT_EQ(&taken, &first);
  std::uint64_t takenSerial = taken.serial;
  EXPECT_GT(takenSerial, serial);
  EXPECT_GT(broker_.route("room2.a").serial, takenSerial);  // and back: newer still
  EXPECT_EQ(broker_.route(std::string(300, 'a')).serial, 0u);  // uncached, never remembered
}

}  // namespace
}  // namespace linecast
