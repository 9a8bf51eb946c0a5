// The registration: every listener row names protocols that exist, the
// fallback of each row claims every byte, and first-byte detection on the
// main port picks RESP for '*' and the line protocol for anything else.
#include "protocols/registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "client_directory.h"
#include "metrics.h"
#include "routing/broker.h"

namespace linecast {
namespace {

Protocol* find(const std::vector<std::unique_ptr<Protocol>>& protocols, std::string_view name) {
  for (const auto& p : protocols) {
    if (p->name() == name) return p.get();
  }
  return nullptr;
}

// What Server::dispatchInput does with a connection's first byte.
std::string_view detect(const std::vector<std::unique_ptr<Protocol>>& protocols,
                        const ListenerSpec& row, char first) {
  for (const std::string& name : row.protocols) {
    Protocol* p = find(protocols, name);
    if (p != nullptr && p->claims(first)) return p->name();
  }
  return "";
}

class RegistryTest : public ::testing::Test {
 protected:
  Metrics metrics_;
  Broker broker_{metrics_};
  double now_ = 0;
  ClientDirectory clients_{[](const auto&) {}, now_};
  Config config;
  std::vector<std::unique_ptr<Protocol>> protocols = makeProtocols(broker_, clients_, config);
  std::vector<ListenerSpec> table = listenerTable(config);
};

TEST_F(RegistryTest, EveryRowNamesKnownProtocolsAndEndsWithAFallback) {
  ASSERT_FALSE(table.empty());
  for (const ListenerSpec& row : table) {
    ASSERT_FALSE(row.protocols.empty()) << row.name;
    for (const std::string& name : row.protocols) EXPECT_NE(find(protocols, name), nullptr) << name;
    Protocol* fallback = find(protocols, row.protocols.back());
    for (int c = 0; c < 256; ++c) EXPECT_TRUE(fallback->claims(static_cast<char>(c))) << row.name;
  }
  for (std::size_t i = 0; i < protocols.size(); ++i) {
    for (std::size_t j = i + 1; j < protocols.size(); ++j) {
      EXPECT_NE(protocols[i]->name(), protocols[j]->name());
    }
  }
}

TEST_F(RegistryTest, TheMainPortDetectsRespByItsStar) {
  const ListenerSpec& main = table.front();
  EXPECT_EQ(main.port, config.port);
  EXPECT_EQ(detect(protocols, main, '*'), "resp");
  for (char c : std::string_view("PSUQApsuqa \r\n$+")) EXPECT_EQ(detect(protocols, main, c), "line");
}

TEST_F(RegistryTest, TheHttpRowFollowsItsPort) {
  config.httpPort = 0;
  auto table = listenerTable(config);
  EXPECT_TRUE(std::none_of(table.begin(), table.end(),
                           [](const ListenerSpec& row) { return row.name == "http"; }));
  config.httpPort = 9999;
  table = listenerTable(config);
  auto http = std::find_if(table.begin(), table.end(),
                           [](const ListenerSpec& row) { return row.name == "http"; });
  ASSERT_NE(http, table.end());
  EXPECT_EQ(http->port, 9999);
  EXPECT_EQ(http->protocols, std::vector<std::string>{"http"});
}

}  // namespace
}  // namespace linecast
