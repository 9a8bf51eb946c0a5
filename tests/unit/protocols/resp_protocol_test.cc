// RESP command execution over in-memory connections: replies byte for byte
// as redis-server 7.0 gives them (the expected bytes were captured from it),
// subscribed mode, authentication, --max-subs, and one channel space shared
// with the line protocol.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "routing/broker.h"
#include "protocols/line/line_protocol.h"
#include "protocols/resp/resp_command_docs.h"
#include "protocols/resp/resp_index.h"
#include "protocols/resp/resp_protocol.h"
#include "protocols/resp/resp_session.h"

namespace linecast {
namespace {

constexpr std::size_t kMaxLine = 1024;

std::string multibulk(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view arg : args) {
    out += "$" + std::to_string(arg.size()) + "\r\n";
    out += arg;
    out += "\r\n";
  }
  return out;
}

// Redis's replies, spelled out once.
std::string sub(std::string_view kind, std::string_view name, int count) {
  return "*3\r\n$" + std::to_string(kind.size()) + "\r\n" + std::string(kind) + "\r\n$" +
         std::to_string(name.size()) + "\r\n" + std::string(name) + "\r\n:" +
         std::to_string(count) + "\r\n";
}
std::string message(std::string_view channel, std::string_view payload) {
  return "*3\r\n$7\r\nmessage\r\n$" + std::to_string(channel.size()) + "\r\n" +
         std::string(channel) + "\r\n$" + std::to_string(payload.size()) + "\r\n" +
         std::string(payload) + "\r\n";
}
std::string pmessage(std::string_view pattern, std::string_view channel, std::string_view payload) {
  return "*4\r\n$8\r\npmessage\r\n$" + std::to_string(pattern.size()) + "\r\n" +
         std::string(pattern) + "\r\n$" + std::to_string(channel.size()) + "\r\n" +
         std::string(channel) + "\r\n$" + std::to_string(payload.size()) + "\r\n" +
         std::string(payload) + "\r\n";
}
std::string refused(std::string_view command) {
  return "-ERR Can't execute '" + std::string(command) +
         "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
         "context\r\n";
}
std::string arity(std::string_view command) {
  return "-ERR wrong number of arguments for '" + std::string(command) + "' command\r\n";
}
const std::string kNoAuth = "-NOAUTH Authentication required.\r\n";
const std::string kWrongPass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";

class RespProtocolTest : public ::testing::Test {
 protected:
  RespProtocolTest() { configure({kMaxLine, 10000, ""}); }

  ~RespProtocolTest() override {
    for (auto& conn : conns_) {
      conn->session().dropSubscriptions(*conn);
      broker_.unsubscribeAll(*conn);
    }
  }

  enum class Kind { kResp, kLine };

  void configure(RespProtocolSettings settings) {
    authRequired_ = !settings.authToken.empty();
    protocol_ = std::make_unique<RespProtocol>(broker_, clients_, std::move(settings));
  }

  // Every test connection's peer: 127.0.0.1:5000.
  static PeerAddress testPeer() {
    sockaddr_in in4{};
    in4.sin_family = AF_INET;
    in4.sin_port = htons(5000);
    in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return PeerAddress::of(&in4);
  }

  Connection& connect(Kind kind = Kind::kResp, std::size_t maxOutbuf = 1 << 20) {
    conns_.push_back(std::make_unique<Connection>(-1, nextId_++, testPeer(), kMaxLine, maxOutbuf,
                                                  endOfTurn_, now_));
    Connection& conn = *conns_.back();
    conn.authenticated = !authRequired_;
    conn.setSession(kind == Kind::kResp ? protocol_->open(conn) : line_.open(conn));
    return conn;
  }

  void send(Connection& conn, std::string_view bytes) {
    ASSERT_TRUE(conn.input().reserve(bytes.size(), 1 << 24));
    conn.input().append(bytes);
    conn.session().onInput(conn, scratch_, now_);
  }

  std::string take(Connection& conn) {
    std::string out(conn.output().size(), '\0');
    if (!out.empty()) conn.output().copyOut(0, out.size(), out.data());
    conn.output().consume(out.size());
    return out;
  }

  std::string roundTrip(Connection& conn, std::string_view bytes) {
    send(conn, bytes);
    return take(conn);
  }

