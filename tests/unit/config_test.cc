// parseConfig: flags and the --config file, their ranges, and errors that
// name the flag, or the file, line and key, with exit code 2.

#include "config.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../temp_file.h"

namespace linecast {
namespace {

struct Parsed {
  std::optional<Config> config;
  int exitCode = -1;
  std::string stderrText;
};

Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "linecast-server");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  Parsed parsed;
  testing::internal::CaptureStderr();
  parsed.config = parseConfig(static_cast<int>(args.size()), argv.data(), parsed.exitCode);
  parsed.stderrText = testing::internal::GetCapturedStderr();
  return parsed;
}

using TomlFile = testing_files::TempFile;

// The parse fails with exit code 2 and exactly `message` on stderr.
void expectError(const std::vector<std::string>& args, const std::string& message) {
  Parsed parsed = parse(args);
  EXPECT_FALSE(parsed.config.has_value());
  EXPECT_EQ(parsed.exitCode, 2);
  EXPECT_EQ(parsed.stderrText, "linecast-server: " + message + "\n");
}

Config expectConfig(const std::vector<std::string>& args) {
  Parsed parsed = parse(args);
  EXPECT_TRUE(parsed.config.has_value()) << parsed.stderrText;
  EXPECT_EQ(parsed.stderrText, "");
  return parsed.config.value_or(Config{});
}

TEST(ConfigTest, NoArgumentsGiveTheDefaults) {
  Config config = expectConfig({});
  Config defaults;
  EXPECT_EQ(config.bind, defaults.bind);
  EXPECT_EQ(config.port, defaults.port);
  EXPECT_EQ(config.maxLine, defaults.maxLine);
  EXPECT_EQ(config.maxOutbuf, defaults.maxOutbuf);
  EXPECT_EQ(config.readTimeout, defaults.readTimeout);
  EXPECT_EQ(config.io, defaults.io);
}

TEST(ConfigTest, EveryNumericFlagTakesItsValues) {
  Config config = expectConfig({"--port", "0", "--http-port", "65535", "--max-conns", "1",
                                "--max-line", "64KiB", "--max-outbuf", "4MiB", "--max-subs", "0",
                                "--read-timeout", "0.5", "--auth-timeout", "0.001", "--shutdown-grace", "0",
                                "--threads", "256"});
  EXPECT_EQ(config.port, 0);
  EXPECT_EQ(config.httpPort, 65535);
  EXPECT_EQ(config.maxConns, 1u);
  EXPECT_EQ(config.maxLine, 64u * 1024);
  EXPECT_EQ(config.maxOutbuf, 4u * 1024 * 1024);
  EXPECT_EQ(config.maxSubs, 0u);
  EXPECT_EQ(config.readTimeout, 0.5);
  EXPECT_EQ(config.authTimeout, 0.001);
  EXPECT_EQ(config.shutdownGrace, 0);
  EXPECT_EQ(config.threads, 256u);
}

TEST(ConfigTest, SizesTakeTheUnitsTheyAlwaysTook) {
  EXPECT_EQ(expectConfig({"--max-line", "65536"}).maxLine, 65536u);
  EXPECT_EQ(expectConfig({"--max-line", "64 KiB"}).maxLine, 65536u);
  EXPECT_EQ(expectConfig({"--max-line", "64kb"}).maxLine, 65536u);
  EXPECT_EQ(expectConfig({"--max-line", "64k"}).maxLine, 65536u);
  EXPECT_EQ(expectConfig({"--max-line", "1MiB"}).maxLine, 1024u * 1024);
  EXPECT_EQ(expectConfig({"--max-outbuf", "1GiB"}).maxOutbuf, 1024u * 1024 * 1024);
  EXPECT_EQ(expectConfig({"--max-line", "512b"}).maxLine, 512u);
}

TEST(ConfigTest, AFlagGivenTwiceTakesItsLastValue) {
  EXPECT_EQ(expectConfig({"--port", "1", "--port=2"}).port, 2);
}

