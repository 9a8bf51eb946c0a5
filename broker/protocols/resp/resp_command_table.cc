#include "protocols/resp/resp_command_table.h"

#include "util/ascii.h"

namespace linecast {
namespace {

using Id = RespCommandId;

// PUBLISH first: it is the one on the hot path.
constexpr RespCommandInfo kCommands[] = {
    {"publish", "publish", Id::kPublish, 3, false, false},
    {"subscribe", "subscribe", Id::kSubscribe, -2, false, true},
    {"unsubscribe", "unsubscribe", Id::kUnsubscribe, -1, false, true},
    {"psubscribe", "psubscribe", Id::kPsubscribe, -2, false, true},
    {"punsubscribe", "punsubscribe", Id::kPunsubscribe, -1, false, true},
    {"ping", "ping", Id::kPing, -1, false, true},
    {"reset", "reset", Id::kReset, 1, true, true},
    {"echo", "echo", Id::kEcho, 2, false, false},
    {"auth", "auth", Id::kAuth, -2, true, false},
    {"hello", "hello", Id::kHello, -1, true, false},
    {"select", "select", Id::kSelect, 2, false, false},
    {"client", "client", Id::kClient, -2, false, false},
    {"ssubscribe", "ssubscribe", Id::kSsubscribe, -2, false, true},
    {"sunsubscribe", "sunsubscribe", Id::kSunsubscribe, -1, false, true},
    {"spublish", "spublish", Id::kSpublish, 3, false, false},
    {"pubsub", "pubsub", Id::kPubsub, -2, false, false},
    {"multi", "multi", Id::kMulti, 1, false, false},
    {"exec", "exec", Id::kExec, 1, false, false},
    {"discard", "discard", Id::kDiscard, 1, false, false},
    {"wait", "wait", Id::kWait, 3, false, false},
    {"config", "config", Id::kConfig, -2, false, false},
    {"info", "info", Id::kInfo, -1, false, false},
    {"command", "command", Id::kCommand, -1, false, false},
};

constexpr RespCommandInfo kClientSubcommands[] = {
    {"setname", "client|setname", Id::kClientSetName, 3, false, false},
    {"getname", "client|getname", Id::kClientGetName, 2, false, false},
    {"id", "client|id", Id::kClientId, 2, false, false},
    {"no-evict", "client|no-evict", Id::kClientNoEvict, 3, false, false},
    {"setinfo", "client|setinfo", Id::kClientSetInfo, 4, false, false},
    {"reply", "client|reply", Id::kClientReply, 3, false, false},
    {"list", "client|list", Id::kClientList, -2, false, false},
    {"info", "client|info", Id::kClientInfo, 2, false, false},
    {"kill", "client|kill", Id::kClientKill, -3, false, false},
};

constexpr RespCommandInfo kConfigSubcommands[] = {
    {"get", "config|get", Id::kConfigGet, -3, false, false},
    {"set", "config|set", Id::kConfigSet, -4, false, false},
};

constexpr RespCommandInfo kPubsubSubcommands[] = {
    {"channels", "pubsub|channels", Id::kPubsubChannels, -2, false, false},
    {"numsub", "pubsub|numsub", Id::kPubsubNumsub, -2, false, false},
    {"numpat", "pubsub|numpat", Id::kPubsubNumpat, 2, false, false},
    {"shardchannels", "pubsub|shardchannels", Id::kPubsubShardChannels, -2, false, false},
    {"shardnumsub", "pubsub|shardnumsub", Id::kPubsubShardNumsub, -2, false, false},
    {"help", "pubsub|help", Id::kPubsubHelp, 2, false, false},
};

constexpr RespCommandInfo kCommandSubcommands[] = {
    {"count", "command|count", Id::kCommandCount, 2, false, false},
    {"info", "command|info", Id::kCommandInfo, -2, false, false},
    {"docs", "command|docs", Id::kCommandDocs, -2, false, false},
};

template <std::size_t N>
const RespCommandInfo* find(const RespCommandInfo (&table)[N], std::string_view name) {
  for (const RespCommandInfo& command : table) {
    if (equalsIgnoreCase(name, command.name)) return &command;
  }
  return nullptr;
}

}  // namespace

const RespCommandInfo* findRespCommand(std::string_view name) { return find(kCommands, name); }

const RespCommandInfo* findRespSubcommand(RespCommandId container, std::string_view name) {
  switch (container) {
    case Id::kClient: return find(kClientSubcommands, name);
    case Id::kPubsub: return find(kPubsubSubcommands, name);
    case Id::kConfig: return find(kConfigSubcommands, name);
    case Id::kCommand: return find(kCommandSubcommands, name);
    default: return nullptr;
  }
}

bool respArityFits(const RespCommandInfo& command, std::size_t words) {
  if (command.arity >= 0) return words == static_cast<std::size_t>(command.arity);
  return words >= static_cast<std::size_t>(-command.arity);
}

}  // namespace linecast