  Metrics metrics_;
  Broker broker_{metrics_};
  // CLIENT LIST/KILL see this test's connections, as a Server's would.
  ClientDirectory clients_{[this](const std::function<void(Connection&)>& visit) {
                             for (auto& conn : conns_) visit(*conn);
                           },
                           now_};
  EndOfTurn endOfTurn_;
  LineProtocol line_{broker_, LineProtocolSettings{kMaxLine, 10000, ""}};
  std::unique_ptr<RespProtocol> protocol_;
  std::vector<char> scratch_ = std::vector<char>(kMaxLine + 1);
  std::vector<std::unique_ptr<Connection>> conns_;
  std::uint64_t nextId_ = 100;
  double now_ = 1000;
  bool authRequired_ = false;
};

TEST_F(RespProtocolTest, ClaimsTheMultibulkStarOnly) {
  EXPECT_TRUE(protocol_->claims('*'));
  for (char c : std::string_view("PSsp+-:$ \r\n\x16")) EXPECT_FALSE(protocol_->claims(c)) << c;
  Connection& conn = connect();
  EXPECT_NE(dynamic_cast<RespSession*>(&conn.session()), nullptr);
  Connection& line = connect(Kind::kLine);
  EXPECT_EQ(dynamic_cast<RespSession*>(&line.session()), nullptr);
}

TEST_F(RespProtocolTest, NormalModeCommands) {
  Connection& c = connect();
  EXPECT_EQ(roundTrip(c, multibulk({"PING"})), "+PONG\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"ping", "hi"})), "$2\r\nhi\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"PING", "a", "b"})), arity("ping"));
  EXPECT_EQ(roundTrip(c, multibulk({"ECHO", "hello"})), "$5\r\nhello\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"ECHO"})), arity("echo"));
  EXPECT_EQ(roundTrip(c, multibulk({"PUBLISH", "nobody"})), arity("publish"));
  EXPECT_EQ(roundTrip(c, multibulk({"PUBLISH", "nobody", "x"})), ":0\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"SELECT", "0"})), "+OK\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"SELECT", "1"})), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"SELECT", "x"})),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"SELECT", "99999999999"})),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT", "GETNAME"})), "$-1\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT", "SETNAME", "a b"})),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"client", "setname", "worker-1"})), "+OK\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT", "GETNAME"})), "$8\r\nworker-1\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT", "SETNAME", ""})), "+OK\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT", "GETNAME"})), "$-1\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT"})), arity("client"));
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT", "SETNAME"})), arity("client|setname"));
  EXPECT_EQ(roundTrip(c, multibulk({"client", "foo"})),
            "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"RESET", "x"})), arity("reset"));
  EXPECT_EQ(roundTrip(c, multibulk({"RESET"})), "+RESET\r\n");
}

TEST_F(RespProtocolTest, UnknownCommandsEchoLikeRedis) {
  Connection& c = connect();
  EXPECT_EQ(roundTrip(c, multibulk({"FOO"})),
            "-ERR unknown command 'FOO', with args beginning with: \r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"GET", "a", "b\nc"})),
            "-ERR unknown command 'GET', with args beginning with: 'a' 'b c' \r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"X", std::string_view("a\0b", 3), "c"})),
            "-ERR unknown command 'X', with args beginning with: 'a' 'c' \r\n");
  std::string hundred(100, 'a');
  EXPECT_EQ(roundTrip(c, multibulk({"FOO", hundred, std::string(100, 'b'), "c"})),
            "-ERR unknown command 'FOO', with args beginning with: '" + hundred + "' '" +
                std::string(25, 'b') + "' \r\n");
  EXPECT_EQ(roundTrip(c, multibulk({std::string(200, 'F')})),
            "-ERR unknown command '" + std::string(128, 'F') + "', with args beginning with: \r\n");
  EXPECT_EQ(metrics_.protocolErrors, 5u);
}

TEST_F(RespProtocolTest, AuthWithoutATokenFollowsRedis) {
  Connection& c = connect();
  EXPECT_EQ(roundTrip(c, multibulk({"AUTH", "x"})),
            "-ERR AUTH <password> called without any password configured for the default "
            "user. Are you sure your configuration is correct?\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"AUTH", "someone", "x"})), kWrongPass);
  EXPECT_EQ(roundTrip(c, multibulk({"AUTH", "default", "anything"})), "+OK\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"AUTH", "a", "b", "c"})), "-ERR syntax error\r\n");
}

TEST_F(RespProtocolTest, HelloSwitchesBetweenResp2AndResp3) {
  Connection& c = connect();
  std::string id = std::to_string(c.id());
  std::string body = "$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:";
  std::string tail = "\r\n$2\r\nid\r\n:" + id +
                     "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\n"
                     "modules\r\n*0\r\n";
  std::string resp2 = "*14\r\n" + body + "2" + tail;
  std::string resp3 = "%7\r\n" + body + "3" + tail;
  EXPECT_EQ(roundTrip(c, multibulk({"HELLO", "2"})), resp2);
  EXPECT_EQ(roundTrip(c, multibulk({"HELLO"})), resp2);
  EXPECT_EQ(roundTrip(c, multibulk({"HELLO", "3"})), resp3);
  EXPECT_EQ(roundTrip(c, multibulk({"HELLO"})), resp3);  // no version: the current one
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT", "GETNAME"})), "_\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"HELLO", "2"})), resp2);
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT", "GETNAME"})), "$-1\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"HELLO", "4"})), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"HELLO", "1"})), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"HELLO", "x"})),
            "-ERR Protocol version is not an integer or out of range\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"HELLO", "3", "x"})),
            "-ERR Syntax error in HELLO option 'x'\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"HELLO", "2", "SETNAME"})),
            "-ERR Syntax error in HELLO option 'SETNAME'\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"HELLO", "2", "SETNAME", "me"})), resp2);
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT", "GETNAME"})), "$2\r\nme\r\n");
}

