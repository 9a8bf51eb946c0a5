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

bool patternWithin(std::string_view inner, std::string_view outer) {
  TokenCursor in(inner);
  TokenCursor out(outer);
  for (;;) {
    std::string_view o;
    std::string_view i;
    bool hasOuter = out.next(o);
    bool hasInner = in.next(i);
    if (!hasOuter) return !hasInner;
    if (o == ">") return hasInner;  // one or more tokens, whatever they are
    if (!hasInner || i == ">") return false;  // outer matches exactly one token here
    if (o == "*") continue;
    if (i == "*" || i != o) return false;
  }
}

bool Permissions::mayPublish(std::string_view channel) const {
  return std::any_of(publish.begin(), publish.end(),
                     [&](const std::string& p) { return patternMatches(p, channel); });
}

bool Permissions::maySubscribe(std::string_view pattern) const {
  return std::any_of(subscribe.begin(), subscribe.end(),
                     [&](const std::string& p) { return patternWithin(pattern, p); });
}

bool Permissions::deniesDelivery(std::string_view channel) const {
  return std::any_of(denySubscribe.begin(), denySubscribe.end(),
                     [&](const std::string& p) { return patternMatches(p, channel); });
}

}  // namespace linecast
