// Command parsing: verbs, arguments, and the byte-for-byte PUB payload and
// PING text of docs/PROTOCOL.md ("Framing", "Client to server").

#include "protocols/line/command.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace linecast {
namespace {

struct VerbCase {
  std::string_view line;
  Verb verb;
  std::string_view verbText;
  std::string_view rest;
};

TEST(ParseCommand, Verbs) {
  const VerbCase cases[] = {
      {"PUB a b", Verb::kPub, "PUB", " a b"},
      {"pub a b", Verb::kPub, "pub", " a b"},
      {"Pub a b", Verb::kPub, "Pub", " a b"},
      {"pUb a b", Verb::kPub, "pUb", " a b"},
      {"SUB x", Verb::kSub, "SUB", " x"},
      {"sub x", Verb::kSub, "sub", " x"},
      {"UNSUB x", Verb::kUnsub, "UNSUB", " x"},
      {"unSub", Verb::kUnsub, "unSub", ""},
      {"PING", Verb::kPing, "PING", ""},
      {"ping hi", Verb::kPing, "ping", " hi"},
      {"AUTH tok", Verb::kAuth, "AUTH", " tok"},
      {"auth", Verb::kAuth, "auth", ""},
      {"QUIT", Verb::kQuit, "QUIT", ""},
      {"quit now", Verb::kQuit, "quit", " now"},
  };
  for (const VerbCase& c : cases) {
    Command command = parseCommand(c.line);
    EXPECT_EQ(command.verb, c.verb) << c.line;
    EXPECT_EQ(command.verbText, c.verbText) << c.line;
    EXPECT_EQ(command.rest, c.rest) << c.line;
  }
}

TEST(ParseCommand, LeadingSpacesAndTabsAreSkipped) {
  const VerbCase cases[] = {
      {"   PUB a b", Verb::kPub, "PUB", " a b"},
      {"\tPUB a b", Verb::kPub, "PUB", " a b"},
      {" \t \tping", Verb::kPing, "ping", ""},
      {"\t\tSUB   a", Verb::kSub, "SUB", "   a"},
  };
  for (const VerbCase& c : cases) {
    Command command = parseCommand(c.line);
    EXPECT_EQ(command.verb, c.verb) << c.line;
    EXPECT_EQ(command.verbText, c.verbText) << c.line;
    EXPECT_EQ(command.rest, c.rest) << c.line;
  }
}

TEST(ParseCommand, BlankLinesAreEmpty) {
  for (std::string_view line : {"", " ", "    ", "\t", " \t \t "}) {
    Command command = parseCommand(line);
    EXPECT_EQ(command.verb, Verb::kEmpty) << "'" << line << "'";
    EXPECT_TRUE(command.verbText.empty());
    EXPECT_TRUE(command.rest.empty());
  }
}

TEST(ParseCommand, UnknownVerbsKeepTheirText) {
  const VerbCase cases[] = {
      {"FOO bar", Verb::kUnknown, "FOO", " bar"},
      {"PUBLISH a b", Verb::kUnknown, "PUBLISH", " a b"},
      {"PU a", Verb::kUnknown, "PU", " a"},
      {"SUBSCRIBE x", Verb::kUnknown, "SUBSCRIBE", " x"},
      {"  hello", Verb::kUnknown, "hello", ""},
      {"PINGPONG", Verb::kUnknown, "PINGPONG", ""},
      {"\xc3\xa9t\xc3\xa9", Verb::kUnknown, "\xc3\xa9t\xc3\xa9", ""},
      // Only spaces separate the verb: a tab makes it part of the verb.
      {"PUB\ta b", Verb::kUnknown, "PUB\ta", " b"},
  };
  for (const VerbCase& c : cases) {
    Command command = parseCommand(c.line);
    EXPECT_EQ(command.verb, c.verb) << c.line;
    EXPECT_EQ(command.verbText, c.verbText) << c.line;
    EXPECT_EQ(command.rest, c.rest) << c.line;
  }
}

TEST(ParseCommand, OnlyAsciiLettersFold) {
  // Bytes that equal a verb's letter only in their low bits are not it.
  EXPECT_EQ(parseCommand("P\xd5" "B a").verb, Verb::kUnknown);  // 'U' | 0x80
  EXPECT_EQ(parseCommand("\x10UB a").verb, Verb::kUnknown);      // 'P' - 0x40
  EXPECT_EQ(parseCommand(std::string_view("PUB\0", 4)).verb, Verb::kUnknown);
  EXPECT_EQ(parseCommand(std::string_view("PUB\0 a", 6)).verbText, std::string_view("PUB\0", 4));
}

TEST(ParseCommand, ViewsPointIntoTheLine) {
  std::string line = "  PUB ch x";
  Command command = parseCommand(line);
  EXPECT_EQ(command.verbText.data(), line.data() + 2);
  EXPECT_EQ(command.rest.data(), line.data() + 5);
}

// --- nextArgument ---------------------------------------------------------

std::vector<std::string> arguments(std::string_view rest) {
  std::vector<std::string> out;
  std::string_view arg;
  while (nextArgument(rest, arg)) out.emplace_back(arg);
  EXPECT_TRUE(rest.empty());
  return out;
}

using Args = std::vector<std::string>;

TEST(NextArgument, SplitsOnOneOrMoreSpaces) {
  EXPECT_EQ(arguments(" a"), (Args{"a"}));
  EXPECT_EQ(arguments(" a b c"), (Args{"a", "b", "c"}));
  EXPECT_EQ(arguments("   a    b  "), (Args{"a", "b"}));
  EXPECT_EQ(arguments("a"), (Args{"a"}));
  EXPECT_EQ(arguments(""), Args{});
  EXPECT_EQ(arguments("     "), Args{});
  // Tabs are not separators: they stay inside the argument.
  EXPECT_EQ(arguments(" a\tb c"), (Args{"a\tb", "c"}));
}

TEST(NextArgument, LeavesTheRestAfterTheArgument) {
  std::string_view rest = "  first  second third";
  std::string_view arg;
  ASSERT_TRUE(nextArgument(rest, arg));
  EXPECT_EQ(arg, "first");
  EXPECT_EQ(rest, "  second third");
  ASSERT_TRUE(nextArgument(rest, arg));
  EXPECT_EQ(arg, "second");
  EXPECT_EQ(rest, " third");
  ASSERT_TRUE(nextArgument(rest, arg));
  EXPECT_EQ(arg, "third");
  EXPECT_TRUE(rest.empty());
  EXPECT_FALSE(nextArgument(rest, arg));
}

TEST(NextArgument, OnlySpacesLeftIsNone) {
  std::string_view rest = "   ";
  std::string_view arg = "untouched";
  EXPECT_FALSE(nextArgument(rest, arg));
  EXPECT_TRUE(rest.empty());
}

// --- PUB ------------------------------------------------------------------

struct Publish {
  std::string channel;
  std::string payload;
  bool operator==(const Publish&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Publish& p) {
  return os << "{channel '" << p.channel << "', payload '" << p.payload << "'}";
}

// The whole path the server takes: the line, its verb, then the split.
Publish publishOf(std::string_view line) {
  Command command = parseCommand(line);
  EXPECT_EQ(command.verb, Verb::kPub) << line;
  std::string_view channel;
  std::string_view payload;
  splitPublish(command.rest, channel, payload);
  return {std::string(channel), std::string(payload)};
}

TEST(SplitPublish, ChannelAndPayload) {
  EXPECT_EQ(publishOf("PUB ch hello"), (Publish{"ch", "hello"}));
  EXPECT_EQ(publishOf("PUB ch hello world"), (Publish{"ch", "hello world"}));
  EXPECT_EQ(publishOf("pub a.b.c x"), (Publish{"a.b.c", "x"}));
}

TEST(SplitPublish, PayloadIsKeptByteForByte) {
  EXPECT_EQ(publishOf("PUB ch  two leading"), (Publish{"ch", " two leading"}));
  EXPECT_EQ(publishOf("PUB ch    x"), (Publish{"ch", "   x"}));
  EXPECT_EQ(publishOf("PUB ch \tx\t"), (Publish{"ch", "\tx\t"}));
  EXPECT_EQ(publishOf("PUB ch trailing   "), (Publish{"ch", "trailing   "}));
  EXPECT_EQ(publishOf("PUB ch a  b   c"), (Publish{"ch", "a  b   c"}));
  EXPECT_EQ(publishOf("PUB ch \r"), (Publish{"ch", "\r"}));
  std::string binary("PUB ch \0\x01\xfe\xff\x80", 12);
  EXPECT_EQ(publishOf(binary), (Publish{"ch", std::string("\0\x01\xfe\xff\x80", 5)}));
}

TEST(SplitPublish, EmptyPayload) {
  EXPECT_EQ(publishOf("PUB ch"), (Publish{"ch", ""}));
  EXPECT_EQ(publishOf("PUB ch "), (Publish{"ch", ""}));
  // Two spaces: the payload is the second one.
  EXPECT_EQ(publishOf("PUB ch  "), (Publish{"ch", " "}));
}

TEST(SplitPublish, SeveralSpacesBeforeTheChannel) {
  EXPECT_EQ(publishOf("PUB    ch payload"), (Publish{"ch", "payload"}));
  EXPECT_EQ(publishOf("  PUB   ch  payload"), (Publish{"ch", " payload"}));
  EXPECT_EQ(publishOf("\tPUB  ch"), (Publish{"ch", ""}));
}

TEST(SplitPublish, MissingChannel) {
  for (std::string_view line : {"PUB", "PUB ", "PUB     "}) {
    Command command = parseCommand(line);
    ASSERT_EQ(command.verb, Verb::kPub);
    std::string_view channel = "junk";
    std::string_view payload = "junk";
    splitPublish(command.rest, channel, payload);
    EXPECT_TRUE(channel.empty()) << "'" << line << "'";
    EXPECT_TRUE(payload.empty()) << "'" << line << "'";
  }
}

TEST(SplitPublish, TabInTheChannelStaysInTheChannel) {
  // Only spaces separate; the tab makes the channel invalid later.
  EXPECT_EQ(publishOf("PUB a\tb x"), (Publish{"a\tb", "x"}));
}

TEST(SplitPublish, PayloadViewPointsIntoTheLine) {
  std::string line = "PUB ch  payload";
  Command command = parseCommand(line);
  std::string_view channel;
  std::string_view payload;
  splitPublish(command.rest, channel, payload);
  EXPECT_EQ(channel.data(), line.data() + 4);
  EXPECT_EQ(payload.data(), line.data() + 7);
  EXPECT_EQ(payload, " payload");
}

// --- PING -----------------------------------------------------------------

std::string pingOf(std::string_view line) {
  Command command = parseCommand(line);
  EXPECT_EQ(command.verb, Verb::kPing) << line;
  return std::string(pingText(command.rest));
}

TEST(PingText, KeptByteForByte) {
  EXPECT_EQ(pingOf("PING"), "");
  EXPECT_EQ(pingOf("PING "), "");
  EXPECT_EQ(pingOf("PING hello"), "hello");
  EXPECT_EQ(pingOf("ping hello world"), "hello world");
  EXPECT_EQ(pingOf("PING  two"), " two");
  EXPECT_EQ(pingOf("PING   "), "  ");
  EXPECT_EQ(pingOf("PING a\tb  "), "a\tb  ");
  EXPECT_EQ(pingOf("  PING x"), "x");
}

}  // namespace
}  // namespace linecast
