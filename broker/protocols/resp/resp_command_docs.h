#pragma once

// What COMMAND, COMMAND INFO and COMMAND DOCS say about the commands
// linecast offers (docs/PROTOCOL.md, "Redis clients"). Clients read these
// replies to learn a server's commands (redis-cli 7 builds its hints from
// COMMAND DOCS; cluster-aware clients read key specs from COMMAND INFO), so
// the facts are Redis 7.0.15's, as its redis-server reports them; the table
// itself is resp_command_docs_data.cc.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace linecast {

// One argument of COMMAND DOCS: a leaf, or a "oneof"/"block" of `args`.
struct RespDocArg {
  std::string_view name;
  std::string_view type;  // Redis's: string, integer, pattern, pure-token, oneof, block
  std::string_view token = {};
  std::string_view flags = {};  // space-separated, Redis's order: optional multiple multiple_token
  std::string_view since = {};
  std::string_view deprecatedSince = {};
  std::span<const RespDocArg> args = {};
};

// One entry of a command's history: the version and what changed.
struct RespDocHistory {
  std::string_view since;
  std::string_view changes;
};

// A command or subcommand, as COMMAND INFO and COMMAND DOCS describe it.
// Lists of words are space-separated, in the order Redis sends them.
struct RespCommandDoc {
  std::string_view name;  // Redis's full name: "publish", "client|setname"
  int arity;
  std::string_view flags;  // "pubsub loading stale fast"
  std::string_view aclCategories;  // "@pubsub @fast"
  std::string_view tips;
  // The one key spec some pub/sub commands have (a shard channel, flagged
  // not_key): the index of its first word and its range's lastkey. 0: none.
  int keyIndex;
  int keyLast;
  std::string_view summary;
  std::string_view since;
  std::string_view group;
  std::string_view complexity;
  std::span<const RespDocHistory> history;
  std::span<const RespDocArg> args;
  std::span<const RespCommandDoc> subcommands;  // non-empty: a container
};

// Every top-level command linecast offers, in the order COMMAND lists them.
std::span<const RespCommandDoc> respCommandDocs();

// The command or subcommand Redis's COMMAND INFO would find for a name:
// case-insensitive, "container|sub" for a subcommand; null for none.
const RespCommandDoc* findRespCommandDoc(std::string_view name);

// COMMAND INFO's reply (COMMAND's too): every command without names, else
// one entry per name, a null for an unknown one. RESP3 when `resp3`.
void appendRespCommandInfo(std::string& out, std::span<const std::string_view> names, bool resp3);

// COMMAND DOCS's reply: a map of name to docs, every command without names,
// else each known name's (unknown ones are left out).
void appendRespCommandDocs(std::string& out, std::span<const std::string_view> names, bool resp3);

}  // namespace linecast