TEST_F(RespProtocolTest, SubscribedModeAllowsOnlyWhatRedisAllows) {
  Connection& c = connect();
  EXPECT_EQ(roundTrip(c, multibulk({"SUBSCRIBE", "a", "b", "a"})),
            sub("subscribe", "a", 1) + sub("subscribe", "b", 2) + sub("subscribe", "a", 2));
  EXPECT_EQ(roundTrip(c, multibulk({"PSUBSCRIBE", "p*"})), sub("psubscribe", "p*", 3));
  EXPECT_EQ(roundTrip(c, multibulk({"PING"})), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"PING", "x"})), "*2\r\n$4\r\npong\r\n$1\r\nx\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"PUBLISH", "a", "b"})), refused("publish"));
  EXPECT_EQ(roundTrip(c, multibulk({"PUBLISH", "a"})), arity("publish"));  // arity first
  EXPECT_EQ(roundTrip(c, multibulk({"ECHO", "x"})), refused("echo"));
  EXPECT_EQ(roundTrip(c, multibulk({"SELECT", "0"})), refused("select"));
  EXPECT_EQ(roundTrip(c, multibulk({"AUTH", "x"})), refused("auth"));
  EXPECT_EQ(roundTrip(c, multibulk({"HELLO", "2"})), refused("hello"));
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT", "SETNAME", "x"})), refused("client|setname"));
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT", "GETNAME"})), refused("client|getname"));
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT"})), arity("client"));
  EXPECT_EQ(roundTrip(c, multibulk({"FOO", "bar"})),
            "-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"UNSUBSCRIBE", "x", "a"})),
            sub("unsubscribe", "x", 3) + sub("unsubscribe", "a", 2));
  EXPECT_EQ(roundTrip(c, multibulk({"PUNSUBSCRIBE"})), sub("punsubscribe", "p*", 1));
  EXPECT_EQ(roundTrip(c, multibulk({"UNSUBSCRIBE"})), sub("unsubscribe", "b", 0));
  // Out of subscribed mode: PING is plain again, PUBLISH works.
  EXPECT_EQ(roundTrip(c, multibulk({"PING"})), "+PONG\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"PUBLISH", "a", "b"})), ":0\r\n");
}

// RESP3 (after HELLO 3): pushes start with '>' where RESP2 sends '*', the
// null is "_", and there is no subscribed mode: every command works while
// subscribed. Captured from redis-server 7.0.15.
std::string push(std::string frame) {
  frame[0] = '>';
  return frame;
}

