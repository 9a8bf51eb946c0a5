// COMMAND INFO / COMMAND DOCS: the table agrees with the dispatch table,
// names are looked up as Redis's lookupCommandBySds does, and the replies
// are Redis's bytes (captured from redis-server 7.0.15).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/resp/resp_command_docs.h"
#include "protocols/resp/resp_command_table.h"

namespace linecast {
namespace {

bool hasWord(std::string_view list, std::string_view word) {
  std::string padded = " " + std::string(list) + " ";
  return padded.find(" " + std::string(word) + " ") != std::string::npos;
}

// The dispatch row a doc entry describes; null when there is none.
const RespCommandInfo* dispatchRow(const RespCommandDoc& doc) {
  std::string_view name = doc.name;
  std::size_t bar = name.find('|');
  const RespCommandInfo* top = findRespCommand(name.substr(0, bar));
  if (bar == std::string_view::npos || top == nullptr) return top;
  return findRespSubcommand(top->id, name.substr(bar + 1));
}

TEST(RespCommandDocs, AgreeWithTheDispatchTable) {
  // QUIT is answered before the table; CLIENT LIST, INFO and KILL are
  // described ahead of their rows (added on another branch).
  const std::vector<std::string_view> undispatched = {"quit", "client|list", "client|info", "client|kill"};
  std::vector<const RespCommandDoc*> all;
  for (const RespCommandDoc& doc : respCommandDocs()) {
    all.push_back(&doc);
    for (const RespCommandDoc& sub : doc.subcommands) all.push_back(&sub);
  }
  for (const RespCommandDoc* doc : all) {
    const RespCommandInfo* row = dispatchRow(*doc);
    if (row == nullptr) {
      EXPECT_NE(std::find(undispatched.begin(), undispatched.end(), doc->name), undispatched.end()) << doc->name;
      continue;
    }
    EXPECT_EQ(row->fullName, doc->name);
    EXPECT_EQ(row->arity, doc->arity) << doc->name;
    EXPECT_EQ(row->noAuth, hasWord(doc->flags, "no_auth")) << doc->name;
    EXPECT_EQ(findRespCommandDoc(doc->name), doc);
  }
}

TEST(RespCommandDocs, LooksNamesUpAsRedisDoes) {
  EXPECT_EQ(findRespCommandDoc("PUBLISH")->name, "publish");
  EXPECT_EQ(findRespCommandDoc("Client|SetName")->name, "client|setname");
  EXPECT_EQ(findRespCommandDoc("client")->name, "client");
  for (std::string_view missing : {"", "nosuch", "client|", "|list", "publish|x", "client|id|x", "client|nosuch",
                                   "get"}) {
    EXPECT_EQ(findRespCommandDoc(missing), nullptr) << missing;
  }
}

TEST(RespCommandDocs, InfoIsRedisBytes) {
  std::string out;
  std::vector<std::string_view> names = {"spublish"};
  appendRespCommandInfo(out, names, true);
  EXPECT_EQ(out,
            "*1\r\n*10\r\n$8\r\nspublish\r\n:3\r\n~4\r\n+pubsub\r\n+loading\r\n+stale\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
            "~2\r\n+@pubsub\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~1\r\n+not_key\r\n$12\r\nbegin_search\r\n"
            "%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n"
            "$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\n"
            "limit\r\n:0\r\n~0\r\n");
  out.clear();
  names = {"nosuch", "ECHO"};
  appendRespCommandInfo(out, names, false);
  EXPECT_EQ(out,
            "*2\r\n$-1\r\n*10\r\n$4\r\necho\r\n:2\r\n*3\r\n+loading\r\n+stale\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*2\r\n"
            "+@fast\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n");
}

TEST(RespCommandDocs, DocsAreRedisBytes) {
  std::string out;
  std::vector<std::string_view> names = {"ping", "nosuch"};
  appendRespCommandDocs(out, names, false);
  EXPECT_EQ(out,
            "*2\r\n$4\r\nping\r\n*10\r\n$7\r\nsummary\r\n$15\r\nPing the server\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n"
            "$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n"
            "$4\r\nname\r\n$7\r\nmessage\r\n$4\r\ntype\r\n$6\r\nstring\r\n$5\r\nflags\r\n*1\r\n+optional\r\n");
  out.clear();
  names = {"nosuch"};
  appendRespCommandDocs(out, names, true);
  EXPECT_EQ(out, "%0\r\n");
}

TEST(RespCommandDocs, EverythingListsEachCommandOnce) {
  std::string info;
  std::string docs;
  appendRespCommandInfo(info, {}, false);
  appendRespCommandDocs(docs, {}, true);
  std::string count = std::to_string(respCommandDocs().size());
  EXPECT_EQ(info.substr(0, count.size() + 3), "*" + count + "\r\n");
  EXPECT_EQ(docs.substr(0, count.size() + 3), "%" + count + "\r\n");
  for (const RespCommandDoc& doc : respCommandDocs()) {
    std::string bulk = "$" + std::to_string(doc.name.size()) + "\r\n" + std::string(doc.name) + "\r\n";
    EXPECT_NE(info.find("*10\r\n" + bulk), std::string::npos) << doc.name;
    EXPECT_NE(docs.find(bulk + "%"), std::string::npos) << doc.name;
  }
}

}  // namespace
}  // namespace linecast
