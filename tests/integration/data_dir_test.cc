// --data-dir and --fsync against the real binary (docs/PROTOCOL.md,
// "Retained messages", Persistence): retained messages survive a SIGTERM
// restart and, under --fsync always, a kill -9 right after their PONG;
// DELETE /retained/ persists; under everysec the loss of a kill -9
// mid-stream is measured and reported; a second server on the directory,
// a corrupt store and a foreign format stop with a clear line.

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "../temp_file.h"
#include "http_client.h"
#include "server_test.h"

namespace linecast::test {
namespace {

class DataDirTest : public ServerTest {
 protected:
  DataDirTest() : temp_("data-dir"), dir_(temp_.path()) {}
  bool startInSetUp() const override { return false; }

  // A server on the directory, started; the test's own until it is replaced.
  ServerProcess& run(const std::string& fsync) {
    servers_.push_back(std::make_unique<ServerProcess>());
    httpPort_ = freePort();
    EXPECT_TRUE(servers_.back()->start(
        {"--data-dir", dir_, "--fsync", fsync, "--http-port", std::to_string(httpPort_)}));
    return *servers_.back();
  }
  TestClient client() {
    TestClient c;
    EXPECT_TRUE(c.connect(servers_.back()->port()));
    return c;
  }
  // RETAIN r.<i> v<i> for i in [from, to), as one send.
  static std::string retains(int from, int to) {
    std::string all;
    for (int i = from; i < to; ++i) all += "RETAIN r." + std::to_string(i) + " v" + std::to_string(i) + "\n";
    return all;
  }
  // The retained channels under r.> that a new SUB gets, each checked to
  // hold its own value.
  std::set<int> retainedNow() {
    TestClient c = client();
    EXPECT_TRUE(c.send("SUB r.>\nPING loaded\n"));
    std::set<int> found;
    for (int i = 0; i < 20'000; ++i) {
      auto line = c.readLine(std::chrono::seconds(10));
      if (!line || *line == "PONG loaded") break;
      // MSG r.<n> v<n>
      std::size_t dot = line->find('.');
      std::size_t space = line->find(' ', dot);
      std::string n = line->substr(dot + 1, space - dot - 1);
      EXPECT_EQ(line->substr(space + 1), "v" + n);
      found.insert(std::stoi(n));
    }
    return found;
  }
  // Runs a second server on the directory to its exit: its status and log.
  std::pair<std::optional<ExitStatus>, std::string> refused() {
    ServerProcess second;
    auto status = second.runToExit(ServerProcess::withBaseArgs({"--data-dir", dir_}));
    return {status, second.log()};
  }