TEST(ConfigTest, ThePortsNameTheirRange) {
  expectError({"--port", "99999"}, "--port must be an integer from 0 to 65535, not '99999'");
  expectError({"--port", "-1"}, "--port must be an integer from 0 to 65535, not '-1'");
  expectError({"--http-port", "65536"}, "--http-port must be an integer from 0 to 65535, not '65536'");
  expectError({"--port", "0x10"}, "--port must be an integer from 0 to 65535, not '0x10'");
}

TEST(ConfigTest, NegativeCountsAreRefusedNotWrapped) {
  expectError({"--max-conns", "-5"}, "--max-conns must be an integer from 1 to 10000000, not '-5'");
  expectError({"--max-subs", "-1"}, "--max-subs must be an integer from 0 to 10000000, not '-1'");
  expectError({"--threads", "-1"}, "--threads must be an integer from 0 to 256, not '-1'");
  expectError({"--max-conns", "0"}, "--max-conns must be an integer from 1 to 10000000, not '0'");
  expectError({"--threads", "257"}, "--threads must be an integer from 0 to 256, not '257'");
  expectError({"--busy-poll-us", "100001"},
              "--busy-poll-us must be an integer from 0 to 100000, not '100001'");
  expectError({"--max-subs", "1.5"}, "--max-subs must be an integer from 0 to 10000000, not '1.5'");
}

TEST(ConfigTest, SizesNameTheirRange) {
  const std::string line = "--max-line must be a size from 1 to 1GiB (e.g. 65536 or 64KiB), not ";
  expectError({"--max-line", "-1"}, line + "'-1'");
  expectError({"--max-line", "0"}, line + "'0'");
  expectError({"--max-line", "2GiB"}, line + "'2GiB'");
  expectError({"--max-line", "64XB"}, line + "'64XB'");
  expectError({"--max-line", "KiB"}, line + "'KiB'");
  expectError({"--max-outbuf", "1.5KiB"},
              "--max-outbuf must be a size from 1 to 16GiB (e.g. 65536 or 64KiB), not '1.5KiB'");
  expectError({"--max-outbuf", "-8MiB"},
              "--max-outbuf must be a size from 1 to 16GiB (e.g. 65536 or 64KiB), not '-8MiB'");
}

TEST(ConfigTest, TimeoutsNameTheirRange) {
  const std::string read = "--read-timeout must be a number of seconds from 0 to 86400, not ";
  expectError({"--read-timeout", "-1"}, read + "'-1'");
  expectError({"--read-timeout", "abc"}, read + "'abc'");
  expectError({"--auth-timeout", "0"},
              "--auth-timeout must be a number of seconds from 0.001 to 86400, not '0'");
  expectError({"--shutdown-grace", "inf"},
              "--shutdown-grace must be a number of seconds from 0 to 86400, not 'inf'");
  expectError({"--shutdown-grace", "nan"},
              "--shutdown-grace must be a number of seconds from 0 to 86400, not 'nan'");
}

TEST(ConfigTest, TheRulesAcrossOptionsKeepTheirMessages) {
  expectError({"--max-line", "1024", "--max-outbuf", "1535"},
              "--max-outbuf (1535) must be at least --max-line + 512 (1536)");
  EXPECT_EQ(expectConfig({"--max-line", "1024", "--max-outbuf", "1536"}).maxOutbuf, 1536u);
  expectError({"--io", "kqueue"}, "--io must be epoll or uring, not 'kqueue'");
  expectError({"--log-level", "loud"}, "--log-level must be error, warn, info or debug, not 'loud'");
  expectError({"--auth-token", ""}, "--auth-token must not be empty");
}

TEST(ConfigTest, AnUnknownFlagExitsTwo) {
  Parsed parsed = parse({"--maxline", "5"});
  EXPECT_FALSE(parsed.config.has_value());
  EXPECT_EQ(parsed.exitCode, 2);
  EXPECT_EQ(parsed.stderrText.rfind("linecast-server: ", 0), 0u) << parsed.stderrText;
  EXPECT_NE(parsed.stderrText.find("--maxline"), std::string::npos) << parsed.stderrText;
}

