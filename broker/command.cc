#include "command.h"

#include "ascii.h"

namespace linecast {
namespace {

Verb verbOf(std::string_view text) {
  switch (text.size()) {
    case 3:
      if (equalsIgnoreCase(text, "PUB")) return Verb::kPub;
      if (equalsIgnoreCase(text, "SUB")) return Verb::kSub;
      break;
    case 4:
      if (equalsIgnoreCase(text, "PING")) return Verb::kPing;
      if (equalsIgnoreCase(text, "AUTH")) return Verb::kAuth;
      if (equalsIgnoreCase(text, "QUIT")) return Verb::kQuit;
      break;
    case 5:
      if (equalsIgnoreCase(text, "UNSUB")) return Verb::kUnsub;
      break;
    default:
      break;
  }
  return Verb::kUnknown;
}

}  // namespace

Command parseCommand(std::string_view line) {
  std::size_t start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return {};
  line.remove_prefix(start);
  std::size_t end = line.find(' ');
  Command command;
  command.verbText = line.substr(0, end);
  command.rest = end == std::string_view::npos ? std::string_view() : line.substr(end);
  command.verb = verbOf(command.verbText);
  return command;
}

bool nextArgument(std::string_view& rest, std::string_view& arg) {
  std::size_t start = rest.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    rest = {};
    return false;
  }
  rest.remove_prefix(start);
  std::size_t end = rest.find(' ');
  arg = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  return true;
}

void splitPublish(std::string_view rest, std::string_view& channel, std::string_view& payload) {
  payload = {};
  if (!nextArgument(rest, channel)) {
    channel = {};
    return;
  }
  if (!rest.empty()) payload = rest.substr(1);  // rest starts at the single separating space
}

}  // namespace linecast