  testing_files::TempDirectory temp_;
  std::string dir_;
  std::uint16_t httpPort_ = 0;
  std::vector<std::unique_ptr<ServerProcess>> servers_;
};

TEST_F(DataDirTest, RetainedMessagesAndDeletesSurviveARestart) {
  ServerProcess& first = run("everysec");
  EXPECT_NE(first.log().find("data directory " + dir_ + " (LMDB, --fsync everysec): 0 retained messages loaded"),
            std::string::npos)
      << first.log();
  TestClient c = client();
  ASSERT_TRUE(c.send(retains(0, 100) + "RETAIN r.5 \nRETAIN r.7 v7\n"));
  ASSERT_TRUE(c.ping("stored"));
  auto posted = exchangeOn(httpPort_, "POST /pub/r.200?retain=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nv200\n");
  ASSERT_TRUE(posted && posted->status == 200);
  auto deleted = exchangeOn(httpPort_, "DELETE /retained/r.9 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(deleted && deleted->status == 204);
  ASSERT_TRUE(first.stop());

  ServerProcess& second = run("everysec");
  EXPECT_NE(second.log().find("99 retained messages loaded"), std::string::npos) << second.log();
  std::set<int> found = retainedNow();
  EXPECT_EQ(found.size(), 99u);  // r.0-r.99 and r.200, less r.5 and r.9
  EXPECT_FALSE(found.count(5));  // cleared by an empty RETAIN
  EXPECT_FALSE(found.count(9));  // DELETE /retained/
  EXPECT_TRUE(found.count(200));
  auto metrics = exchangeOn(httpPort_, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("# TYPE linecast_store_writes_total counter"), std::string::npos);
  EXPECT_NE(metrics->body.find("# TYPE linecast_store_fsyncs_total counter"), std::string::npos);
  EXPECT_NE(metrics->body.find("# TYPE linecast_store_batch_waiting gauge"), std::string::npos);
}

TEST_F(DataDirTest, UnderFsyncAlwaysWhatAPongAcknowledgedSurvivesKillNine) {
  ServerProcess& first = run("always");
  TestClient c = client();
  ASSERT_TRUE(c.send(retains(0, 10'000)));
  ASSERT_TRUE(c.ping("acknowledged", std::chrono::seconds(30)));
  ASSERT_TRUE(first.killNine());

  ServerProcess& second = run("always");
  EXPECT_NE(second.log().find("10000 retained messages loaded"), std::string::npos) << second.log();
  std::set<int> found = retainedNow();
  EXPECT_EQ(found.size(), 10'000u);
  EXPECT_EQ(*found.rbegin(), 9'999);
}

// Not a timing assertion: the acknowledged writes that a kill -9 lost under
// everysec are reported (a kill of the process, not of the machine, loses
// only what the writer had not committed yet: at most its 10 ms commit
// interval).
TEST_F(DataDirTest, UnderFsyncEverySecAKillNineMidStreamIsMeasured) {
  ServerProcess& first = run("everysec");
  TestClient c = client();
  int acknowledged = 0;
  auto began = std::chrono::steady_clock::now();
  for (int chunk = 0; chunk < 50; ++chunk) {
    ASSERT_TRUE(c.send(retains(chunk * 200, chunk * 200 + 200)));
    ASSERT_TRUE(c.ping("chunk"));
    acknowledged = chunk * 200 + 200;
  }
  // More in flight while it dies.
  ASSERT_TRUE(c.send(retains(10'000, 12'000)));
  auto streamed = std::chrono::steady_clock::now() - began;
  ASSERT_TRUE(first.killNine());

  run("everysec");
  std::set<int> found = retainedNow();
  int lost = 0;
  for (int i = 0; i < acknowledged; ++i) lost += found.count(i) == 0 ? 1 : 0;
  std::cout << "[ measured ] --fsync everysec, kill -9: " << lost << " of " << acknowledged
            << " acknowledged retained writes lost (acknowledged over "
            << std::chrono::duration_cast<std::chrono::milliseconds>(streamed).count() << " ms); " << found.size() - (acknowledged - lost)
            << " of 2000 unacknowledged ones kept\n";
  RecordProperty("everysec_acknowledged_lost", lost);
  EXPECT_LE(found.size(), 12'000u);
}

TEST_F(DataDirTest, ASecondServerOnTheDirectoryStopsWithTheLockError) {
  run("everysec");
  auto [status, log] = refused();
  ASSERT_TRUE(status);
  EXPECT_FALSE(status->success());
  EXPECT_NE(log.find("data directory " + dir_ + " is locked by another process"), std::string::npos) << log;
}

TEST_F(DataDirTest, ACorruptStoreStopsTheServerAndIsNotOverwritten) {
  ServerProcess& first = run("always");
  TestClient c = client();
  ASSERT_TRUE(c.send("RETAIN r.1 v1\n"));
  ASSERT_TRUE(c.ping("stored"));
  ASSERT_TRUE(first.stop());
  std::string file = dir_ + "/data.mdb";
  std::string garbage(std::filesystem::file_size(file), 'G');
  std::ofstream(file, std::ios::binary | std::ios::trunc) << garbage;

  auto [status, log] = refused();
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exited && status->code != 0) << status->describe();
  EXPECT_NE(log.find(file + " is corrupt: not an LMDB file"), std::string::npos) << log;
  EXPECT_EQ(log.find("listening on"), std::string::npos) << log;
  std::ifstream in(file, std::ios::binary);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), garbage);
}

TEST_F(DataDirTest, AnInvalidFsyncIsAConfigurationError) {
  ServerProcess server;
  auto status = server.runToExit(ServerProcess::withBaseArgs({"--data-dir", dir_, "--fsync", "sometimes"}));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 2);
  EXPECT_NE(server.log().find("--fsync must be always, everysec or no, not 'sometimes'"), std::string::npos)
      << server.log();
}

}  // namespace
}  // namespace linecast::test