TEST(ConfigTest, AFileWithEveryKey) {
  TomlFile token("s3cret\n");
  TomlFile file("# every key the server reads\n"
                "[default]\n"
                "bind = \"127.0.0.2\"\n"
                "port = 7500           # the line protocol\n"
                "http-port = '7501'\n"
                "max-conns = 500\n"
                "\n"
                "max-line = \"64KiB\"\n"
                "max-outbuf = 4MiB\n"
                "max-subs = 100\n"
                "read-timeout = 10\n"
                "auth-timeout = 2.5\n"
                "shutdown-grace = 1\n"
                "auth-token-file = \"" + token.path() + "\"\n"
                "log-level = \"debug\"\n"
                "threads = 3\n"
                "io = \"epoll\"\n");
  Config config = expectConfig({"--config", file.path()});
  EXPECT_EQ(config.bind, "127.0.0.2");
  EXPECT_EQ(config.port, 7500);
  EXPECT_EQ(config.httpPort, 7501);
  EXPECT_EQ(config.maxConns, 500u);
  EXPECT_EQ(config.maxLine, 65536u);
  EXPECT_EQ(config.maxOutbuf, 4u * 1024 * 1024);
  EXPECT_EQ(config.maxSubs, 100u);
  EXPECT_EQ(config.readTimeout, 10);
  EXPECT_EQ(config.authTimeout, 2.5);
  EXPECT_EQ(config.shutdownGrace, 1);
  EXPECT_EQ(config.authToken, "s3cret");
  EXPECT_EQ(config.logLevel, "debug");
  EXPECT_EQ(config.threads, 3u);
  EXPECT_EQ(config.io, "epoll");
}

TEST(ConfigTest, DataDirAndFsyncFromFlagsAndFile) {
  Config defaults = expectConfig({});
  EXPECT_EQ(defaults.dataDir, "");
  EXPECT_EQ(defaults.fsync, "everysec");
  Config flags = expectConfig({"--data-dir", "/var/lib/linecast", "--fsync", "always"});
  EXPECT_EQ(flags.dataDir, "/var/lib/linecast");
  EXPECT_EQ(flags.fsync, "always");
  TomlFile file("data-dir = \"/srv/lc\"\nfsync = \"no\"\n");
  Config fromFile = expectConfig({"--config", file.path()});
  EXPECT_EQ(fromFile.dataDir, "/srv/lc");
  EXPECT_EQ(fromFile.fsync, "no");
  expectError({"--fsync", "sometimes"}, "--fsync must be always, everysec or no, not 'sometimes'");
  expectError({"--data-dir", ""}, "--data-dir must name a directory, not ''");
}

TEST(ConfigTest, AQuotedValueKeepsItsHash) {
  TomlFile file("auth-token = \"a#b\"  # the comment starts here\n");
  EXPECT_EQ(expectConfig({"--config", file.path()}).authToken, "a#b");
}

TEST(ConfigTest, FlagsWinOverTheFile) {
  TomlFile file("port = 7500\nmax-subs = 7\nlog-level = \"debug\"\n");
  Config config = expectConfig({"--port", "7600", "--config", file.path(), "--log-level=warn"});
  EXPECT_EQ(config.port, 7600);
  EXPECT_EQ(config.maxSubs, 7u);
  EXPECT_EQ(config.logLevel, "warn");
}

TEST(ConfigTest, AnUnknownKeyNamesFileLineAndTheKeyItResembles) {
  TomlFile file("# limits\nport = 7400\nmaxline = 5\n");
  expectError({"--config", file.path()},
              file.path() + ":3: unknown key 'maxline' (did you mean 'max-line'?)");
  TomlFile underscore("max_subs = 5\n");
  expectError({"--config", underscore.path()},
              underscore.path() + ":1: unknown key 'max_subs' (did you mean 'max-subs'?)");
  TomlFile swapped("prot = 5\n");
  expectError({"--config", swapped.path()}, swapped.path() + ":1: unknown key 'prot' (did you mean 'port'?)");
  TomlFile unrelated("colour = \"blue\"\n");
  expectError({"--config", unrelated.path()}, unrelated.path() + ":1: unknown key 'colour'");
}

