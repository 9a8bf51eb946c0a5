// The RESP2 request parser: multibulk and inline requests, fed whole, one
// byte at a time, split at every offset and placed across the ring's end;
// Redis's limits and its exact protocol error texts.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/resp/resp_parser.h"
#include "net/ring_buffer.h"

namespace linecast {
namespace {

using Args = std::vector<std::string>;

std::string multibulk(const Args& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& arg : args) out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  return out;
}

// A connection's input side: a ring, the shared scratch buffer and a
// parser. Collects every request parsed (skipped empty requests too).
class Feeder {
 public:
  explicit Feeder(std::size_t maxLine = 1024, std::size_t ringLimit = 1 << 22)
      : parser_(maxLine), scratch_(maxLine + 1), ringLimit_(ringLimit) {}

  // Appends bytes and parses all complete requests; returns the last status.
  RespParser::Status feed(std::string_view bytes, bool unauthenticated = false) {
    EXPECT_TRUE(ring_.reserve(bytes.size(), ringLimit_));
    ring_.append(bytes);
    return drain(unauthenticated);
  }

  RespParser::Status drain(bool unauthenticated = false) {
    for (;;) {
      std::size_t frame = 0;
      auto status = parser_.next(ring_, scratch_, unauthenticated, frame);
      if (status != RespParser::Status::kCommand) {
        if (status == RespParser::Status::kNeedMore) {
          EXPECT_LE(ring_.size(), parser_.maxPending()) << "a partial request outgrew the bound";
        }
        return status;
      }
      Args args;
      for (std::string_view arg : parser_.args()) args.emplace_back(arg);
      requests.push_back(args);
      ring_.consume(frame);
    }
  }

  RingBuffer& ring() { return ring_; }
  RespParser& parser() { return parser_; }
  std::string error() const { return std::string(parser_.error()); }

  std::vector<Args> requests;

