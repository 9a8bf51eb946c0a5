#pragma once

#include <string_view>

namespace linecast {

// The verb of a line-protocol command and the bytes after it. Each verb's
// handler reads its own arguments from `rest`, because PUB and PING keep
// their text byte for byte while SUB splits on spaces.
enum class Verb { kEmpty, kUnknown, kPub, kSub, kUnsub, kPing, kAuth, kQuit, kRetain };

struct Command {
  Verb verb = Verb::kEmpty;
  std::string_view verbText;  // as sent, for "unknown command '<verb>'"
  std::string_view rest;      // everything after the verb, separators included
};

Command parseCommand(std::string_view line);

// Pops the next space-separated argument; returns false when none is left.
bool nextArgument(std::string_view& rest, std::string_view& arg);

// PUB and RETAIN: "<channel> <payload>" after the verb's separating spaces. The payload
// is every byte after the single space that follows the channel.
void splitPublish(std::string_view rest, std::string_view& channel, std::string_view& payload);

// PING's text: every byte after the single space after the verb.
inline std::string_view pingText(std::string_view rest) {
  return rest.empty() ? rest : rest.substr(1);
}

}  // namespace linecast
