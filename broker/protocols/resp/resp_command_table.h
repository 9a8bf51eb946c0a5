#pragma once

#include <cstddef>
#include <string_view>

namespace linecast {

enum class RespCommandId {
  kPublish,
  kSubscribe,
  kUnsubscribe,
  kPsubscribe,
  kPunsubscribe,
  kPing,
  kReset,
  kEcho,
  kAuth,
  kHello,
  kSelect,
  kClient,
  kClientSetName,
  kClientGetName,
  kSsubscribe,
  kSunsubscribe,
  kSpublish,
  kPubsub,
  kPubsubChannels,
  kPubsubNumsub,
  kPubsubNumpat,
  kPubsubShardChannels,
  kPubsubShardNumsub,
  kPubsubHelp,
  kMulti,
  kExec,
  kDiscard,
  kWait,
  kConfig,
  kConfigGet,
  kConfigSet,
  kClientId,
  kClientNoEvict,
  kClientSetInfo,
  kInfo,
  kClientReply,
  kClientList,
  kClientInfo,
  kClientKill,
  kCommand,
  kCommandCount,
  kCommandInfo,
  kCommandDocs,
};

// One row of Redis 7.0's command table, as far as linecast needs it.
struct RespCommandInfo {
  std::string_view name;      // matched case-insensitively
  std::string_view fullName;  // as Redis names it in errors ("client|setname")
  RespCommandId id;
  int arity;             // Redis's: n means exactly n words, -n at least n
  bool noAuth;           // allowed before AUTH (Redis's CMD_NO_AUTH)
  bool whileSubscribed;  // allowed in RESP2 subscribed mode
};

// The command named by a request's first word; null if linecast has none.
const RespCommandInfo* findRespCommand(std::string_view name);
// The subcommand of a container command (CLIENT, PUBSUB, CONFIG, COMMAND); null if
// the container has no such subcommand or is no container.
const RespCommandInfo* findRespSubcommand(RespCommandId container, std::string_view name);
// Whether a command's word count fits its arity.
bool respArityFits(const RespCommandInfo& command, std::size_t words);

}  // namespace linecast