TEST(ConfigTest, ABadValueNamesFileLineAndKey) {
  TomlFile port("port = \"abc\"\n");
  expectError({"--config", port.path()},
              port.path() + ":1: port: must be an integer from 0 to 65535, not 'abc'");
  TomlFile conns("\nmax-conns = -5\n");
  expectError({"--config", conns.path()},
              conns.path() + ":2: max-conns: must be an integer from 1 to 10000000, not '-5'");
  TomlFile level("log-level = \"loud\"\n");
  expectError({"--config", level.path()},
              level.path() + ":1: log-level: must be error, warn, info or debug, not 'loud'");
}

TEST(ConfigTest, ABadValueInTheFileIsAnErrorEvenUnderAFlag) {
  TomlFile file("port = 99999\n");
  expectError({"--config", file.path(), "--port", "7400"},
              file.path() + ":1: port: must be an integer from 0 to 65535, not '99999'");
}

TEST(ConfigTest, MalformedLinesNameFileAndLine) {
  TomlFile noEquals("port = 7400\nport 7401\n");
  expectError({"--config", noEquals.path()}, noEquals.path() + ":2: expected 'key = value', not 'port 7401'");
  TomlFile noValue("port =\n");
  expectError({"--config", noValue.path()}, noValue.path() + ":1: port: no value after '='");
  TomlFile openQuote("bind = \"127.0.0.1\n");
  expectError({"--config", openQuote.path()},
              openQuote.path() + ":1: bind: expected one value in matching quotes, not '\"127.0.0.1'");
  TomlFile twice("port = 1\nport = 2\n");
  expectError({"--config", twice.path()}, twice.path() + ":2: port: already set on line 1");
  TomlFile section("[linecast]\nport = 1\n");
  expectError({"--config", section.path()},
              section.path() + ":1: sections are not supported, not '[linecast]' (keys go at the top level)");
}

TEST(ConfigTest, AMissingFileIsAnError) {
  expectError({"--config", "/nonexistent/linecast.toml"},
              "cannot read the config file '/nonexistent/linecast.toml': No such file or directory");
}

}  // namespace
TEST(ConfigTest, MqttFlagsAndKeys) {
  Config defaults;
  EXPECT_EQ(defaults.mqttPort, 0);
  EXPECT_EQ(defaults.mqttMaxInflight, 20u);
  EXPECT_EQ(defaults.mqttMaxQueued, 1000u);
  Config flags = expectConfig({"--mqtt-port", "1883", "--mqtt-max-inflight", "5", "--mqtt-max-queued", "0"});
  EXPECT_EQ(flags.mqttPort, 1883);
  EXPECT_EQ(flags.mqttMaxInflight, 5u);
  EXPECT_EQ(flags.mqttMaxQueued, 0u);
  TomlFile file("mqtt-port = 1884\nmqtt-max-inflight = 7\nmqtt-max-queued = 9\n");
  Config keys = expectConfig({"--config", file.path()});
  EXPECT_EQ(keys.mqttPort, 1884);
  EXPECT_EQ(keys.mqttMaxInflight, 7u);
  EXPECT_EQ(keys.mqttMaxQueued, 9u);
  expectError({"--mqtt-max-inflight", "0"}, "--mqtt-max-inflight must be an integer from 1 to 65535, not '0'");
}


// --cluster, --cluster-password-file, --node-id: a malformed URL stops the
// start with an error naming the flag.
TEST(ConfigTest, NoClusterByDefault) {
  Parsed parsed = parse({});
  ASSERT_TRUE(parsed.config);
  EXPECT_FALSE(parsed.config->clusterUrl);
}

TEST(ConfigTest, AClusterUrlIsParsedAndANodeIdChosen) {
  Parsed parsed = parse({"--cluster", "redis://u:p@127.0.0.1:6380"});
  ASSERT_TRUE(parsed.config) << parsed.stderrText;
  ASSERT_TRUE(parsed.config->clusterUrl);
  EXPECT_EQ(parsed.config->clusterUrl->port, 6380);
  EXPECT_EQ(parsed.config->clusterUrl->password, "p");
  EXPECT_EQ(parsed.config->nodeId.size(), 16u);
  Parsed other = parse({"--cluster", "redis://127.0.0.1:6380"});
  ASSERT_TRUE(other.config);
  EXPECT_NE(other.config->nodeId, parsed.config->nodeId);
  EXPECT_EQ(parse({"--cluster", "redis://h:1", "--node-id", "east-1"}).config->nodeId, "east-1");
}