TEST_F(RespProtocolTest, Resp3SubscriberGetsPushesAndKeepsEveryCommand) {
  Connection& c = connect();
  take((send(c, multibulk({"HELLO", "3"})), c));
  EXPECT_EQ(roundTrip(c, multibulk({"SUBSCRIBE", "a"})), push(sub("subscribe", "a", 1)));
  EXPECT_EQ(roundTrip(c, multibulk({"PSUBSCRIBE", "a*"})), push(sub("psubscribe", "a*", 2)));
  EXPECT_EQ(roundTrip(c, multibulk({"PING"})), "+PONG\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"ECHO", "x"})), "$1\r\nx\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT", "GETNAME"})), "_\r\n");
  // Its own PUBLISH: the pushes, then the reply.
  EXPECT_EQ(roundTrip(c, multibulk({"PUBLISH", "a", "hi"})),
            push(message("a", "hi")) + push(pmessage("a*", "a", "hi")) + ":2\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"PUNSUBSCRIBE"})), push(sub("punsubscribe", "a*", 1)));
  EXPECT_EQ(roundTrip(c, multibulk({"UNSUBSCRIBE"})), push(sub("unsubscribe", "a", 0)));
  EXPECT_EQ(roundTrip(c, multibulk({"UNSUBSCRIBE"})), ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n");
}

TEST_F(RespProtocolTest, Resp2AndResp3SubscribersOfOneChannelEachGetTheirFraming) {
  Connection& two = connect();
  Connection& three = connect();
  Connection& line = connect(Kind::kLine);
  Connection& publisher = connect();
  take((send(three, multibulk({"HELLO", "3"})), three));
  take((send(two, multibulk({"SUBSCRIBE", "news"})), two));
  take((send(three, multibulk({"SUBSCRIBE", "news"})), three));
  take((send(line, "SUB news\n"), line));
  EXPECT_EQ(roundTrip(publisher, multibulk({"PUBLISH", "news", "42"})), ":3\r\n");
  EXPECT_EQ(take(two), message("news", "42"));
  EXPECT_EQ(take(three), push(message("news", "42")));
  EXPECT_EQ(take(line), "MSG news 42\n");
  // A line PUB reaches both RESP framings too.
  send(line, "PUB news 7\n");
  EXPECT_EQ(take(two), message("news", "7"));
  EXPECT_EQ(take(three), push(message("news", "7")));
}

TEST_F(RespProtocolTest, HelloTwoAndResetGoBackToResp2) {
  Connection& c = connect();
  take((send(c, multibulk({"HELLO", "3"})), c));
  take((send(c, multibulk({"SUBSCRIBE", "a"})), c));
  // HELLO 2 while subscribed: allowed in RESP3, and RESP2's subscribed
  // mode then applies.
  EXPECT_TRUE(roundTrip(c, multibulk({"HELLO", "2"})).starts_with("*14\r\n"));
  EXPECT_EQ(roundTrip(c, multibulk({"ECHO", "x"})), refused("echo"));
  EXPECT_EQ(roundTrip(c, multibulk({"HELLO", "3"})), refused("hello"));
  EXPECT_EQ(roundTrip(c, multibulk({"RESET"})), "+RESET\r\n");
  take((send(c, multibulk({"HELLO", "3"})), c));
  EXPECT_EQ(roundTrip(c, multibulk({"RESET"})), "+RESET\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT", "GETNAME"})), "$-1\r\n");  // RESP2 again
}

TEST_F(RespProtocolTest, UnsubscribeWithoutSubscriptionsRepliesWithNull) {
  Connection& c = connect();
  EXPECT_EQ(roundTrip(c, multibulk({"UNSUBSCRIBE"})), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"PSUBSCRIBE", "x*"})), sub("psubscribe", "x*", 1));
  // No channels, but the pattern still counts.
  EXPECT_EQ(roundTrip(c, multibulk({"UNSUBSCRIBE"})), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:1\r\n");
}

TEST_F(RespProtocolTest, UnsubscribeAllCountsDownWhateverTheOrder) {
  Connection& c = connect();
  take((send(c, multibulk({"SUBSCRIBE", "a", "b", "c"})), c));
  std::string out = roundTrip(c, multibulk({"UNSUBSCRIBE"}));
  EXPECT_NE(out.find("\r\n:2\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\n:1\r\n"), std::string::npos);
  EXPECT_TRUE(out.ends_with("\r\n:0\r\n"));
  for (std::string_view name : {"$1\r\na\r\n", "$1\r\nb\r\n", "$1\r\nc\r\n"}) {
    EXPECT_NE(out.find(name), std::string::npos);
  }
  EXPECT_EQ(protocol_->index().subscriptionCount(), 0u);
}

TEST_F(RespProtocolTest, QuitRepliesAndDrainsInAnyState) {
  Connection& c = connect();
  send(c, multibulk({"SUBSCRIBE", "a"}));
  take(c);
  EXPECT_EQ(roundTrip(c, multibulk({"QUIT", "extra", "args"}) + multibulk({"PING"})), "+OK\r\n");
  EXPECT_EQ(c.state(), Connection::State::kDraining);
  EXPECT_EQ(c.reason(), CloseReason::kQuit);
}

