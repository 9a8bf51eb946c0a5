// COMMAND, COMMAND COUNT, COMMAND INFO and COMMAND DOCS, shaped as Redis
// 7.0.15's server.c builds them (addReplyCommandInfo, addReplyCommandDocs):
// RESP3 sets and maps, which RESP2 sends as arrays (a map flattened into
// 2n elements).

#include "protocols/resp/resp_command_docs.h"

#include <algorithm>

#include "protocols/resp/resp_protocol.h"
#include "protocols/resp/resp_session.h"
#include "protocols/resp/resp_writer.h"
#include "util/ascii.h"

namespace linecast {
namespace {

// Calls f on each word of a space-separated list.
template <typename F>
void forEachWord(std::string_view list, F f) {
  while (!list.empty()) {
    std::size_t end = std::min(list.find(' '), list.size());
    if (end > 0) f(list.substr(0, end));
    list.remove_prefix(std::min(end + 1, list.size()));
  }
}

std::size_t wordCount(std::string_view list) {
  std::size_t count = 0;
  forEachWord(list, [&](std::string_view) { ++count; });
  return count;
}

// Appends RESP frames to a reply built whole, so it is queued (or cut)
// as one.
class ReplyBuilder {
 public:
  ReplyBuilder(std::string& out, bool resp3) : out_(out), resp3_(resp3) {}

  void array(std::size_t n) { header('*', n); }
  void set(std::size_t n) { header(resp3_ ? '~' : '*', n); }
  void map(std::size_t n) { header(resp3_ ? '%' : '*', resp3_ ? n : 2 * n); }
  void null() { out_ += respNullText(resp3_ ? RespVersion::k3 : RespVersion::k2); }
  void integer(long long value) {
    out_ += ':';
    out_ += RespDecimal(value).view();
    out_ += kCrlf;
  }
  void status(std::string_view text) {
    out_ += '+';
    out_ += text;
    out_ += kCrlf;
  }
  void bulk(std::string_view bytes) {
    header('$', bytes.size());
    out_ += bytes;
    out_ += kCrlf;
  }
  // A set of words, as status replies (flags, categories) or bulks (tips).
  void words(std::string_view list, bool asStatus) {
    set(wordCount(list));
    forEachWord(list, [&](std::string_view word) { asStatus ? status(word) : bulk(word); });
  }
  void field(std::string_view key, std::string_view value) {
    bulk(key);
    bulk(value);
  }
  void field(std::string_view key, long long value) {
    bulk(key);
    integer(value);
  }

 private:
  void header(char type, std::size_t n) {
    out_ += type;
    out_ += RespDecimal(static_cast<long long>(n)).view();
    out_ += kCrlf;
  }

