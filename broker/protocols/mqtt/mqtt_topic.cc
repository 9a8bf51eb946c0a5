#include "protocols/mqtt/mqtt_topic.h"

#include <algorithm>

#include "routing/channel.h"

namespace linecast {

namespace {

// A topic's or filter's levels. Empty levels count ("a//b" has three, "/"
// two): in MQTT they are levels like any other (4.7.1.1). Callers refuse an
// empty topic or filter first, which has no level at all here.
TokenCursor levelsOf(std::string_view s) { return TokenCursor(s, '/'); }

// A topic level that is, as it stands, a channel token: printable ASCII
// without '.' (the channel separator) or '*' and '>' (which make a token
// a wildcard, or look like one). '+' and '#' never reach here in a topic
// name; in a filter they are translated, not checked.
bool isChannelLevel(std::string_view level) {
  if (level.empty()) return false;
  for (char ch : level) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c > 0x7E || c == '.' || c == '*' || c == '>' || c == '+' || c == '#') return false;
  }
  return true;
}

// The reverse: a channel token that can be a topic level. '/' would split
// it; '+', '#' would make it a wildcard; '*' and '>' inside a token ("a*b"),
// though legal in a channel, would give a topic that maps to no channel.
bool isTopicToken(std::string_view token) {
  for (char c : token) {
    if (c == '/' || c == '+' || c == '#' || c == '*' || c == '>') return false;
  }
  return true;
}

// 4.7.2-1: '$' topics are reserved for the server's own uses.
bool startsWithDollar(std::string_view s) { return !s.empty() && s.front() == '$'; }

}  // namespace

bool mqttTopicNameValid(std::string_view topic) {
  return !topic.empty() && topic.find_first_of("+#") == std::string_view::npos;
}

bool mqttTopicFilterValid(std::string_view filter) {
  if (filter.empty()) return false;  // 4.7.3-1
  TokenCursor levels = levelsOf(filter);
  std::string_view level;
  while (levels.next(level)) {
    // 4.7.1-2: '#' alone, as the last level; 4.7.1-3: '+' alone.
    if (level == "#") {
      if (!levels.atEnd()) return false;
    } else if (level != "+" && level.find_first_of("+#") != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool mqttTopicToChannel(std::string_view topic, std::string& out) {
  out.clear();
  if (topic.empty() || topic.size() > kMaxChannelLength || startsWithDollar(topic)) return false;
  TokenCursor levels = levelsOf(topic);
  std::string_view level;
  while (levels.next(level)) {
    if (!isChannelLevel(level)) return false;
  }
  out.assign(topic);
  std::replace(out.begin(), out.end(), '/', '.');
  // What the line protocol itself would accept as a PUB channel.
  if (checkPublishChannel(out) != ChannelStatus::kValid) {
    out.clear();
    return false;
  }
  return true;
}

bool mqttChannelToTopic(std::string_view channel, std::string& out) {
  out.clear();
  if (startsWithDollar(channel)) return false;
  TokenCursor tokens(channel);
  std::string_view token;
  while (tokens.next(token)) {
    if (!isTopicToken(token)) return false;
  }
  out.assign(channel);
  std::replace(out.begin(), out.end(), '.', '/');
  return !out.empty();
}

bool mqttFilterMatches(std::string_view filter, std::string_view topic) {
  if (startsWithDollar(topic) && !filter.empty() && (filter.front() == '+' || filter.front() == '#')) {
    return false;
  }
  if (filter.empty() || topic.empty()) return false;
  TokenCursor filterLevels = levelsOf(filter);
  TokenCursor topicLevels = levelsOf(topic);
  std::string_view f;
  std::string_view t;
  while (filterLevels.next(f)) {
    // '#' matches what is left of the topic, and also nothing: "a/#"
    // matches "a" (4.7.1.2).
    if (f == "#") return true;
    if (!topicLevels.next(t)) return false;
    if (f != "+" && f != t) return false;
  }
  return topicLevels.atEnd();
}

bool mqttFilterToPatterns(std::string_view filter, std::vector<std::string>& out) {
  out.clear();
  if (!mqttTopicFilterValid(filter) || startsWithDollar(filter)) return false;
  std::string pattern;
  std::size_t parentLength = 0;  // the pattern before a final ".>", if any
  bool multiLevel = false;
  TokenCursor levels = levelsOf(filter);
  std::string_view level;
  while (levels.next(level)) {
    if (!pattern.empty()) {
      parentLength = pattern.size();
      pattern += '.';
    }
    if (level == "+") {
      pattern += '*';
    } else if (level == "#") {
      pattern += '>';
      multiLevel = true;
    } else if (isChannelLevel(level)) {
      pattern += level;
    } else {
      return false;
    }
  }
  if (!isValidPattern(pattern)) return false;
  out.push_back(pattern);
  // "a/#" matches "a" too, which "a.>" does not; "#" alone has no parent.
  if (multiLevel && parentLength > 0) out.push_back(pattern.substr(0, parentLength));
  return true;
}

}  // namespace linecast