TEST_F(RespProtocolTest, ProtocolErrorRepliesAndCloses) {
  Connection& c = connect();
  EXPECT_EQ(roundTrip(c, multibulk({"PING"}) + "*1\r\n$-1\r\n" + multibulk({"PING"})),
            "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_EQ(c.state(), Connection::State::kDraining);
  EXPECT_EQ(c.reason(), CloseReason::kProtocolError);
  EXPECT_EQ(metrics_.protocolErrors, 1u);
}

TEST_F(RespProtocolTest, InlineCommandsOnceInRespMode) {
  Connection& c = connect();
  EXPECT_EQ(roundTrip(c, multibulk({"PING"}) + "ECHO \"a b\"\r\nsubscribe x\n"),
            "+PONG\r\n$3\r\na b\r\n" + sub("subscribe", "x", 1));
}

TEST_F(RespProtocolTest, OneByteAtATimeGivesTheSameReplies) {
  std::string script = multibulk({"SUBSCRIBE", "news"}) + multibulk({"PING", "x"}) +
                       multibulk({"PSUBSCRIBE", "n*"}) + multibulk({"UNSUBSCRIBE", "news"}) +
                       multibulk({"PUNSUBSCRIBE"}) + "ECHO hi\r\n" + multibulk({"QUIT"});
  Connection& whole = connect();
  std::string expected = roundTrip(whole, script);
  Connection& bytewise = connect();
  std::string got;
  for (char ch : script) got += roundTrip(bytewise, std::string_view(&ch, 1));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(expected.ends_with("$2\r\nhi\r\n+OK\r\n"));
}

TEST_F(RespProtocolTest, PublishCountsLikeRedis) {
  Connection& a = connect();
  Connection& b = connect();
  Connection& publisher = connect();
  send(a, multibulk({"SUBSCRIBE", "news.tv"}) + multibulk({"PSUBSCRIBE", "news.*", "*"}));
  send(b, multibulk({"PSUBSCRIBE", "news.?v", "sport.*"}));
  take(a);
  take(b);
  // a: message + 2 pmessages; b: 1 pmessage.
  EXPECT_EQ(roundTrip(publisher, multibulk({"PUBLISH", "news.tv", "hi"})), ":4\r\n");
  std::string toA = take(a);
  EXPECT_TRUE(toA.starts_with(message("news.tv", "hi"))) << "message comes before pmessages";
  EXPECT_NE(toA.find(pmessage("news.*", "news.tv", "hi")), std::string::npos);
  EXPECT_NE(toA.find(pmessage("*", "news.tv", "hi")), std::string::npos);
  EXPECT_EQ(toA.size(), message("news.tv", "hi").size() + pmessage("news.*", "news.tv", "hi").size() +
                            pmessage("*", "news.tv", "hi").size());
  EXPECT_EQ(take(b), pmessage("news.?v", "news.tv", "hi"));
  // Redis: `*` does not match the empty channel.
  EXPECT_EQ(roundTrip(publisher, multibulk({"PUBLISH", "", "x"})), ":0\r\n");
  EXPECT_EQ(metrics_.messagesPublished, 2u);
  EXPECT_EQ(metrics_.messagesDelivered, 4u);
}

TEST_F(RespProtocolTest, RespPublishReachesLineSubscribersOncePerConnection) {
  Connection& line = connect(Kind::kLine);
  send(line, "SUB news.* news.> news.tv\n");
  Connection& publisher = connect();
  EXPECT_EQ(roundTrip(publisher, multibulk({"PUBLISH", "news.tv", "hello world"})), ":1\r\n");
  EXPECT_EQ(take(line), "MSG news.tv hello world\n");
  EXPECT_EQ(roundTrip(publisher, multibulk({"PUBLISH", "news.tv", ""})), ":1\r\n");
  EXPECT_EQ(take(line), "MSG news.tv \n");
}

TEST_F(RespProtocolTest, ChannelsThatAreNotPubChannelsMatchNoLineSubscription) {
  Connection& line = connect(Kind::kLine);
  send(line, "SUB news.* news.> *\n");
  Connection& publisher = connect();
  for (std::string_view channel : {"news.*", "news.>", "*", "news..tv", "news tv", "", ".news"}) {
    EXPECT_EQ(roundTrip(publisher, multibulk({"PUBLISH", channel, "x"})), ":0\r\n") << channel;
  }
  EXPECT_EQ(take(line), "");
}

TEST_F(RespProtocolTest, PayloadWithNewlineSkipsLineSubscribers) {
  Connection& line1 = connect(Kind::kLine);
  Connection& line2 = connect(Kind::kLine);
  send(line1, "SUB chat\n");
  send(line2, "SUB chat\n");
  Connection& resp = connect();
  send(resp, multibulk({"SUBSCRIBE", "chat"}));
  take(resp);
  Connection& publisher = connect();
  EXPECT_EQ(roundTrip(publisher, multibulk({"PUBLISH", "chat", "two\nlines"})), ":1\r\n");
  EXPECT_EQ(take(resp), message("chat", "two\nlines"));
  EXPECT_EQ(take(line1), "");
  EXPECT_EQ(take(line2), "");
  EXPECT_EQ(metrics_.messagesUndeliverable, 2u);
  // A CR alone is fine for a line.
  EXPECT_EQ(roundTrip(publisher, multibulk({"PUBLISH", "chat", "a\rb"})), ":3\r\n");
  EXPECT_EQ(take(line1), "MSG chat a\rb\n");
}

TEST_F(RespProtocolTest, LinePubReachesRespChannelsAndGlobs) {
  Connection& resp = connect();
  send(resp, multibulk({"SUBSCRIBE", "room1.tv.volume"}) + multibulk({"PSUBSCRIBE", "room1.*"}));
  take(resp);
  Connection& line = connect(Kind::kLine);
  send(line, "PUB room1.tv.volume 42\n");
  EXPECT_EQ(take(resp), message("room1.tv.volume", "42") + pmessage("room1.*", "room1.tv.volume", "42"));
  EXPECT_EQ(take(line), "");
  // SUBSCRIBE is exact: "room1.*" as a channel name is literal.
  Connection& literal = connect();
  send(literal, multibulk({"SUBSCRIBE", "room1.*"}));
  take(literal);
  send(line, "PUB room1.x y\n");
  EXPECT_EQ(take(literal), "");
  EXPECT_EQ(take(resp), pmessage("room1.*", "room1.x", "y"));
}

TEST_F(RespProtocolTest, OrderOfOnePublisherHoldsAcrossProtocols) {
  Connection& resp = connect();
  Connection& line = connect(Kind::kLine);
  send(resp, multibulk({"SUBSCRIBE", "seq"}));
  take(resp);
  send(line, "SUB seq\n");
  Connection& linePub = connect(Kind::kLine);
  Connection& respPub = connect();
  std::string lineExpected;
  std::string respExpected;
  for (int i = 0; i < 50; ++i) {
    std::string n = std::to_string(i);
    if (i % 2 == 0) {
      send(linePub, "PUB seq " + n + "\n");
    } else {
      send(respPub, multibulk({"PUBLISH", "seq", n}));
    }
    lineExpected += "MSG seq " + n + "\n";
    respExpected += message("seq", n);
  }
  EXPECT_EQ(take(line), lineExpected);
  EXPECT_EQ(take(resp), respExpected);
}

TEST_F(RespProtocolTest, MaxSubsCountsChannelsAndPatterns) {
  configure({kMaxLine, 3, ""});
  Connection& c = connect();
  EXPECT_EQ(roundTrip(c, multibulk({"SUBSCRIBE", "a", "b"})),
            sub("subscribe", "a", 1) + sub("subscribe", "b", 2));
  EXPECT_EQ(roundTrip(c, multibulk({"PSUBSCRIBE", "x*", "y*"})),
            "-ERR too many subscriptions (max 3)\r\n");
  EXPECT_EQ(respSession(c).subscriptionCount(), 2u);
  EXPECT_EQ(roundTrip(c, multibulk({"SUBSCRIBE", "a", "c", "c"})),
            sub("subscribe", "a", 2) + sub("subscribe", "c", 3) + sub("subscribe", "c", 3));
  EXPECT_EQ(roundTrip(c, multibulk({"PSUBSCRIBE", "z*"})), "-ERR too many subscriptions (max 3)\r\n");
  EXPECT_EQ(protocol_->index().subscriptionCount(), 3u);
  EXPECT_EQ(broker_.subscriptionCount(), 3u);
}

TEST_F(RespProtocolTest, AuthenticationFollowsRedis) {
  configure({kMaxLine, 10000, "s3cret"});
  Connection& c = connect();
  EXPECT_EQ(roundTrip(c, multibulk({"PING"})), kNoAuth);
  EXPECT_EQ(roundTrip(c, multibulk({"SUBSCRIBE", "a"})), kNoAuth);
  EXPECT_EQ(roundTrip(c, multibulk({"PUBLISH", "a"})), arity("publish"));  // arity first
  EXPECT_EQ(roundTrip(c, multibulk({"FOO", "a"})),
            "-ERR unknown command 'FOO', with args beginning with: 'a' \r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"HELLO", "2"})),
            "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
            "the RESP protocol version at the same time\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"AUTH", "wrong"})), kWrongPass);
  EXPECT_TRUE(c.open()) << "a wrong password is not fatal in RESP";
  EXPECT_EQ(roundTrip(c, multibulk({"AUTH", "other", "s3cret"})), kWrongPass);
  EXPECT_EQ(roundTrip(c, multibulk({"AUTH", "s3cret"})), "+OK\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"PING"})), "+PONG\r\n");
  // RESET logs the connection out again, and restarts its auth timer.
  now_ += 60;
  EXPECT_EQ(roundTrip(c, multibulk({"RESET"})), "+RESET\r\n");
  EXPECT_FALSE(c.authenticated);
  EXPECT_EQ(c.openedAt, now_);
  EXPECT_EQ(roundTrip(c, multibulk({"PING"})), kNoAuth);
  EXPECT_EQ(roundTrip(c, multibulk({"AUTH", "default", "s3cret"})), "+OK\r\n");
  Connection& d = connect();
  EXPECT_EQ(roundTrip(d, multibulk({"HELLO", "2", "AUTH", "default", "bad"})), kWrongPass);
  EXPECT_TRUE(roundTrip(d, multibulk({"HELLO", "2", "AUTH", "default", "s3cret"})).starts_with("*14"));
  EXPECT_EQ(roundTrip(d, multibulk({"PING"})), "+PONG\r\n");
}

TEST_F(RespProtocolTest, UnauthenticatedRequestsHaveRedisTighterLimits) {
  configure({kMaxLine, 10000, "s3cret"});
  Connection& c = connect();
  EXPECT_EQ(roundTrip(c, "*11\r\n"), "-ERR Protocol error: unauthenticated multibulk length\r\n");
  Connection& d = connect();
  send(d, multibulk({"AUTH", "s3cret"}));
  EXPECT_EQ(roundTrip(d, "*11\r\n"), "+OK\r\n");  // waits for its 11 strings
}

TEST_F(RespProtocolTest, ResetDropsSubscriptionsWithoutReplies) {
  Connection& c = connect();
  send(c, multibulk({"SUBSCRIBE", "a"}) + multibulk({"PSUBSCRIBE", "b*"}) +
              multibulk({"CLIENT", "SETNAME", "n"}));
  take(c);
  EXPECT_EQ(roundTrip(c, multibulk({"RESET"})), "+RESET\r\n");
  EXPECT_EQ(protocol_->index().subscriptionCount(), 0u);
  EXPECT_EQ(roundTrip(c, multibulk({"CLIENT", "GETNAME"})), "$-1\r\n");
  Connection& publisher = connect();
  EXPECT_EQ(roundTrip(publisher, multibulk({"PUBLISH", "a", "x"})), ":0\r\n");
}

TEST_F(RespProtocolTest, SlowRespSubscriberIsCutAndNotCounted) {
  Connection& slow = connect(Kind::kResp, 1024 + 512);
  send(slow, multibulk({"SUBSCRIBE", "flood"}));
  Connection& publisher = connect();
  std::string payload(300, 'x');
  std::string replies;
  for (int i = 0; i < 10; ++i) replies += roundTrip(publisher, multibulk({"PUBLISH", "flood", payload}));
  EXPECT_EQ(slow.state(), Connection::State::kClosing);
  EXPECT_EQ(slow.reason(), CloseReason::kSlowConsumer);
  EXPECT_NE(replies.find(":0\r\n"), std::string::npos) << "deliveries after the cut do not count";
  EXPECT_TRUE(replies.starts_with(":1\r\n"));
}

TEST_F(RespProtocolTest, BigArgumentsAcrossTheRingEnd) {
  Connection& sub1 = connect();
  send(sub1, multibulk({"SUBSCRIBE", "big"}));
  take(sub1);
  Connection& publisher = connect();
  // An ECHO and the start of a PUBLISH in one read: executing the ECHO moves
  // the ring's head, so the rest of the PUBLISH wraps around the block's end
  // at a different place for each size.
  for (std::size_t size = 100; size < 1000; size += 37) {
    std::string payload(size, static_cast<char>('a' + size % 26));
    std::string echo(size / 3, 'e');
    std::string publish = multibulk({"PUBLISH", "big", payload});
    std::size_t head = publish.size() / 2;
    send(publisher, multibulk({"ECHO", echo}) + publish.substr(0, head));
    send(publisher, publish.substr(head));
    EXPECT_EQ(take(publisher), "$" + std::to_string(echo.size()) + "\r\n" + echo + "\r\n:1\r\n");
    EXPECT_EQ(take(sub1), message("big", payload));
  }
}

TEST_F(RespProtocolTest, IndexDropsEveryTraceOfAConnection) {
  RespIndex& index = protocol_->index();
  Connection& a = connect();
  Connection& b = connect();
  send(a, multibulk({"PSUBSCRIBE", "p1*", "p2*", "p3*"}) + multibulk({"SUBSCRIBE", "c"}));
  send(b, multibulk({"PSUBSCRIBE", "p3*"}));
  EXPECT_EQ(index.subscriptionCount(), 5u);
  // Dropping the first pattern moves the last one into its slot.
  send(a, multibulk({"PUNSUBSCRIBE", "p1*"}));
  take(a);
  take(b);
  Connection& publisher = connect();
  EXPECT_EQ(roundTrip(publisher, multibulk({"PUBLISH", "p3x", "m"})), ":2\r\n");
  EXPECT_EQ(roundTrip(publisher, multibulk({"PUBLISH", "p1x", "m"})), ":0\r\n");
  a.session().dropSubscriptions(a);  // as the Server does before destroying it
  EXPECT_EQ(index.subscriptionCount(), 1u);
  EXPECT_EQ(roundTrip(publisher, multibulk({"PUBLISH", "p3x", "m"})), ":1\r\n");
  EXPECT_EQ(roundTrip(publisher, multibulk({"PUBLISH", "c", "m"})), ":0\r\n");
}

TEST_F(RespProtocolTest, ClientListDescribesEachConnectionInItsProtocol) {
  Connection& line = connect(Kind::kLine);
  send(line, "SUB a a.* \n");
  Connection& resp = connect();
  send(resp, multibulk({"CLIENT", "SETNAME", "unity"}) + multibulk({"MULTI"}) + multibulk({"PING"}));
  take(resp);
  Connection& asker = connect();
  std::string list = roundTrip(asker, multibulk({"CLIENT", "LIST"}));
  // One bulk, a line per connection in id order; fd -1 has no local end.
  EXPECT_NE(list.find("id=100 addr=127.0.0.1:5000 laddr=? fd=-1 name= age=0 idle=0 flags=P db=0 sub=1 psub=1 ssub=0 "
                      "multi=-1 "),
            std::string::npos) << list;
  EXPECT_NE(list.find(" cmd=NULL user=default redir=-1 resp=-1 protocol=line\n"), std::string::npos) << list;
  EXPECT_NE(list.find("id=101 addr=127.0.0.1:5000 laddr=? fd=-1 name=unity age=0 idle=0 flags=x db=0 sub=0 psub=0 ssub=0 "
                      "multi=1 "),
            std::string::npos) << list;
  EXPECT_NE(list.find(" cmd=ping user=default redir=-1 resp=2 protocol=resp\n"), std::string::npos) << list;
  EXPECT_NE(list.find(" cmd=client|list user=default redir=-1 resp=2 protocol=resp\n\r\n"), std::string::npos);
  EXPECT_EQ(roundTrip(asker, multibulk({"CLIENT", "LIST", "TYPE", "pubsub"})).find("id=101"), std::string::npos);
  // RESP3: a verbatim string, as Redis sends it.
  take(asker);
  EXPECT_EQ(roundTrip(asker, multibulk({"HELLO", "3"})).substr(0, 1), "%");
  EXPECT_EQ(roundTrip(asker, multibulk({"CLIENT", "LIST", "TYPE", "replica"})), "=4\r\ntxt:\r\n");
}

TEST_F(RespProtocolTest, ClientKillClosesOthersAndItselfAfterTheReply) {
  Connection& victim = connect(Kind::kLine);
  Connection& asker = connect();
  EXPECT_EQ(roundTrip(asker, multibulk({"CLIENT", "KILL", "ID", "100"})), ":1\r\n");
  EXPECT_EQ(victim.state(), Connection::State::kClosing);
  EXPECT_EQ(victim.reason(), CloseReason::kKilled);
  EXPECT_EQ(roundTrip(asker, multibulk({"CLIENT", "KILL", "ID", "100"})), ":0\r\n") << "closing: gone already";
  EXPECT_EQ(roundTrip(asker, multibulk({"CLIENT", "KILL", "USER", "nobody"})), "-ERR No such user 'nobody'\r\n");
  EXPECT_EQ(roundTrip(asker, multibulk({"CLIENT", "KILL", "ID", "0"})),
            "-ERR client-id should be greater than 0\r\n");
  EXPECT_EQ(roundTrip(asker, multibulk({"CLIENT", "KILL", "ADDR", "127.0.0.1:5000", "SKIPME", "no"}) + multibulk({"PING"})),
            ":1\r\n");
  EXPECT_EQ(asker.state(), Connection::State::kDraining) << "closes once the reply is out; PING never ran";
}

TEST_F(RespProtocolTest, CommandIsCheckedLikeAnyContainer) {
  Connection& c = connect();
  EXPECT_EQ(roundTrip(c, multibulk({"COMMAND", "COUNT"})),
            ":" + std::to_string(respCommandDocs().size()) + "\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"COMMAND", "FOO"})), "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n");
  EXPECT_EQ(roundTrip(c, multibulk({"command", "count", "x"})), arity("command|count"));
  EXPECT_EQ(roundTrip(c, multibulk({"COMMAND", "INFO", "nosuch"})), "*1\r\n$-1\r\n");
  send(c, multibulk({"SUBSCRIBE", "a"}));
  take(c);
  EXPECT_EQ(roundTrip(c, multibulk({"COMMAND"})), refused("command"));
  EXPECT_EQ(roundTrip(c, multibulk({"COMMAND", "DOCS", "ping"})), refused("command|docs"));
}

}  // namespace
}  // namespace linecast