  std::string& out_;
  bool resp3_;
};

// A key spec's part: key -> {type, spec -> {the `fields` that follow}}.
void keySpecPart(ReplyBuilder& reply, std::string_view key, std::string_view type, std::size_t fields) {
  reply.bulk(key);
  reply.map(2);
  reply.field("type", type);
  reply.bulk("spec");
  reply.map(fields);
}

void appendKeySpecs(ReplyBuilder& reply, const RespCommandDoc& command) {
  if (command.keyIndex == 0) return reply.set(0);
  reply.set(1);
  reply.map(3);
  reply.bulk("flags");
  reply.words("not_key", true);
  keySpecPart(reply, "begin_search", "index", 1);
  reply.field("index", command.keyIndex);
  keySpecPart(reply, "find_keys", "range", 3);
  reply.field("lastkey", command.keyLast);
  reply.field("keystep", 1);
  reply.field("limit", 0);
}

void appendInfo(ReplyBuilder& reply, const RespCommandDoc& command) {
  // Redis's first key, last key and step come from the same key spec (its
  // "legacy range"), with a range's lastkey counted from the first key.
  int first = command.keyIndex;
  int last = command.keyIndex == 0 ? 0 : command.keyLast >= 0 ? first + command.keyLast : command.keyLast;
  reply.array(10);
  reply.bulk(command.name);
  reply.integer(command.arity);
  reply.words(command.flags, true);
  reply.integer(first);
  reply.integer(last);
  reply.integer(command.keyIndex == 0 ? 0 : 1);
  reply.words(command.aclCategories, true);
  reply.words(command.tips, false);
  appendKeySpecs(reply, command);
  if (command.subcommands.empty()) return reply.set(0);
  reply.array(command.subcommands.size());
  for (const RespCommandDoc& sub : command.subcommands) appendInfo(reply, sub);
}

void appendArgs(ReplyBuilder& reply, std::span<const RespDocArg> args) {
  reply.array(args.size());
  for (const RespDocArg& arg : args) {
    bool nested = arg.type == "oneof" || arg.type == "block";
    reply.map(2 + !arg.token.empty() + !arg.since.empty() + !arg.deprecatedSince.empty() + !arg.flags.empty() +
              nested);
    reply.field("name", arg.name);
    reply.field("type", arg.type);
    if (!arg.token.empty()) reply.field("token", arg.token);
    if (!arg.since.empty()) reply.field("since", arg.since);
    if (!arg.deprecatedSince.empty()) reply.field("deprecated_since", arg.deprecatedSince);
    if (!arg.flags.empty()) {
      reply.bulk("flags");
      reply.words(arg.flags, true);
    }
    if (nested) {
      reply.bulk("arguments");
      appendArgs(reply, arg.args);
    }
  }
}

// No command here has doc_flags, deprecated_since or replaced_by (Redis
// sends those only for deprecated commands), so they are never sent.
void appendDocs(ReplyBuilder& reply, const RespCommandDoc& command) {
  reply.map(4 + !command.history.empty() + !command.args.empty() + !command.subcommands.empty());
  reply.field("summary", command.summary);
  reply.field("since", command.since);
  reply.field("group", command.group);
  reply.field("complexity", command.complexity);
  if (!command.history.empty()) {
    reply.bulk("history");
    reply.set(command.history.size());
    for (const RespDocHistory& entry : command.history) {
      reply.array(2);
      reply.bulk(entry.since);
      reply.bulk(entry.changes);
    }
  }
  if (!command.args.empty()) {
    reply.bulk("arguments");
    appendArgs(reply, command.args);
  }
  if (!command.subcommands.empty()) {
    reply.bulk("subcommands");
    reply.map(command.subcommands.size());
    for (const RespCommandDoc& sub : command.subcommands) {
      reply.bulk(sub.name);
      appendDocs(reply, sub);
    }
  }
}

const RespCommandDoc* findIn(std::span<const RespCommandDoc> table, std::string_view name) {
  for (const RespCommandDoc& command : table) {
    std::string_view own = command.name.substr(command.name.find('|') + 1);
    if (equalsIgnoreCase(name, own)) return &command;
  }
  return nullptr;
}

}  // namespace

const RespCommandDoc* findRespCommandDoc(std::string_view name) {
  // As Redis's lookupCommandBySds: "container|sub" names a subcommand, one
  // level deep; a name with a '|' must name one.
  std::size_t bar = name.find('|');
  const RespCommandDoc* command = findIn(respCommandDocs(), name.substr(0, bar));
  if (bar == std::string_view::npos || command == nullptr) return command;
  std::string_view sub = name.substr(bar + 1);
  if (sub.find('|') != std::string_view::npos) return nullptr;
  return findIn(command->subcommands, sub);
}

void appendRespCommandInfo(std::string& out, std::span<const std::string_view> names, bool resp3) {
  ReplyBuilder reply(out, resp3);
  if (names.empty()) {
    reply.array(respCommandDocs().size());
    for (const RespCommandDoc& command : respCommandDocs()) appendInfo(reply, command);
    return;
  }
  reply.array(names.size());
  for (std::string_view name : names) {
    const RespCommandDoc* command = findRespCommandDoc(name);
    if (command == nullptr) {
      reply.null();
    } else {
      appendInfo(reply, *command);
    }
  }
}

void appendRespCommandDocs(std::string& out, std::span<const std::string_view> names, bool resp3) {
  ReplyBuilder reply(out, resp3);
  if (names.empty()) {
    reply.map(respCommandDocs().size());
    for (const RespCommandDoc& command : respCommandDocs()) {
      reply.bulk(command.name);
      appendDocs(reply, command);
    }
    return;
  }
  std::size_t known = 0;
  for (std::string_view name : names) known += findRespCommandDoc(name) != nullptr;
  reply.map(known);
  for (std::string_view name : names) {
    if (const RespCommandDoc* command = findRespCommandDoc(name)) {
      reply.bulk(command->name);
      appendDocs(reply, *command);
    }
  }
}

void RespProtocol::describeCommands(Connection& conn, RespCommandId id, std::span<const std::string_view> argv) {
  bool resp3 = respSession(conn).version == RespVersion::k3;
  if (id == RespCommandId::kCommandCount) {
    respInteger(conn, static_cast<long long>(respCommandDocs().size()));
    return;
  }
  // COMMAND alone is COMMAND INFO of everything.
  std::span<const std::string_view> names = argv.size() > 2 ? argv.subspan(2) : std::span<const std::string_view>();
  // Built whole (a rare command, a few KB at most) and queued at once.
  std::string reply;
  if (id == RespCommandId::kCommandDocs) {
    appendRespCommandDocs(reply, names, resp3);
  } else {
    appendRespCommandInfo(reply, names, resp3);
  }
  conn.queueReply(std::string_view(reply));
}

}  // namespace linecast
