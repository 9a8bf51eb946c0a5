// Redis's CLIENT LIST, CLIENT INFO and CLIENT KILL against the real binary
// with two reactor threads (connections are handed out in turn, so
// neighbours land on different threads): every connection of every
// protocol is listed, whichever thread owns it; a kill closes a connection
// on another thread, a subscriber in the middle of a fan-out, or the asker
// itself after its reply; two threads asking each other at once both get
// their answers (docs/PROTOCOL.md, "RESP").

#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server_test.h"

namespace linecast::test {
namespace {

class ClientCommandsTest : public ServerTest {
 protected:
  ClientCommandsTest() : httpPort_(freePort()) {}
  std::vector<std::string> serverArgs() const override {
    return {"--threads", "2", "--http-port", std::to_string(httpPort_), "--max-outbuf", "8MiB"};
  }

  // A RESP bulk or verbatim string reply, its text only.
  static std::optional<std::string> readText(TestClient& c) {
    auto head = c.readLine();
    if (!head || head->size() < 3 || ((*head)[0] != '$' && (*head)[0] != '=')) return std::nullopt;
    std::size_t length = std::stoul(head->substr(1));
    std::string text;
    while (text.size() < length) {
      auto line = c.readLine();
      if (!line) return std::nullopt;
      text += *line + "\n";
    }
    if (!c.expectLine("\r")) return std::nullopt;  // the bulk's own CRLF
    if ((*head)[0] == '=') text = text.substr(4);   // "txt:"
    return text;
  }

  // CLIENT LIST's lines, each as its fields by name, in the order given.
  static std::vector<std::map<std::string, std::string>> parseList(const std::string& text) {
    std::vector<std::map<std::string, std::string>> clients;
    std::size_t at = 0;
    while (at < text.size()) {
      std::size_t end = text.find('\n', at);
      std::string line = text.substr(at, end - at);
      at = end + 1;
      std::map<std::string, std::string> fields;
      std::size_t pos = 0;
      while (pos < line.size()) {
        std::size_t space = line.find(' ', pos);
        if (space == std::string::npos) space = line.size();
        std::string field = line.substr(pos, space - pos);
        std::size_t eq = field.find('=');
        fields[field.substr(0, eq)] = field.substr(eq + 1);
        pos = space + 1;
      }
      clients.push_back(std::move(fields));
    }
    return clients;
  }

  std::vector<std::map<std::string, std::string>> list(TestClient& asker,
                                                       std::initializer_list<std::string_view> command) {
    EXPECT_TRUE(asker.send(respCommand(command)));
    auto text = readText(asker);
    EXPECT_TRUE(text) << "no CLIENT LIST reply";
    return text ? parseList(*text) : std::vector<std::map<std::string, std::string>>{};
  }

  static std::string clientId(TestClient& c) {
    EXPECT_TRUE(c.send(respCommand({"CLIENT", "ID"})));
    auto line = c.readLine();
    return line ? line->substr(1, line->size() - 2) : "";
  }

