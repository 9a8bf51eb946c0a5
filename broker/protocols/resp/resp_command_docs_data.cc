// The commands linecast offers, as COMMAND INFO and COMMAND DOCS describe
// them. The facts (arity, flags, ACL categories, tips, key specs, since,
// group, arguments, history) and the summary and complexity wording are
// those redis-server 7.0.15 reports for the same command (its COMMAND INFO
// and COMMAND DOCS replies, which come from its src/commands/*.json), since
// clients act on them; CLIENT SETINFO, which 7.0 lacks, is described as
// Redis 7.2 does. Only what linecast offers is listed: a container's
// subcommands are the ones linecast answers.

#include "protocols/resp/resp_command_docs.h"

namespace linecast {
namespace {

// Flag and category lists shared by many rows.
constexpr std::string_view kPubsubSlow = "pubsub noscript loading stale";
constexpr std::string_view kPubsubFast = "pubsub loading stale fast";
constexpr std::string_view kBeforeAuth = "noscript loading stale fast no_auth allow_busy";
constexpr std::string_view kClientFlags = "noscript loading stale";
constexpr std::string_view kClientAdmin = "admin noscript loading stale";
constexpr std::string_view kConnectionSlow = "@slow @connection";
constexpr std::string_view kConnectionAdmin = "@admin @slow @dangerous @connection";

using Arg = RespDocArg;
using History = RespDocHistory;

constexpr Arg kChannel[] = {{.name = "channel", .type = "string"}, {.name = "message", .type = "string"}};
constexpr Arg kShardChannel[] = {{.name = "shardchannel", .type = "string"},
                                 {.name = "message", .type = "string"}};
constexpr Arg kChannels[] = {{.name = "channel", .type = "string", .flags = "multiple"}};
constexpr Arg kSomeChannels[] = {{.name = "channel", .type = "string", .flags = "optional multiple"}};
constexpr Arg kShardChannels[] = {{.name = "shardchannel", .type = "string", .flags = "multiple"}};
constexpr Arg kSomeShardChannels[] = {
    {.name = "shardchannel", .type = "string", .flags = "optional multiple"}};
constexpr Arg kPattern[] = {{.name = "pattern", .type = "pattern"}};
constexpr Arg kPatterns[] = {{.name = "pattern", .type = "block", .flags = "multiple", .args = kPattern}};
constexpr Arg kSomePatterns[] = {{.name = "pattern", .type = "pattern", .flags = "optional multiple"}};
constexpr Arg kOptionalPattern[] = {{.name = "pattern", .type = "pattern", .flags = "optional"}};
constexpr Arg kOptionalMessage[] = {{.name = "message", .type = "string", .flags = "optional"}};
constexpr Arg kMessage[] = {{.name = "message", .type = "string"}};
constexpr Arg kAuth[] = {{.name = "username", .type = "string", .flags = "optional", .since = "6.0.0"},
                         {.name = "password", .type = "string"}};
constexpr Arg kUserPassword[] = {{.name = "username", .type = "string"}, {.name = "password", .type = "string"}};
constexpr Arg kHelloArgs[] = {
    {.name = "protover", .type = "integer"},
    {.name = "username_password", .type = "block", .token = "AUTH", .flags = "optional", .args = kUserPassword},
    {.name = "clientname", .type = "string", .token = "SETNAME", .flags = "optional"},
};
constexpr Arg kHello[] = {{.name = "arguments", .type = "block", .flags = "optional", .args = kHelloArgs}};
constexpr Arg kIndex[] = {{.name = "index", .type = "integer"}};
constexpr Arg kWait[] = {{.name = "numreplicas", .type = "integer"}, {.name = "timeout", .type = "integer"}};
constexpr Arg kSections[] = {{.name = "section", .type = "string", .flags = "optional multiple"}};
constexpr Arg kCommandNames[] = {{.name = "command-name", .type = "string", .flags = "optional multiple"}};
constexpr Arg kParameter[] = {{.name = "parameter", .type = "string"}};
constexpr Arg kConfigGet[] = {{.name = "parameter", .type = "block", .flags = "multiple", .args = kParameter}};
constexpr Arg kParameterValue[] = {{.name = "parameter", .type = "string"}, {.name = "value", .type = "string"}};
constexpr Arg kConfigSet[] = {
    {.name = "parameter_value", .type = "block", .flags = "multiple", .args = kParameterValue}};

constexpr Arg kConnectionName[] = {{.name = "connection-name", .type = "string"}};
constexpr Arg kOnOff[] = {{.name = "on", .type = "pure-token", .token = "ON"},
                          {.name = "off", .type = "pure-token", .token = "OFF"}};
constexpr Arg kNoEvict[] = {{.name = "enabled", .type = "oneof", .args = kOnOff}};
constexpr Arg kOnOffSkip[] = {{.name = "on", .type = "pure-token", .token = "ON"},
                              {.name = "off", .type = "pure-token", .token = "OFF"},
                              {.name = "skip", .type = "pure-token", .token = "SKIP"}};
constexpr Arg kReply[] = {{.name = "on_off_skip", .type = "oneof", .args = kOnOffSkip}};
constexpr Arg kLibAttributes[] = {{.name = "libname", .type = "string", .token = "lib-name"},
                                  {.name = "libver", .type = "string", .token = "lib-ver"}};
constexpr Arg kSetInfo[] = {{.name = "attr", .type = "oneof", .args = kLibAttributes}};
constexpr Arg kListTypes[] = {{.name = "normal", .type = "pure-token", .token = "NORMAL"},
                              {.name = "master", .type = "pure-token", .token = "MASTER"},
                              {.name = "replica", .type = "pure-token", .token = "REPLICA"},
                              {.name = "pubsub", .type = "pure-token", .token = "PUBSUB"}};
constexpr Arg kClientIds[] = {{.name = "client-id", .type = "integer", .flags = "multiple"}};
constexpr Arg kList[] = {
    {.name = "normal_master_replica_pubsub", .type = "oneof", .token = "TYPE", .flags = "optional",
     .since = "5.0.0", .args = kListTypes},
    {.name = "id", .type = "block", .token = "ID", .flags = "optional", .since = "6.2.0", .args = kClientIds},
};
constexpr Arg kKillTypes[] = {{.name = "normal", .type = "pure-token", .token = "NORMAL"},
                              {.name = "master", .type = "pure-token", .token = "MASTER", .since = "3.2.0"},
                              {.name = "slave", .type = "pure-token", .token = "SLAVE"},
                              {.name = "replica", .type = "pure-token", .token = "REPLICA", .since = "5.0.0"},
                              {.name = "pubsub", .type = "pure-token", .token = "PUBSUB"}};
constexpr Arg kKillFilters[] = {
    {.name = "client-id", .type = "integer", .token = "ID", .flags = "optional", .since = "2.8.12"},
    {.name = "normal_master_slave_pubsub", .type = "oneof", .token = "TYPE", .flags = "optional",
     .since = "2.8.12", .args = kKillTypes},
    {.name = "username", .type = "string", .token = "USER", .flags = "optional"},
    {.name = "ip:port", .type = "string", .token = "ADDR", .flags = "optional"},
    {.name = "ip:port", .type = "string", .token = "LADDR", .flags = "optional", .since = "6.2.0"},
    {.name = "yes/no", .type = "string", .token = "SKIPME", .flags = "optional"},
};
constexpr Arg kKillFilter[] = {
    {.name = "ip:port", .type = "string", .deprecatedSince = "2.8.12"},
    {.name = "new-format", .type = "oneof", .flags = "multiple", .args = kKillFilters},
};
constexpr Arg kKill[] = {{.name = "filter", .type = "oneof", .args = kKillFilter}};

constexpr History kAuthHistory[] = {{"6.0.0", "Added ACL style (username and password)."}};
constexpr History kHelloHistory[] = {
    {"6.2.0", "`protover` made optional; when called without arguments the command reports the current "
              "connection's context."}};
constexpr History kInfoHistory[] = {{"7.0.0", "Added support for taking multiple section arguments."}};
constexpr History kConfigGetHistory[] = {
    {"7.0.0", "Added the ability to pass multiple pattern parameters in one call"}};
constexpr History kConfigSetHistory[] = {{"7.0.0", "Added the ability to set multiple parameters in one call."}};
constexpr History kCommandInfoHistory[] = {
    {"7.0.0", "Allowed to be called with no argument to get info on all commands."}};
constexpr History kClientListHistory[] = {
    {"2.8.12", "Added unique client `id` field."},
    {"5.0.0", "Added optional `TYPE` filter."},
    {"6.0.0", "Added `user` field."},
    {"6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."},
    {"7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."},
    {"7.0.3", "Added `ssub` field."},
};
constexpr History kClientKillHistory[] = {
    {"2.8.12", "Added new filter format."},
    {"2.8.12", "`ID` option."},
    {"3.2.0", "Added `master` type in for `TYPE` option."},
    {"5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."},
    {"6.2.0", "`LADDR` option."},
};

constexpr std::string_view kO1 = "O(1)";
constexpr std::string_view kNoSubcommandsHelp = "Show helpful text about the different subcommands";

constexpr RespCommandDoc kClient[] = {
    {"client|setname", 3, kClientFlags, kConnectionSlow, "", 0, 0, "Set the current connection name", "2.6.9",
     "connection", kO1, {}, kConnectionName, {}},
    {"client|getname", 2, kClientFlags, kConnectionSlow, "", 0, 0, "Get the current connection name", "2.6.9",
     "connection", kO1, {}, {}, {}},
    {"client|id", 2, kClientFlags, kConnectionSlow, "", 0, 0, "Returns the client ID for the current connection",
     "5.0.0", "connection", kO1, {}, {}, {}},
    {"client|info", 2, kClientFlags, kConnectionSlow, "nondeterministic_output", 0, 0,
     "Returns information about the current client connection.", "6.2.0", "connection", kO1, {}, {}, {}},
    {"client|list", -2, kClientAdmin, kConnectionAdmin, "nondeterministic_output", 0, 0,
     "Get the list of client connections", "2.4.0", "connection",
     "O(N) where N is the number of client connections", kClientListHistory, kList, {}},
    {"client|kill", -3, kClientAdmin, kConnectionAdmin, "", 0, 0, "Kill the connection of a client", "2.4.0",
     "connection", "O(N) where N is the number of client connections", kClientKillHistory, kKill, {}},
    {"client|no-evict", 3, kClientAdmin, kConnectionAdmin, "", 0, 0,
     "Set client eviction mode for the current connection", "7.0.0", "connection", kO1, {}, kNoEvict, {}},
    {"client|setinfo", 4, kClientFlags, kConnectionSlow, "", 0, 0,
     "Sets information specific to the client or connection.", "7.2.0", "connection", kO1, {}, kSetInfo, {}},
    {"client|reply", 3, kClientFlags, kConnectionSlow, "", 0, 0, "Instruct the server whether to reply to commands",
     "3.2.0", "connection", kO1, {}, kReply, {}},
};

constexpr std::string_view kPubsubRead = "pubsub loading stale";
constexpr RespCommandDoc kPubsub[] = {
    {"pubsub|channels", -2, kPubsubRead, "@pubsub @slow", "", 0, 0, "List active channels", "2.8.0", "pubsub",
     "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively "
     "short channels and patterns)",
     {}, kOptionalPattern, {}},
    {"pubsub|numsub", -2, kPubsubRead, "@pubsub @slow", "", 0, 0, "Get the count of subscribers for channels",
     "2.8.0", "pubsub", "O(N) for the NUMSUB subcommand, where N is the number of requested channels", {},
     kSomeChannels, {}},
    {"pubsub|numpat", 2, kPubsubRead, "@pubsub @slow", "", 0, 0,
     "Get the count of unique patterns pattern subscriptions", "2.8.0", "pubsub", kO1, {}, {}, {}},
    {"pubsub|shardchannels", -2, kPubsubRead, "@pubsub @slow", "", 0, 0, "List active shard channels", "7.0.0",
     "pubsub",
     "O(N) where N is the number of active shard channels, and assuming constant time pattern matching "
     "(relatively short shard channels).",
     {}, kOptionalPattern, {}},
    {"pubsub|shardnumsub", -2, kPubsubRead, "@pubsub @slow", "", 0, 0,
     "Get the count of subscribers for shard channels", "7.0.0", "pubsub",
     "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels", {},
     kSomeShardChannels, {}},
    {"pubsub|help", 2, "loading stale", "@slow", "", 0, 0, kNoSubcommandsHelp, "6.2.0", "pubsub", kO1, {}, {}, {}},
};

constexpr std::string_view kConfigComplexity = "O(N) when N is the number of configuration parameters provided";
constexpr RespCommandDoc kConfig[] = {
    {"config|get", -3, kClientAdmin, "@admin @slow @dangerous", "", 0, 0,
     "Get the values of configuration parameters", "2.0.0", "server", kConfigComplexity, kConfigGetHistory,
     kConfigGet, {}},
    {"config|set", -4, kClientAdmin, "@admin @slow @dangerous",
     "request_policy:all_nodes response_policy:all_succeeded", 0, 0, "Set configuration parameters to the given values", "2.0.0", "server", kConfigComplexity,
     kConfigSetHistory, kConfigSet, {}},
};

constexpr std::string_view kLookups = "O(N) where N is the number of commands to look up";
constexpr RespCommandDoc kCommand[] = {
    {"command|count", 2, "loading stale", kConnectionSlow, "", 0, 0, "Get total number of Redis commands",
     "2.8.13", "server", kO1, {}, {}, {}},
    {"command|info", -2, "loading stale", kConnectionSlow, "nondeterministic_output_order", 0, 0,
     "Get array of specific Redis command details, or all when no argument is given.", "2.8.13", "server",
     kLookups, kCommandInfoHistory, kCommandNames, {}},
    {"command|docs", -2, "loading stale", kConnectionSlow, "nondeterministic_output_order", 0, 0,
     "Get array of specific Redis command documentation", "7.0.0", "server", kLookups, {}, kCommandNames, {}},
};

constexpr std::string_view kFastConnection = "@fast @connection";
constexpr RespCommandDoc kCommands[] = {
    {"publish", 3, kPubsubFast, "@pubsub @fast", "", 0, 0, "Post a message to a channel", "2.0.0", "pubsub",
     "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of "
     "subscribed patterns (by any client).",
     {}, kChannel, {}},
    {"subscribe", -2, kPubsubSlow, "@pubsub @slow", "", 0, 0, "Listen for messages published to the given channels",
     "2.0.0", "pubsub", "O(N) where N is the number of channels to subscribe to.", {}, kChannels, {}},
    {"unsubscribe", -1, kPubsubSlow, "@pubsub @slow", "", 0, 0,
     "Stop listening for messages posted to the given channels", "2.0.0", "pubsub",
     "O(N) where N is the number of clients already subscribed to a channel.", {}, kSomeChannels, {}},
    {"psubscribe", -2, kPubsubSlow, "@pubsub @slow", "", 0, 0,
     "Listen for messages published to channels matching the given patterns", "2.0.0", "pubsub",
     "O(N) where N is the number of patterns the client is already subscribed to.", {}, kPatterns, {}},
    {"punsubscribe", -1, kPubsubSlow, "@pubsub @slow", "", 0, 0,
     "Stop listening for messages posted to channels matching the given patterns", "2.0.0", "pubsub",
     "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total "
     "patterns subscribed in the system (by any client).",
     {}, kSomePatterns, {}},
    {"ping", -1, "fast", kFastConnection, "request_policy:all_shards response_policy:all_succeeded", 0, 0,
     "Ping the server", "1.0.0", "connection", kO1, {}, kOptionalMessage, {}},
    {"reset", 1, kBeforeAuth, kFastConnection, "", 0, 0, "Reset the connection", "6.2.0", "connection", kO1, {},
     {}, {}},
    {"echo", 2, "loading stale fast", kFastConnection, "", 0, 0, "Echo the given string", "1.0.0", "connection",
     kO1, {}, kMessage, {}},
    {"auth", -2, kBeforeAuth, kFastConnection, "", 0, 0, "Authenticate to the server", "1.0.0", "connection",
     "O(N) where N is the number of passwords defined for the user", kAuthHistory, kAuth, {}},
    {"hello", -1, kBeforeAuth, kFastConnection, "", 0, 0, "Handshake with Redis", "6.0.0", "connection", kO1,
     kHelloHistory, kHello, {}},
    {"select", 2, "loading stale fast", kFastConnection, "", 0, 0,
     "Change the selected database for the current connection", "1.0.0", "connection", kO1, {}, kIndex, {}},
    {"client", -2, "", "@slow", "", 0, 0, "A container for client connection commands", "2.4.0", "connection",
     "Depends on subcommand.", {}, {}, kClient},
    {"ssubscribe", -2, kPubsubSlow, "@pubsub @slow", "", 1, -1,
     "Listen for messages published to the given shard channels", "7.0.0", "pubsub",
     "O(N) where N is the number of shard channels to subscribe to.", {}, kShardChannels, {}},
    {"sunsubscribe", -1, kPubsubSlow, "@pubsub @slow", "", 1, -1,
     "Stop listening for messages posted to the given shard channels", "7.0.0", "pubsub",
     "O(N) where N is the number of clients already subscribed to a shard channel.", {}, kSomeShardChannels, {}},
    {"spublish", 3, kPubsubFast, "@pubsub @fast", "", 1, 0, "Post a message to a shard channel", "7.0.0", "pubsub",
     "O(N) where N is the number of clients subscribed to the receiving shard channel.", {}, kShardChannel, {}},
    {"pubsub", -2, "", "@slow", "", 0, 0, "A container for Pub/Sub commands", "2.8.0", "pubsub",
     "Depends on subcommand.", {}, {}, kPubsub},
    {"multi", 1, "noscript loading stale fast allow_busy", "@fast @transaction", "", 0, 0,
     "Mark the start of a transaction block", "1.2.0", "transactions", kO1, {}, {}, {}},
    {"exec", 1, "noscript loading stale skip_slowlog", "@slow @transaction", "", 0, 0,
     "Execute all commands issued after MULTI", "1.2.0", "transactions", "Depends on commands in the transaction",
     {}, {}, {}},
    {"discard", 1, "noscript loading stale fast allow_busy", "@fast @transaction", "", 0, 0,
     "Discard all commands issued after MULTI", "2.0.0", "transactions",
     "O(N), when N is the number of queued commands", {}, {}, {}},
    {"wait", 3, "noscript", kConnectionSlow, "request_policy:all_shards response_policy:agg_min", 0, 0,
     "Wait for the synchronous replication of all the write commands sent in the context of the current "
     "connection",
     "3.0.0", "generic", kO1, {}, kWait, {}},
    {"config", -2, "", "@slow", "", 0, 0, "A container for server configuration commands", "2.0.0", "server",
     "Depends on subcommand.", {}, {}, kConfig},
    {"info", -1, "loading stale", "@slow @dangerous",
     "nondeterministic_output request_policy:all_shards response_policy:special", 0, 0,
     "Get information and statistics about the server", "1.0.0", "server", kO1, kInfoHistory, kSections, {}},
    {"command", -1, "loading stale", kConnectionSlow, "nondeterministic_output_order", 0, 0,
     "Get array of Redis command details", "2.8.13", "server", "O(N) where N is the total number of Redis commands",
     {}, {}, kCommand},
    // QUIT is answered before the command table (it closes whatever the
    // state), but it is one of the commands linecast offers.
    {"quit", -1, kBeforeAuth, kFastConnection, "", 0, 0, "Close the connection", "1.0.0", "connection", kO1, {}, {},
     {}},
};

}  // namespace

std::span<const RespCommandDoc> respCommandDocs() { return kCommands; }

}  // namespace linecast
