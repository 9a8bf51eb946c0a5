#include "auth/permissions.h"

#include <algorithm>

#include "routing/channel.h"

namespace linecast {

std::vector<std::string>* Permissions::listNamed(std::string_view key) {
  if (key == "publish") return &publish;
  if (key == "subscribe") return &subscribe;
  if (key == "deny_subscribe") return &denySubscribe;
  return nullptr;
}

namespace {

// Whether everything the inner tokens match, the outer pattern (line
// syntax) matches too. The inner side is a line pattern or an MQTT filter,
// which differ only in their separator and in how they spell "one token"
// (`*`, `+`) and "the rest" (`>`, `#`).
bool tokensWithin(TokenCursor in, TokenCursor out, std::string_view innerOne, std::string_view innerRest) {
  for (;;) {
    std::string_view o;
    std::string_view i;
    bool hasOuter = out.next(o);
    bool hasInner = in.next(i);
    if (!hasOuter) return !hasInner;
    if (o == ">") return hasInner;  // one or more tokens, whatever they are
    if (!hasInner || i == innerRest) return false;  // outer matches exactly one token here
    if (o == "*") continue;
    if (i == innerOne || i != o) return false;
  }
}

}  // namespace

bool patternWithin(std::string_view inner, std::string_view outer) {
  return tokensWithin(TokenCursor(inner), TokenCursor(outer), "*", ">");
}

bool patternMatchesTopic(std::string_view pattern, std::string_view topic) {
  TokenCursor tokens(pattern);
  TokenCursor levels(topic, '/');
  for (;;) {
    std::string_view t;
    std::string_view l;
    bool hasToken = tokens.next(t);
    bool hasLevel = levels.next(l);
    if (!hasToken) return !hasLevel;
    if (!hasLevel) return false;
    if (t == ">") return true;  // this level and any after it
    if (t != "*" && t != l) return false;
  }
}

bool filterWithin(std::string_view filter, std::string_view pattern) {
  return tokensWithin(TokenCursor(filter, '/'), TokenCursor(pattern), "+", "#");
}

namespace {

// Whether one of the list's patterns answers yes: test(pattern, subject).
bool anyPattern(const std::vector<std::string>& list, std::string_view subject,
                bool (*test)(std::string_view pattern, std::string_view subject)) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& p) { return test(p, subject); });
}

bool withinPattern(std::string_view pattern, std::string_view inner) { return patternWithin(inner, pattern); }
bool filterWithinPattern(std::string_view pattern, std::string_view filter) { return filterWithin(filter, pattern); }

}  // namespace

bool Permissions::mayPublishTopic(std::string_view topic) const {
  return anyPattern(publish, topic, patternMatchesTopic);
}
bool Permissions::deniesTopic(std::string_view topic) const {
  return anyPattern(denySubscribe, topic, patternMatchesTopic);
}
bool Permissions::maySubscribeTopic(std::string_view topic) const {
  return anyPattern(subscribe, topic, patternMatchesTopic);
}
bool Permissions::maySubscribeFilter(std::string_view filter) const {
  return anyPattern(subscribe, filter, filterWithinPattern);
}
bool Permissions::mayPublish(std::string_view channel) const { return anyPattern(publish, channel, patternMatches); }
bool Permissions::maySubscribe(std::string_view pattern) const {
  return anyPattern(subscribe, pattern, withinPattern);
}
bool Permissions::deniesDelivery(std::string_view channel) const {
  return anyPattern(denySubscribe, channel, patternMatches);
}

}  // namespace linecast