TEST(ConfigTest, ASentinelUrlAndThePasswordFileForItsMaster) {
  TomlFile secret("master pw\n", ".pw");
  Parsed parsed = parse({"--cluster", "sentinel://127.0.0.1:26380,127.0.0.1:26381/mymaster",
                         "--cluster-password-file", secret.path()});
  ASSERT_TRUE(parsed.config) << parsed.stderrText;
  ASSERT_TRUE(parsed.config->clusterUrl);
  EXPECT_TRUE(parsed.config->clusterUrl->viaSentinels());
  EXPECT_EQ(parsed.config->clusterUrl->sentinels.size(), 2u);
  EXPECT_EQ(parsed.config->clusterUrl->masterName, "mymaster");
  EXPECT_EQ(parsed.config->clusterUrl->password, "master pw");
  Parsed bad = parse({"--cluster", "sentinel://alice:hunter2@h:1/"});
  EXPECT_FALSE(bad.config);
  EXPECT_EQ(bad.stderrText.find("hunter2"), std::string::npos) << bad.stderrText;
  EXPECT_NE(bad.stderrText.find("--cluster no master name after '/', not 'sentinel://alice:***@h:1/'"),
            std::string::npos)
      << bad.stderrText;
}

TEST(ConfigTest, AMalformedClusterUrlNamesTheFlag) {
  Parsed parsed = parse({"--cluster", "http://127.0.0.1:6379"});
  EXPECT_FALSE(parsed.config);
  EXPECT_EQ(parsed.exitCode, 2);
  EXPECT_NE(parsed.stderrText.find("--cluster"), std::string::npos) << parsed.stderrText;
  EXPECT_NE(parsed.stderrText.find("redis://"), std::string::npos) << parsed.stderrText;
}

TEST(ConfigTest, AMalformedClusterUrlsErrorHidesItsPassword) {
  Parsed parsed = parse({"--cluster", "redis://alice:hunter2@h:99999"});
  EXPECT_FALSE(parsed.config);
  EXPECT_EQ(parsed.stderrText.find("hunter2"), std::string::npos) << parsed.stderrText;
  EXPECT_NE(parsed.stderrText.find("'redis://alice:***@h:99999'"), std::string::npos) << parsed.stderrText;
}

TEST(ConfigTest, TheClusterPasswordFileReplacesTheUrlsPassword) {
  TomlFile secret("from file\n", ".pw");
  Parsed parsed = parse({"--cluster", "redis://u:p@h:1", "--cluster-password-file", secret.path()});
  ASSERT_TRUE(parsed.config) << parsed.stderrText;
  EXPECT_EQ(parsed.config->clusterUrl->password, "from file");
  Parsed alone = parse({"--cluster-password-file", secret.path()});
  EXPECT_FALSE(alone.config);
  EXPECT_NE(alone.stderrText.find("needs --cluster"), std::string::npos) << alone.stderrText;
  Parsed missing = parse({"--cluster", "redis://h:1", "--cluster-password-file", "/nonexistent/pw"});
  EXPECT_FALSE(missing.config);
  EXPECT_NE(missing.stderrText.find("--cluster-password-file"), std::string::npos);
}

TEST(ConfigTest, ABadNodeIdIsRefused) {
  EXPECT_FALSE(parse({"--cluster", "redis://h:1", "--node-id", "two words"}).config);
  EXPECT_FALSE(parse({"--cluster", "redis://h:1", "--node-id", std::string(65, 'x')}).config);
}

TEST(ConfigTest, ClusterWithTheIoUringBackend) {
  if (!ioUringBuiltIn()) GTEST_SKIP() << "this build has no io_uring backend";
  Parsed parsed = parse({"--cluster", "redis://h:1", "--io", "uring"});
  ASSERT_TRUE(parsed.config) << parsed.stderrText;
  EXPECT_EQ(parsed.config->io, "uring");
  EXPECT_TRUE(parsed.config->clusterUrl);
}

}  // namespace linecast
