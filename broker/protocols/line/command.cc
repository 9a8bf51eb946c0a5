#include "protocols/line/command.h"

#include "util/ascii.h"

#include <bit>
#include <cstdint>
#include <cstring>

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
    case 6:
      if (equalsIgnoreCase(text, "RETAIN")) return Verb::kRetain;
      break;
    default:
      break;
  }
  return Verb::kUnknown;
}

// The first ' ' in [p, end), or end: eight bytes a step, with the
// zero-byte trick on the word XOR "        ".
const char* findSpace(const char* p, const char* end) {
  constexpr std::uint64_t kSpaces = 0x2020202020202020ull;
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  while (end - p >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    std::uint64_t x = word ^ kSpaces;
    std::uint64_t found = (x - kOnes) & ~x & kHighs;
    if (found != 0) return p + (std::countr_zero(found) >> 3);  // little-endian: lowest is first
    p += 8;
  }
  while (p != end && *p != ' ') ++p;
  return p;
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
  // On every PUB: one word-at-a-time scan rather than nextArgument's two
  // searches (channels are short; a memchr call costs more).
  const char* p = rest.data();
  const char* end = p + rest.size();
  while (p != end && *p == ' ') ++p;
  const char* space = findSpace(p, end);
  if (space == end) {
    channel = std::string_view(p, end - p);
    payload = {};
    return;
  }
  channel = std::string_view(p, space - p);
  payload = std::string_view(space + 1, end - space - 1);  // after the single separating space
}

}  // namespace linecast