 private:
  RingBuffer ring_;
  RespParser parser_;
  std::vector<char> scratch_;
  std::size_t ringLimit_;
};

const std::string kScript = multibulk({"SUBSCRIBE", "news", "sport"}) +
                            multibulk({"PUBLISH", "news", "hello\r\nworld"}) + "*0\r\n" +
                            "PING \"a b\" 'c'\r\n" + "*-1\r\n" +
                            multibulk({"ECHO", ""}) + "\r\n" + multibulk({"PING"}) +
                            "echo   x\n";

const std::vector<Args> kScriptRequests = {
    {"SUBSCRIBE", "news", "sport"}, {"PUBLISH", "news", "hello\r\nworld"}, {}, {"PING", "a b", "c"},
    {}, {"ECHO", ""}, {}, {"PING"}, {"echo", "x"},
};

TEST(RespParser, MultibulkRequest) {
  Feeder f;
  std::string request = multibulk({"ECHO", "hi"});
  ASSERT_EQ(f.feed(request), RespParser::Status::kNeedMore);
  ASSERT_EQ(f.requests, (std::vector<Args>{{"ECHO", "hi"}}));
  EXPECT_TRUE(f.ring().empty());
}

TEST(RespParser, BinarySafeArguments) {
  Feeder f;
  std::string payload("a\0b\r\n\xff", 6);
  f.feed(multibulk({"PUBLISH", "ch", payload}));
  ASSERT_EQ(f.requests.size(), 1u);
  EXPECT_EQ(f.requests[0][2], payload);
}

TEST(RespParser, PipelinedMixOfMultibulkAndInline) {
  Feeder f;
  f.feed(kScript);
  EXPECT_EQ(f.requests, kScriptRequests);
  EXPECT_TRUE(f.ring().empty());
}

TEST(RespParser, OneByteAtATime) {
  Feeder f;
  for (char c : kScript) ASSERT_NE(f.feed(std::string_view(&c, 1)), RespParser::Status::kError);
  EXPECT_EQ(f.requests, kScriptRequests);
}

TEST(RespParser, SplitAtEveryOffset) {
  for (std::size_t split = 0; split <= kScript.size(); ++split) {
    Feeder f;
    f.feed(std::string_view(kScript).substr(0, split));
    f.feed(std::string_view(kScript).substr(split));
    ASSERT_EQ(f.requests, kScriptRequests) << "split at " << split;
  }
}

// A first request moves the ring's head, so the second straddles the end of
// the 256-byte block at every possible position: each argument must come
// out whole, the straddling one through the scratch buffer.
TEST(RespParser, RequestAcrossTheRingEnd) {
  const Args target = {"PUBLISH", "a.channel.name", std::string(60, 'p') + "|" + std::string(60, 'q')};
  const std::string request = multibulk(target);
  for (std::size_t filler = 0; filler < 240; ++filler) {
    Feeder f(1024, RingBuffer::kMinCapacity);
    std::string first = multibulk({"X", std::string(filler, 'x')});
    if (first.size() + 1 > RingBuffer::kMinCapacity) break;
    // The first request and one byte of the second: consuming the first
    // leaves the head where it ended.
    f.feed(first + request.substr(0, 1));
    ASSERT_EQ(f.requests.size(), 1u);
    f.feed(request.substr(1));
    ASSERT_EQ(f.ring().capacity(), RingBuffer::kMinCapacity) << "the ring must not have regrown";
    ASSERT_EQ(f.requests.size(), 2u) << "filler " << filler;
    ASSERT_EQ(f.requests[1], target) << "filler " << filler;
  }
}

TEST(RespParser, InlineAcrossTheRingEnd) {
  for (std::size_t filler = 0; filler < 200; ++filler) {
    Feeder f(1024, RingBuffer::kMinCapacity);
    std::string first = multibulk({"X", std::string(filler, 'x')});
    if (first.size() + 40 > RingBuffer::kMinCapacity) break;
    f.feed(first + "S");
    f.feed("UBSCRIBE one \"two three\" four\r\n");
    ASSERT_EQ(f.requests.size(), 2u);
    ASSERT_EQ(f.requests[1], (Args{"SUBSCRIBE", "one", "two three", "four"}));
  }
}

TEST(RespParser, EmptyRequestsAreSkippedNotErrors) {
  Feeder f;
  f.feed("*0\r\n*-1\r\n*-5\r\n\r\n\n   \r\n\t\r\n");
  EXPECT_EQ(f.requests.size(), 7u);
  for (const Args& request : f.requests) EXPECT_TRUE(request.empty());
}

// Redis skips the two bytes after bulk data without looking at them.
TEST(RespParser, BytesAfterBulkDataAreNotChecked) {
  Feeder f;
  f.feed("*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(f.requests, (std::vector<Args>{{"PING"}, {"PING"}}));
}

TEST(RespParser, LengthLineWaitsForTheByteAfterItsCr) {
  Feeder f;
  EXPECT_EQ(f.feed("*1\r"), RespParser::Status::kNeedMore);
  EXPECT_EQ(f.feed("\n$4\r"), RespParser::Status::kNeedMore);
  // Redis checks the '$' only once the line is whole.
  Feeder g;
  EXPECT_EQ(g.feed("*1\r\nx"), RespParser::Status::kNeedMore);
  EXPECT_EQ(g.feed("yz\r"), RespParser::Status::kNeedMore);
  EXPECT_EQ(g.feed("\n"), RespParser::Status::kError);
  EXPECT_EQ(g.error(), "-ERR Protocol error: expected '$', got 'x'\r\n");
}

struct ErrorCase {
  std::string input;
  std::string reply;
};

TEST(RespParser, ProtocolErrorsUseRedisTexts) {
  const std::string kMultibulk = "-ERR Protocol error: invalid multibulk length\r\n";
  const std::string kBulk = "-ERR Protocol error: invalid bulk length\r\n";
  const ErrorCase cases[] = {
      {"*\r\n", kMultibulk},
      {"*x\r\n", kMultibulk},
      {"*01\r\n", kMultibulk},
      {"*-0\r\n", kMultibulk},
      {"*+1\r\n", kMultibulk},
      {"* 1\r\n", kMultibulk},
      {"*1048577\r\n", kMultibulk},
      {"*99999999999999999999\r\n", kMultibulk},
      {"*1\r\n$-1\r\n", kBulk},
      {"*1\r\n$\r\n", kBulk},
      {"*1\r\n$012\r\n", kBulk},
      {"*1\r\n$1x\r\n", kBulk},
      {"*1\r\n$1025\r\n", kBulk},  // over --max-line (1024 here)
      {"*1\r\nx\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n"},
      {"*1\r\n\r\n", "-ERR Protocol error: expected '$', got ' '\r\n"},
      {"*2\r\n$4\r\nECHO\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"},
      {"ECHO \"open\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
      {"ECHO 'a'b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
      {"ECHO \"a\"b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
      {std::string(1026, 'a'), "-ERR Protocol error: too big inline request\r\n"},
      {std::string(1025, 'a') + "\r\n", "-ERR Protocol error: too big inline request\r\n"},
  };
  for (const ErrorCase& c : cases) {
    Feeder f;
    EXPECT_EQ(f.feed(c.input), RespParser::Status::kError) << c.input;
    EXPECT_EQ(f.error(), c.reply) << c.input;
  }
}

TEST(RespParser, EarlierRequestsOfTheSameReadAreParsedBeforeAnError) {
  Feeder f;
  EXPECT_EQ(f.feed(multibulk({"PING"}) + "*1\r\n$-1\r\n" + multibulk({"PING"})),
            RespParser::Status::kError);
  EXPECT_EQ(f.requests, (std::vector<Args>{{"PING"}}));
}

TEST(RespParser, LimitsAtTheirEdges) {
  Feeder f;
  std::string atLimit(1024, 'b');
  EXPECT_EQ(f.feed(multibulk({"ECHO", atLimit})), RespParser::Status::kNeedMore);
  EXPECT_EQ(f.feed(std::string(1024, 'c') + "\r\n"), RespParser::Status::kNeedMore);
  ASSERT_EQ(f.requests.size(), 2u);
  EXPECT_EQ(f.requests[0][1], atLimit);
  // A count of exactly 1048576 is valid: the parser waits for its strings.
  Feeder g;
  EXPECT_EQ(g.feed("*1048576\r\n"), RespParser::Status::kNeedMore);
}

TEST(RespParser, LengthLinesAreBoundedAt64KiB) {
  Feeder f(1 << 20);
  EXPECT_EQ(f.feed("*" + std::string(RespParser::kMaxHeaderLine, '1')), RespParser::Status::kError);
  EXPECT_EQ(f.error(), "-ERR Protocol error: too big mbulk count string\r\n");
  Feeder g(1 << 20);
  EXPECT_EQ(g.feed("*1\r\n$" + std::string(RespParser::kMaxHeaderLine, '1')),
            RespParser::Status::kError);
  EXPECT_EQ(g.error(), "-ERR Protocol error: too big bulk count string\r\n");
}

TEST(RespParser, UnauthenticatedLimitsAreRedisOnes) {
  Feeder f;
  EXPECT_EQ(f.feed("*10\r\n", true), RespParser::Status::kNeedMore);
  Feeder g;
  EXPECT_EQ(g.feed("*11\r\n", true), RespParser::Status::kError);
  EXPECT_EQ(g.error(), "-ERR Protocol error: unauthenticated multibulk length\r\n");
  Feeder h(1 << 20);
  EXPECT_EQ(h.feed("*1\r\n$16384\r\n", true), RespParser::Status::kNeedMore);
  Feeder k(1 << 20);
  EXPECT_EQ(k.feed("*1\r\n$16385\r\n", true), RespParser::Status::kError);
  EXPECT_EQ(k.error(), "-ERR Protocol error: unauthenticated bulk length\r\n");
  Feeder m(1 << 20);
  EXPECT_EQ(m.feed("*1\r\n$16385\r\n", false), RespParser::Status::kNeedMore);
}

TEST(RespParser, WholeRequestIsBounded) {
  Feeder f(1024);
  std::size_t max = f.parser().maxRequest();
  EXPECT_EQ(max, 2 * 1024 + RespParser::kMaxHeaderLine);
  // Two arguments of max-line each always fit (PUBLISH channel payload).
  EXPECT_EQ(f.feed(multibulk({std::string(1024, 'c'), std::string(1024, 'p')})),
            RespParser::Status::kNeedMore);
  EXPECT_EQ(f.requests.size(), 1u);
  // Many small strings add up.
  std::string many = "*100000\r\n";
  while (many.size() < max) many += "$3\r\nabc\r\n";
  Feeder g(1024);
  EXPECT_EQ(g.feed(many), RespParser::Status::kError);
  EXPECT_EQ(g.error(), "-ERR Protocol error: request too big (max " + std::to_string(max) +
                           " bytes)\r\n");
}

// Garbage in any chunking either parses, waits or fails; a waiting partial
// request never holds more than maxPending() bytes (Feeder checks it).
TEST(RespParser, RandomInputKeepsThePendingBound) {
  std::mt19937 random(20261126);
  const char alphabet[] = {'*', '$', '\r', '\n', '0', '1', '2', '9', '-', 'a', ' ', '"'};
  for (int round = 0; round < 300; ++round) {
    Feeder f(64);
    std::string input = "*";
    std::size_t length = random() % 400;
    for (std::size_t i = 0; i < length; ++i) input += alphabet[random() % sizeof alphabet];
    std::size_t at = 0;
    while (at < input.size()) {
      std::size_t chunk = 1 + random() % 16;
      if (f.feed(std::string_view(input).substr(at, chunk)) == RespParser::Status::kError) break;
      at += chunk;
    }
  }
}

TEST(RespParser, RedisIntegers) {
  long long v = 0;
  EXPECT_TRUE(parseRedisInteger("0", v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(parseRedisInteger("42", v));
  EXPECT_EQ(v, 42);
  EXPECT_TRUE(parseRedisInteger("-1", v));
  EXPECT_EQ(v, -1);
  EXPECT_TRUE(parseRedisInteger("9223372036854775807", v));
  EXPECT_EQ(v, 9223372036854775807LL);
  EXPECT_TRUE(parseRedisInteger("-9223372036854775808", v));
  EXPECT_EQ(v, -9223372036854775807LL - 1);
  for (std::string_view bad : {"", "-", "+1", " 1", "1 ", "01", "-0", "00", "1x", "9223372036854775808",
                               "-9223372036854775809", "123456789012345678901"}) {
    EXPECT_FALSE(parseRedisInteger(bad, v)) << bad;
  }
}

TEST(RespParser, InlineArgumentsAreSplitLikeRedis) {
  std::string out;
  std::vector<std::string_view> args;
  auto split = [&](std::string_view line) {
    std::vector<std::string> result;
    if (!splitInlineArgs(line, out, args)) return std::vector<std::string>{"<unbalanced>"};
    for (auto a : args) result.emplace_back(a);
    return result;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(split("  PING  "), (V{"PING"}));
  EXPECT_EQ(split("a\tb\rc"), (V{"a", "b", "c"}));
  EXPECT_EQ(split("\"a b\" 'c d'"), (V{"a b", "c d"}));
  EXPECT_EQ(split("\"\\x41\\n\\r\\t\\b\\a\\q\\\\\\\"\""), (V{std::string("A\n\r\t\b\aq\\\"")}));
  EXPECT_EQ(split("'it\\'s' '\\n'"), (V{"it's", "\\n"}));
  EXPECT_EQ(split("ab\"cd\" x"), (V{"abcd", "x"}));
  EXPECT_EQ(split("\"\""), (V{""}));
  EXPECT_EQ(split("\"\\x4\""), (V{"x4"}));
  EXPECT_EQ(split("\"a\"b"), (V{"<unbalanced>"}));
  EXPECT_EQ(split("'a"), (V{"<unbalanced>"}));
  EXPECT_EQ(split("\"a\\\""), (V{"<unbalanced>"}));
  EXPECT_EQ(split(""), (V{}));
}

}  // namespace
}  // namespace linecast
