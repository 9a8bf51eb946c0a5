// Fuzz target: line framing and command parsing (docs/PROTOCOL.md,
// "Framing", "Channels", "Client to server").
//
// Input: one byte picks --max-line, one seeds how the rest is cut into
// reads; the rest is the byte stream of one connection. The stream is fed
// read by read into a RingBuffer (so lines wrap around its end) and framed
// by LineParser; every frame is parsed with parseCommand and its arguments
// go through the channel checks and a Router. Checked against simple
// reference implementations written here from the spec:
//   - the frames are exactly the stream's '\n'-separated lines (one '\r'
//     before the '\n' removed), in order, until the first line over
//     max-line, which is reported as too long, and then nothing else;
//   - the ring never holds more than max-line + 2 bytes plus one read;
//   - verb + rest rebuild the line; arguments are non-empty and space-free;
//   - channel and pattern validity match the spec's rules; the Router's
//     matches equal the reference matcher's over the patterns held.
#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "routing/channel.h"
#include "protocols/line/command.h"
#include "fuzz_input.h"
#include "protocols/line/line_parser.h"
#include "net/ring_buffer.h"
#include "routing/router.h"

namespace linecast::fuzz {
namespace {

constexpr std::size_t kMaxLines[] = {1, 2, 5, 16, 64, 255, 300, 1024};
constexpr std::size_t kMaxRead = 512;
constexpr std::size_t kSubscribers = 4;
constexpr std::size_t kMaxHeldPatterns = 64;

// The spec's channel rules, written independently of channel.cc.
bool refValidName(std::string_view s, bool pattern) {
  if (s.empty() || s.size() > 255) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7E) return false;
  }
  std::vector<std::string_view> tokens;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      tokens.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].empty()) return false;
    bool wildcard = tokens[i] == "*" || tokens[i] == ">";
    if (!pattern && wildcard) return false;
    if (tokens[i] == ">" && i + 1 != tokens.size()) return false;
  }
  return true;
}

std::vector<std::string_view> tokensOf(std::string_view s) {
  std::vector<std::string_view> tokens;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      tokens.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return tokens;
}

bool refMatches(std::string_view pattern, std::string_view channel) {
  auto p = tokensOf(pattern);
  auto c = tokensOf(channel);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == ">") return c.size() > i;
    if (i >= c.size()) return false;
    if (p[i] != "*" && p[i] != c[i]) return false;
  }
  return p.size() == c.size();
}

// The frames the spec says a stream holds; `tooLong` when framing must stop
// at a line over the limit (an unterminated tail counts once it passes
// max-line + 1, the slack for a '\r' whose '\n' is still to come).
struct Expected {
  std::vector<std::string_view> lines;
  bool tooLong = false;
};

Expected frame(std::string_view stream, std::size_t maxLine) {
  Expected e;
  while (!stream.empty()) {
    std::size_t nl = stream.find('\n');
    if (nl == std::string_view::npos) {
      e.tooLong = stream.size() > maxLine + 1;
      break;
    }
    std::string_view line = stream.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > maxLine) {
      e.tooLong = true;
      break;
    }
    e.lines.push_back(line);
    stream.remove_prefix(nl + 1);
  }
  return e;
}

struct FakeSubscriber : Subscriber {
  std::set<std::string> held;
};

void checkArguments(std::string_view rest) {
  std::string_view arg;
  int guard = 0;
  while (nextArgument(rest, arg)) {
    FUZZ_CHECK(!arg.empty());
    FUZZ_CHECK(arg.find(' ') == std::string_view::npos);
    FUZZ_CHECK(++guard < 1 << 20);
  }
  FUZZ_CHECK(rest.empty());
}

class Session {
 public:
  void execute(std::string_view line, std::size_t lineIndex) {
    Command command = parseCommand(line);
    std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
      FUZZ_CHECK(command.verb == Verb::kEmpty);
      return;
    }
    FUZZ_CHECK(command.verb != Verb::kEmpty);
    FUZZ_CHECK(!command.verbText.empty());
    FUZZ_CHECK(command.verbText.find(' ') == std::string_view::npos);
    FUZZ_CHECK(command.rest.empty() || command.rest.front() == ' ');
    FUZZ_CHECK(std::string(line.substr(start)) == std::string(command.verbText) + std::string(command.rest));
    checkArguments(command.rest);

