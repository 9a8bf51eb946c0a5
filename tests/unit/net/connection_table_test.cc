// ConnectionTable: the Server's connections by id without a heap node per
// connection (issue 14 step 10). Ids strided as a thread's are (every
// fourth), inserted through several growths, erased in an order that
// exercises the backward shift across the table's end, and checked
// against a plain set after every change.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "net/connection_table.h"

namespace linecast {
namespace {

class ConnectionTableTest : public ::testing::Test {
 protected:
  std::unique_ptr<Connection> make(std::uint64_t id) {
    return std::make_unique<Connection>(-1, id, PeerAddress{}, 1024, 1 << 20, endOfTurn_, 0.0);
  }
  void expectSame(const ConnectionTable& table, const std::set<std::uint64_t>& ids, std::uint64_t last) {
    ASSERT_EQ(table.size(), ids.size());
    for (std::uint64_t id = 1; id <= last; ++id) {
      Connection* conn = table.find(id);
      if (ids.count(id) != 0) {
        ASSERT_NE(conn, nullptr) << id;
        ASSERT_EQ(conn->id(), id);
      } else {
        ASSERT_EQ(conn, nullptr) << id;
      }
    }
    std::size_t visited = 0;
    table.forEach([&](Connection& conn) {
      ++visited;
      EXPECT_EQ(ids.count(conn.id()), 1u);
    });
    EXPECT_EQ(visited, ids.size());
  }

  EndOfTurn endOfTurn_;
};

TEST_F(ConnectionTableTest, FindsWhatIsInAfterGrowthAndErases) {
  ConnectionTable table;
  EXPECT_EQ(table.find(1), nullptr);
  table.erase(1);  // nothing to erase
  std::set<std::uint64_t> ids;
  std::uint64_t last = 0;
  for (std::uint64_t id = 3; id <= 3 + 4 * 999; id += 4) {  // 1,000 ids of thread 2 of 4
    table.insert(make(id));
    ids.insert(id);
    last = id;
  }
  expectSame(table, ids, last + 4);

  std::mt19937 random(14);
  std::vector<std::uint64_t> order(ids.begin(), ids.end());
  std::shuffle(order.begin(), order.end(), random);
  for (std::size_t i = 0; i < order.size(); ++i) {
    table.erase(order[i]);
    ids.erase(order[i]);
    if (i % 97 == 0) expectSame(table, ids, last + 4);
    if (i % 3 == 0) {  // reinserting new ids while erasing
      last += 4;
      table.insert(make(last));
      ids.insert(last);
    }
  }
  expectSame(table, ids, last + 4);
  table.clear();
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.find(last), nullptr);
  table.insert(make(last + 4));  // usable again after clear
  EXPECT_NE(table.find(last + 4), nullptr);
}

TEST_F(ConnectionTableTest, AColdTableOfSixteenWrapsAround) {
  // Few connections, many erases and inserts: entries past the end of a
  // 16-slot table's probe wrap to its start and must move back over it.
  ConnectionTable table;
  std::set<std::uint64_t> ids;
  std::uint64_t next = 1;
  for (int round = 0; round < 2000; ++round) {
    if (ids.size() < 11) {
      table.insert(make(next));
      ids.insert(next);
      ++next;
    } else {
      std::uint64_t victim = *std::next(ids.begin(), round % ids.size());
      table.erase(victim);
      ids.erase(victim);
    }
    if (round % 50 == 0) expectSame(table, ids, next);
  }
  expectSame(table, ids, next);
}

}  // namespace
}  // namespace linecast
