// The real binary's configuration errors: a value out of range, on the
// command line or in the --config file, stops it with exit code 2 and a
// message naming the flag (or the file, line and key). And a good file
// configures it, under the flags.

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../temp_file.h"
#include "server_test.h"

namespace linecast::test {
namespace {

using TomlFile = testing_files::TempFile;

class ConfigErrorsTest : public ServerTest {
 protected:
  bool startInSetUp() const override { return false; }

  // Runs the server with `args` (and the harness's flags) and expects it
  // to exit 2 with `message` as its whole stderr.
  void expectRefused(const std::vector<std::string>& args, const std::string& message) {
    ServerProcess server;  // one run each: a ServerProcess spawns once
    auto status = server.runToExit(ServerProcess::withBaseArgs(args));
    ASSERT_TRUE(status.has_value()) << "the server kept running";
    EXPECT_TRUE(status->exited && status->code == 2) << status->describe();
    EXPECT_EQ(server.log(), "linecast-server: " + message + "\n");
  }
};

TEST_F(ConfigErrorsTest, APortOutOfRangeNamesFlagAndRange) {
  expectRefused({"--port", "99999"}, "--port must be an integer from 0 to 65535, not '99999'");
}

TEST_F(ConfigErrorsTest, ANegativeCountIsRefusedNotWrapped) {
  expectRefused({"--max-conns", "-5"}, "--max-conns must be an integer from 1 to 10000000, not '-5'");
  expectRefused({"--max-subs", "-1"}, "--max-subs must be an integer from 0 to 10000000, not '-1'");
}

TEST_F(ConfigErrorsTest, AnUnknownKeyInTheFileNamesFileAndLine) {
  TomlFile file("# limits\nmax-subs = 10\nmaxline = 5\n");
  expectRefused({"--config", file.path()},
                file.path() + ":3: unknown key 'maxline' (did you mean 'max-line'?)");
}

TEST_F(ConfigErrorsTest, ABadValueInTheFileNamesFileLineAndKey) {
  TomlFile file("port = \"abc\"\n");
  expectRefused({"--config", file.path()},
                file.path() + ":1: port: must be an integer from 0 to 65535, not 'abc'");
}

TEST_F(ConfigErrorsTest, AGoodFileConfiguresTheServerUnderTheFlags) {
  // The harness's --port 0 wins over the file's port; max-subs comes from the file.
  TomlFile file("port = 1\nmax-subs = 2  # the sentinel and one more\nmax-line = \"64KiB\"\n");
  ASSERT_TRUE(server_.start({"--config", file.path()}));
  EXPECT_NE(server_.port(), 1);
  TestClient sub = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  ASSERT_TRUE(sub.send("SUB b\n"));
  EXPECT_TRUE(sub.expectLine("-ERR too many subscriptions (max 2)"));
}

}  // namespace
}  // namespace linecast::test
