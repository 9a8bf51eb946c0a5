#include "cluster/redis_mqtt_interest.h"

#include <algorithm>
#include <string>

#include "protocols/mqtt/mqtt_topic.h"
#include "routing/channel.h"

namespace linecast {
namespace {

bool isWildcardLevel(std::string_view level) { return level == "+" || level == "#"; }

// A valid filter holds '+' and '#' only as whole levels.
bool hasWildcard(std::string_view filter) { return filter.find_first_of("+#") != std::string_view::npos; }

// Whether channels can carry messages the filter matches: no literal level
// holds what a channel token that has a topic cannot ('.' splits it, '*'
// and '>' give no topic), and no '$' first level (a channel starting with
// '$' has no topic).
bool hasChannelImage(std::string_view filter) {
  if (filter.front() == '$') return false;
  TokenCursor levels(filter, '/');
  std::string_view level;
  while (levels.next(level)) {
    if (!isWildcardLevel(level) && level.find_first_of(".*>") != std::string_view::npos) return false;
  }
  return true;
}

// The filter's levels joined by `separator`: a glob when it has
// wildcards, else the name itself.
RedisInterest nameOf(std::string_view filter, char separator) {
  RedisInterest name;
  name.pattern = hasWildcard(filter);
  TokenCursor levels(filter, '/');
  std::string_view level;
  bool first = true;
  while (levels.next(level)) {
    if (!first) name.text += separator;
    first = false;
    if (!name.pattern) {
      name.text += level;
    } else if (isWildcardLevel(level)) {
      name.text += '*';
    } else {
      appendGlobLiteral(name.text, level);
    }
  }
  return name;
}

void addOnce(std::vector<RedisInterest>& out, RedisInterest name) {
  auto same = [&name](const RedisInterest& r) { return r.pattern == name.pattern && r.text == name.text; };
  if (std::none_of(out.begin(), out.end(), same)) out.push_back(std::move(name));
}

void addNamesOf(std::string_view filter, std::vector<RedisInterest>& out) {
  std::string channel;
  if (!hasWildcard(filter) && mqttTopicToChannel(filter, channel)) {
    addOnce(out, {false, std::move(channel)});
    return;
  }
  if (hasChannelImage(filter)) addOnce(out, nameOf(filter, '.'));
  addOnce(out, nameOf(filter, '/'));
}

}  // namespace

void redisInterestsForMqttFilter(std::string_view filter, std::vector<RedisInterest>& out) {
  if (filter.empty()) return;  // never held: not a valid filter
  addNamesOf(filter, out);
  // "a/#" matches "a" too (MQTT 4.7.1.2); "/#"'s parent is no topic.
  if (filter.size() > 2 && filter.ends_with("/#")) addNamesOf(filter.substr(0, filter.size() - 2), out);
}

}  // namespace linecast
