#pragma once

#include <string>
#include <unordered_set>

#include "protocols/resp/resp_parser.h"
#include "util/string_hash.h"

namespace linecast {

// What a RESP connection keeps between requests; Connection::resp holds it,
// for RESP connections only, so a line-protocol connection pays nothing.
// The sets say what this connection holds (for counts, idempotence and
// cleanup); the RespIndex holds the matching side of the same
// subscriptions, and only it changes both.
struct RespSession {
  explicit RespSession(std::size_t maxLine) : parser(maxLine) {}

  using NameSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

  RespParser parser;
  NameSet channels;  // SUBSCRIBE: exact channels
  NameSet patterns;  // PSUBSCRIBE: Redis globs
  std::string name;  // CLIENT SETNAME; empty: none

  // Redis's count in (un)subscribe replies: channels plus patterns.
  std::size_t subscriptionCount() const { return channels.size() + patterns.size(); }
  // RESP2 subscribed mode, which restricts the commands accepted.
  bool subscribed() const { return subscriptionCount() > 0; }
};

}  // namespace linecast