  std::uint16_t httpPort_;
};

TEST_F(ClientCommandsTest, ListShowsEveryConnectionOfEveryProtocolAndThread) {
  TestClient line = connect();
  ASSERT_TRUE(subscribe(line, {"news.*"}));  // plus the exact sentinel
  TestClient resp = connect();
  ASSERT_TRUE(resp.send(respCommand({"SUBSCRIBE", "a"})));
  for (int k = 0; k < 6; ++k) ASSERT_TRUE(resp.readLine());
  TestClient http;
  ASSERT_TRUE(http.connect(httpPort_));
  ASSERT_TRUE(http.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(http.expectLine("HTTP/1.1 200 OK\r"));
  TestClient asker = connect();

  auto clients = list(asker, {"CLIENT", "LIST"});
  ASSERT_EQ(clients.size(), 4u);
  std::map<std::string, std::map<std::string, std::string>> byProtocol;
  std::uint64_t lastId = 0;
  for (auto& client : clients) {
    EXPECT_GT(std::stoull(client["id"]), lastId) << "listed by id";
    lastId = std::stoull(client["id"]);
    EXPECT_EQ(client.size(), 29u) << "Redis 7.0's 28 fields and protocol=";
    if (client["cmd"] == "client|list") client["protocol"] = "asker";
    byProtocol[client["protocol"]] = client;
  }
  ASSERT_EQ(byProtocol.size(), 4u);
  EXPECT_EQ(byProtocol["line"]["flags"], "P");
  EXPECT_EQ(byProtocol["line"]["sub"], "1");   // the sentinel
  EXPECT_EQ(byProtocol["line"]["psub"], "1");  // news.*
  EXPECT_EQ(byProtocol["line"]["resp"], "-1");
  EXPECT_EQ(byProtocol["resp"]["cmd"], "subscribe");
  EXPECT_EQ(byProtocol["resp"]["sub"], "1");
  EXPECT_EQ(byProtocol["resp"]["resp"], "2");
  EXPECT_EQ(byProtocol["http"]["flags"], "N");
  EXPECT_EQ(byProtocol["http"]["laddr"], "127.0.0.1:" + std::to_string(httpPort_));
  EXPECT_EQ(byProtocol["asker"]["laddr"], "127.0.0.1:" + std::to_string(server_.port()));
  EXPECT_EQ(byProtocol["asker"]["id"], clientId(asker));

  EXPECT_EQ(list(asker, {"CLIENT", "LIST", "TYPE", "pubsub"}).size(), 2u);
  EXPECT_EQ(list(asker, {"CLIENT", "LIST", "TYPE", "normal"}).size(), 2u);
  EXPECT_EQ(list(asker, {"CLIENT", "LIST", "TYPE", "master"}).size(), 0u);
  std::string lineId = byProtocol["line"]["id"];
  std::string respId = byProtocol["resp"]["id"];
  auto chosen = list(asker, {"CLIENT", "LIST", "ID", respId, "999999", lineId, respId});
  ASSERT_EQ(chosen.size(), 3u) << "in the order asked, once per id given";
  EXPECT_EQ(chosen[0]["id"], respId);
  EXPECT_EQ(chosen[1]["id"], lineId);
  EXPECT_EQ(chosen[2]["id"], respId);

  ASSERT_TRUE(asker.send(respCommand({"CLIENT", "INFO"})));
  auto info = readText(asker);
  ASSERT_TRUE(info);
  auto self = parseList(*info);
  ASSERT_EQ(self.size(), 1u);
  EXPECT_EQ(self[0]["id"], byProtocol["asker"]["id"]);
  EXPECT_EQ(self[0]["cmd"], "client|info");
}

// Issue 14 (idle memory): a connection holds a ring block only while bytes
// wait in it. Under epoll an emptied block goes to its thread's spare slot
// (EndOfTurn), so subscribers that got their replies hold none: no input
// block (rbs) and nothing beyond the Connection itself (tot-mem), while the
// asker, whose CLIENT LIST is in its input ring as it is listed, holds one.
TEST_F(ClientCommandsTest, IdleConnectionsHoldNoRingBlocks) {
  const char* io = std::getenv("LINECAST_TEST_IO");
  if (io != nullptr && std::string_view(io) == "uring") {
    GTEST_SKIP() << "io_uring's recvs land in its own buffers and its sends pin the output block: no spare slot";
  }
  std::vector<TestClient> subs;
  for (int i = 0; i < 4; ++i) {
    subs.push_back(connect());
    ASSERT_TRUE(subscribe(subs.back(), {"idle." + std::to_string(i)}));
  }
  TestClient asker = connect();
  auto clients = list(asker, {"CLIENT", "LIST"});
  ASSERT_EQ(clients.size(), 5u);
  std::map<std::string, std::string> self;
  for (auto& client : clients) {
    if (client["cmd"] == "client|list") self = client;
  }
  ASSERT_FALSE(self.empty());
  ASSERT_GT(std::stoull(self["rbs"]), 0u) << "the asker's request is in its input block";
  std::uint64_t bare = std::stoull(self["tot-mem"]) - std::stoull(self["rbs"]);
  for (auto& client : clients) {
    if (client["cmd"] == "client|list") continue;
    EXPECT_EQ(client["rbs"], "0") << client["id"];
    EXPECT_LE(std::stoull(client["tot-mem"]), bare) << client["id"] << ": an output block";
  }
}

TEST_F(ClientCommandsTest, KillClosesConnectionsOnEveryThreadAndCountsThem) {
  std::vector<TestClient> subs;
  for (int i = 0; i < 4; ++i) {
    subs.push_back(connect());
    ASSERT_TRUE(subscribe(subs.back(), {"k"}));
  }
  TestClient bystander = connect();
  TestClient killer = connect();
  auto listed = list(killer, {"CLIENT", "LIST", "TYPE", "pubsub"});
  ASSERT_EQ(listed.size(), 4u);
  std::string one = listed[1]["id"];  // by id, which is the order they came in
  ASSERT_TRUE(killer.send(respCommand({"CLIENT", "KILL", "ID", one})));
  ASSERT_TRUE(killer.expectLine(":1\r"));
  ASSERT_TRUE(subs[1].expectClosed());
  ASSERT_TRUE(killer.send(respCommand({"CLIENT", "KILL", "TYPE", "pubsub"})));
  ASSERT_TRUE(killer.expectLine(":3\r"));
  for (int i : {0, 2, 3}) ASSERT_TRUE(subs[i].expectClosed()) << "subscriber " << i;
  ASSERT_TRUE(bystander.ping());
  // Nobody left to kill: the old form says so.
  ASSERT_TRUE(killer.send(respCommand({"CLIENT", "KILL", "127.0.0.1:1"})));
  ASSERT_TRUE(killer.expectLine("-ERR No such client\r"));
  ASSERT_TRUE(killer.send(respCommand({"PUBLISH", "k", "x"})));
  ASSERT_TRUE(killer.expectLine(":0\r"));
}

TEST_F(ClientCommandsTest, KillingOneselfRepliesThenCloses) {
  TestClient other = connect();
  TestClient self = connect();
  // SKIPME no: every normal connection, this one included.
  ASSERT_TRUE(self.send(respCommand({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"}) +
                        respCommand({"PING"})));
  ASSERT_TRUE(self.expectLine(":2\r"));
  ASSERT_TRUE(self.expectClosed()) << "the PING after it is never run";
  ASSERT_TRUE(other.expectClosed());
  // The old form may name oneself too.
  TestClient again = connect();
  ASSERT_TRUE(again.send(respCommand({"CLIENT", "INFO"})));
  auto info = readText(again);
  ASSERT_TRUE(info);
  std::string addr = parseList(*info)[0]["addr"];
  ASSERT_TRUE(again.send(respCommand({"CLIENT", "KILL", addr})));
  ASSERT_TRUE(again.expectLine("+OK\r"));
  ASSERT_TRUE(again.expectClosed());
}

TEST_F(ClientCommandsTest, KillingASubscriberInTheMiddleOfAFanOut) {
  // A subscriber that reads nothing, on one thread; a publisher flooding
  // it from the other; the kill comes while its output is full.
  TestClient::Options small;
  small.rcvbuf = 4096;
  TestClient sub = connect(small);
  ASSERT_TRUE(subscribe(sub, {"flood"}));
  TestClient pub = connect();
  TestClient killer = connect();
  std::string payload(200, 'x');
  std::string batch;
  for (int i = 0; i < 500; ++i) batch += "PUB flood " + payload + "\n";
  for (int round = 0; round < 60; ++round) ASSERT_TRUE(pub.send(batch));  // past what the kernel holds (4 MB)
  // Until the broker holds output for it (the publisher's batches are
  // still being run when the first answers come).
  std::string id;
  for (int tries = 0; tries < 200 && id.empty(); ++tries) {
    auto pubsub = list(killer, {"CLIENT", "LIST", "TYPE", "pubsub"});
    ASSERT_EQ(pubsub.size(), 1u);
    if (pubsub[0]["omem"] != "0") id = pubsub[0]["id"];
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(id.empty()) << "the subscriber's output never backed up";
  ASSERT_TRUE(killer.send(respCommand({"CLIENT", "KILL", "ID", id})));
  ASSERT_TRUE(killer.expectLine(":1\r"));
  for (int round = 0; round < 4; ++round) ASSERT_TRUE(pub.send(batch));
  ASSERT_TRUE(pub.ping());
  // What the kernel already held still arrives, then the end.
  ASSERT_TRUE(sub.readUntilClosed(std::chrono::seconds(5)));
  ASSERT_TRUE(killer.send(respCommand({"PUBLISH", "flood", "x"})));
  ASSERT_TRUE(killer.expectLine(":0\r"));
}

TEST_F(ClientCommandsTest, TwoThreadsAskingEachOtherAtOnceBothFinish) {
  // Neighbours land on different threads; each waits for the other's
  // answer while the other waits for its own.
  constexpr int kRounds = 200;
  TestClient first = connect();
  TestClient second = connect();
  for (TestClient* c : {&first, &second}) {  // both adopted by their threads
    ASSERT_TRUE(c->send(respCommand({"PING"})));
    ASSERT_TRUE(c->expectLine("+PONG\r"));
  }
  std::string requests;
  for (int i = 0; i < kRounds; ++i) requests += respCommand({"CLIENT", "LIST"});
  ASSERT_TRUE(first.send(requests));
  ASSERT_TRUE(second.send(requests));
  for (TestClient* c : {&first, &second}) {
    for (int i = 0; i < kRounds; ++i) {
      auto text = readText(*c);
      ASSERT_TRUE(text) << "reply " << i;
      ASSERT_EQ(parseList(*text).size(), 2u);
    }
  }
}

}  // namespace
}  // namespace linecast::test