    FakeSubscriber& sub = subs_[lineIndex % kSubscribers];
    switch (command.verb) {
      case Verb::kPub: {
        std::string_view channel;
        std::string_view payload;
        splitPublish(command.rest, channel, payload);
        if (channel.empty()) break;
        FUZZ_CHECK(channel.find(' ') == std::string_view::npos);
        // The payload is every byte after the single space after the channel.
        FUZZ_CHECK(payload.empty() || payload.data() + payload.size() == line.data() + line.size());
        auto status = checkPublishChannel(channel);
        bool valid = refValidName(channel, false);
        FUZZ_CHECK((status == ChannelStatus::kValid) == valid);
        if (status == ChannelStatus::kHasWildcard) {
          // Well-formed but with a wildcard token ('>' need not be last).
          bool wildcard = false;
          for (std::string_view token : tokensOf(channel)) wildcard = wildcard || token == "*" || token == ">";
          FUZZ_CHECK(wildcard && !valid);
        }
        if (valid) {
          FUZZ_CHECK(patternMatches(channel, channel));
          publish(channel);
        }
        break;
      }
      case Verb::kSub:
      case Verb::kUnsub: {
        std::string_view rest = command.rest;
        std::string_view pattern;
        std::vector<std::string_view> patterns;
        bool allValid = true;
        while (nextArgument(rest, pattern)) {
          bool valid = isValidPattern(pattern);
          FUZZ_CHECK(valid == refValidName(pattern, true));
          if (valid) FUZZ_CHECK(hasWildcardToken(pattern) == !refValidName(pattern, false));
          allValid = allValid && valid;
          patterns.push_back(pattern);
        }
        if (!allValid) break;  // rejected whole
        for (std::string_view p : patterns) {
          std::string key(p);
          if (command.verb == Verb::kSub) {
            if (held_ >= kMaxHeldPatterns || sub.held.count(key)) {
              if (sub.held.count(key)) FUZZ_CHECK(!router_.subscribe(&sub, p));
              continue;
            }
            FUZZ_CHECK(router_.subscribe(&sub, p));
            sub.held.insert(key);
            ++held_;
          } else {
            bool had = sub.held.erase(key) > 0;
            FUZZ_CHECK(router_.unsubscribe(&sub, p) == had);
            if (had) --held_;
          }
        }
        if (command.verb == Verb::kUnsub && patterns.empty()) {
          for (const std::string& p : sub.held) FUZZ_CHECK(router_.unsubscribe(&sub, p));
          held_ -= sub.held.size();
          sub.held.clear();
        }
        FUZZ_CHECK(router_.subscriptionCount() == held_);
        break;
      }
      case Verb::kPing:
        FUZZ_CHECK(pingText(command.rest).size() + 1 == command.rest.size() || command.rest.empty());
        break;
      default:
        break;
    }
  }

  ~Session() {
    for (auto& sub : subs_) {
      for (const std::string& p : sub.held) router_.unsubscribe(&sub, p);
    }
  }

 private:
  void publish(std::string_view channel) {
    std::set<const Subscriber*> got;
    std::size_t visits = router_.match(channel, [&](Subscriber* s) {
      FUZZ_CHECK(got.insert(s).second);  // once per subscriber
    });
    FUZZ_CHECK(visits == got.size());
    for (const FakeSubscriber& sub : subs_) {
      bool expected = false;
      for (const std::string& p : sub.held) {
        bool m = refMatches(p, channel);
        FUZZ_CHECK(m == patternMatches(p, channel));
        expected = expected || m;
      }
      FUZZ_CHECK(expected == (got.count(&sub) > 0));
    }
  }

  Router router_;
  FakeSubscriber subs_[kSubscribers];
  std::size_t held_ = 0;
};

}  // namespace
}  // namespace linecast::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace linecast;
  using namespace linecast::fuzz;
  Input input(data, size);
  std::size_t maxLine = kMaxLines[input.below(std::size(kMaxLines))];
  std::uint32_t rng = 0x9E3779B9u ^ input.byte();
  std::string_view stream = input.rest();
  Expected expected = frame(stream, maxLine);

  RingBuffer ring;
  LineParser parser(maxLine);
  std::vector<char> scratch(maxLine + 1);
  Session session;
  std::size_t produced = 0;
  bool tooLong = false;
  std::size_t fed = 0;
  while (fed < stream.size() && !tooLong) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    std::size_t chunk = std::min<std::size_t>(1 + rng % kMaxRead, stream.size() - fed);
    // What a connection guarantees: room for one partial line plus a read.
    FUZZ_CHECK(ring.reserve(chunk, maxLine + 2 + kMaxRead));
    ring.append(stream.substr(fed, chunk));
    fed += chunk;
    for (;;) {
      std::string_view line;
      std::size_t frameLength = 0;
      auto status = parser.next(ring, scratch, line, frameLength);
      if (status == LineParser::Status::kNeedMore) break;
      if (status == LineParser::Status::kTooLong) {
        tooLong = true;
        break;
      }
      FUZZ_CHECK(produced < expected.lines.size());
      FUZZ_CHECK(line == expected.lines[produced]);
      FUZZ_CHECK(line.size() <= maxLine);
      FUZZ_CHECK(frameLength >= line.size() + 1 && frameLength <= line.size() + 2);
      FUZZ_CHECK(frameLength <= ring.size());
      session.execute(line, produced);
      ring.consume(frameLength);
      ++produced;
    }
    FUZZ_CHECK(tooLong || ring.size() <= maxLine + 1);
  }
  FUZZ_CHECK(produced == expected.lines.size());
  FUZZ_CHECK(tooLong == expected.tooLong);
  return 0;
}
