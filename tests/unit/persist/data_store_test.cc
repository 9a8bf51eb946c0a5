// DataStore, WriteBatch, StoreWriter and RetainedPersistence on a temporary
// directory: round trips, coalescing, the lock (in this process and from
// another), a corrupt or foreign file, an unreadable directory, the
// writer's external source (pulled under the tickets that cover it), and
// the retained messages' journal and load with its limits.

#include <fcntl.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../../temp_file.h"
#include "persist/data_store.h"
#include "persist/retained_persistence.h"
#include "persist/store_turn.h"
#include "persist/store_writer.h"
#include "persist/write_batch.h"

namespace linecast {
namespace {

using TempDir = testing_files::TempDirectory;

std::map<std::string, std::string> contents(DataStore& store, std::string_view space) {
  std::map<std::string, std::string> all;
  store.forEach(space, [&](std::string_view key, std::string_view value) { all.emplace(key, value); });
  return all;
}

std::string openError(const std::string& directory) {
  try {
    DataStore store(directory);
  } catch (const StoreError& e) {
    return e.what();
  }
  return {};
}

// Runs `body` in a child process; returns its exit status (-1 if killed).
template <class Body>
int inChild(Body body) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(WriteBatchTest, CoalescesPerKeyAndKeepsTheLastWrite) {
  WriteBatch batch;
  for (int i = 0; i < 1000; ++i) batch.put("retained", "room.1", "v" + std::to_string(i));
  batch.put("session", "room.1", "other space");
  batch.put("retained", "room.2", "gone");
  batch.erase("retained", "room.2");
  EXPECT_EQ(batch.size(), 3u);
  std::map<std::string, std::string> seen;
  batch.forEach([&](std::string_view space, std::string_view key, const std::string* value) {
    seen[std::string(space) + "/" + std::string(key)] = value == nullptr ? "<erase>" : *value;
  });
  EXPECT_EQ(seen["retained/room.1"], "v999");
  EXPECT_EQ(seen["session/room.1"], "other space");
  EXPECT_EQ(seen["retained/room.2"], "<erase>");
}

TEST(DataStoreTest, CreatesTheDirectoryPrivateAndRoundTripsPutsAndErases) {
  TempDir dir;
  {
    DataStore store(dir.path());
    struct stat info {};
    ASSERT_EQ(::stat(dir.path().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    EXPECT_TRUE(contents(store, "retained").empty());
    WriteBatch batch;
    batch.put("retained", "a.b", std::string("\0one", 4));
    batch.put("retained", "a.c", std::string("\0two", 4));
    batch.put("queued", "client\x01\x02", "blob");
    store.apply(batch);
    batch.clear();
    batch.erase("retained", "a.c");
    batch.erase("retained", "never.there");
    store.apply(batch);
    store.sync();
  }
  DataStore store(dir.path());
  auto retained = contents(store, "retained");
  ASSERT_EQ(retained.size(), 1u);
  EXPECT_EQ(retained["a.b"], std::string("\0one", 4));
  EXPECT_EQ(contents(store, "queued")["client\x01\x02"], "blob");
}

TEST(DataStoreTest, GrowsTheMapInsteadOfFailingWhenItFills) {
  TempDir dir;
  {
    DataStore store(dir.path(), 1 << 20);  // a 1 MiB map
    WriteBatch batch;
    std::string big(64 << 10, 'x');
    // 4.7 MiB in three batches: past the map twice.
    for (int round = 0; round < 3; ++round) {
      batch.clear();
      for (int i = 0; i < 25; ++i) batch.put("retained", "k" + std::to_string(round * 25 + i), big);
      store.apply(batch);
    }
  }
  DataStore store(dir.path());
  EXPECT_EQ(contents(store, "retained").size(), 75u);
}

TEST(DataStoreTest, ASecondOpenInThisProcessIsLocked) {
  TempDir dir;
  DataStore first(dir.path());
  EXPECT_EQ(openError(dir.path()), "data directory " + dir.path() + " is locked by another process");
}

TEST(DataStoreTest, AnotherProcessIsLockedOutAndGetsInOnceItIsClosed) {
  TempDir dir;
  auto child = [&] {
    std::string error = openError(dir.path());
    if (error.empty()) return 0;
    return error.find("is locked by another process") != std::string::npos ? 10 : 20;
  };
  {
    DataStore first(dir.path());
    EXPECT_EQ(inChild(child), 10);
  }
  EXPECT_EQ(inChild(child), 0);
}

TEST(DataStoreTest, GarbageOverTheDataFileIsACorruptStoreAndIsLeftAsItIs) {
  TempDir dir;
  { DataStore store(dir.path()); }
  std::string file = dir.path() + "/data.mdb";
  std::string garbage(std::filesystem::file_size(file), '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 7919 + 13) & 0xff);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << garbage;
  EXPECT_EQ(openError(dir.path()), file + " is corrupt: not an LMDB file");
  std::ifstream in(file, std::ios::binary);
  std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(after, garbage);
}

// Rewrites the format record with raw LMDB, as another version would.
void writeFormat(const std::string& directory, std::string_view format) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  mdb_env_set_maxdbs(env, 4);
  ASSERT_EQ(mdb_env_open(env, directory.c_str(), 0, 0600), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi meta = 0;
  ASSERT_EQ(mdb_dbi_open(txn, "meta", 0, &meta), 0);
  MDB_val key{6, const_cast<char*>("format")};
  MDB_val value{format.size(), const_cast<char*>(format.data())};
  ASSERT_EQ(mdb_put(txn, meta, &key, &value, 0), 0);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

TEST(DataStoreTest, AnotherFormatVersionIsRefused) {
  TempDir dir;
  { DataStore store(dir.path()); }
  writeFormat(dir.path(), "linecast-store 99");
  EXPECT_EQ(openError(dir.path()), dir.path() + "/data.mdb holds store format 'linecast-store 99'; "
                                                "this linecast reads 'linecast-store 1'");
}

TEST(DataStoreTest, AnUnreadableDirectoryIsAClearError) {
  TempDir dir;
  { DataStore store(dir.path()); }
  ASSERT_EQ(::chmod(dir.path().c_str(), 0), 0);
  // As root, permissions do not stop us: the child drops to nobody first.
  int status = inChild([&] {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) return 30;
    std::string error = openError(dir.path());
    return error.starts_with("cannot open data directory " + dir.path() + ": Permission denied") ? 10 : 20;
  });
  EXPECT_EQ(status, 10);
}

TEST(DataStoreTest, AFileWhereTheDirectoryShouldBeIsAClearError) {
  TempDir dir;
  std::ofstream(dir.path()) << "not a directory";
  EXPECT_EQ(openError(dir.path()), "data directory " + dir.path() + " is not a directory");
  std::filesystem::remove(dir.path());
}

TEST(StoreWriterTest, AppliesStagedWritesCoalescedAndSyncsUnderAlways) {
  TempDir dir;
  {
    StoreWriter writer(std::make_unique<DataStore>(dir.path()), FsyncPolicy::kAlways);
    StoreTurn turn(&writer);
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(turn.put("retained", "hot", "v" + std::to_string(i)));
    EXPECT_TRUE(turn.put("session", "client-1", "subscriptions"));
    EXPECT_EQ(writer.waiting(), 2u);
    turn.finish();  // waits: under always the batch is applied and synced
    EXPECT_EQ(writer.durable(), writer.staged());
    EXPECT_EQ(writer.writes(), 2u);
    EXPECT_GE(writer.syncs(), 1u);
    EXPECT_TRUE(turn.erase("session", "client-1"));
    turn.finish();
    EXPECT_EQ(writer.writes(), 3u);
    // The store's own space and over-long keys are refused, nothing staged.
    EXPECT_FALSE(turn.put("meta", "format", "x"));
    EXPECT_FALSE(turn.put("retained", std::string(DataStore::kMaxKeySize + 1, 'k'), "x"));
    EXPECT_FALSE(turn.put("", "k", "x"));
  }
  DataStore store(dir.path());
  EXPECT_EQ(contents(store, "retained")["hot"], "v999");
  EXPECT_TRUE(contents(store, "session").empty());
}

// A change an external source holds is pulled into the batch whose ticket
// covers it: once waitDurable returns for that ticket, it has been applied.
TEST(StoreWriterTest, AnExternalSourceIsPulledIntoTheBatchItsTicketCovers) {
  TempDir dir;
  {
    StoreWriter writer(std::make_unique<DataStore>(dir.path()), FsyncPolicy::kAlways);
    std::mutex mutex;
    std::vector<std::string> held;  // what the source has not handed over yet
    writer.setExternalSource([&](WriteBatch& batch) {
      std::lock_guard<std::mutex> lock(mutex);
      for (const std::string& key : held) batch.put("retained", key, "external");
      held.clear();
    });
    for (int i = 0; i < 50; ++i) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        held.push_back("k" + std::to_string(i));
        writer.noteExternal();
      }
      writer.put("session", "s" + std::to_string(i), "staged");
      writer.waitDurable(writer.staged());
      ASSERT_EQ(writer.writes(), 2u * static_cast<unsigned>(i + 1));
    }
    writer.setExternalSource(nullptr);
  }
  DataStore store(dir.path());
  EXPECT_EQ(contents(store, "retained").size(), 50u);
  EXPECT_EQ(contents(store, "retained")["k49"], "external");
  EXPECT_EQ(contents(store, "session").size(), 50u);
}

// The RetainedStore's changes not yet pulled when its journal goes are
// staged then, and written when the writer closes.
TEST(RetainedPersistenceTest, ChangesNotPulledYetAreWrittenWhenItCloses) {
  TempDir dir;
  {
    StoreWriter writer(std::make_unique<DataStore>(dir.path()), FsyncPolicy::kEverySec);
    RetainedStore retained;
    {
      RetainedPersistence journal(writer, retained);
      for (int i = 0; i < 100; ++i) retained.retain("c." + std::to_string(i % 10), "v" + std::to_string(i));
      retained.clear("c.3");
    }
    retained.retain("c.0", "after the journal went: not written");
  }
  DataStore store(dir.path());
  auto all = contents(store, "retained");
  EXPECT_EQ(all.size(), 9u);
  EXPECT_EQ(all["c.0"], std::string("\1v90", 4));
  EXPECT_EQ(all["c.9"], std::string("\1v99", 4));
  EXPECT_EQ(all.count("c.3"), 0u);
}

TEST(StoreWriterTest, EverySecCommitsWithoutASyncAndTheCloseSyncs) {
  TempDir dir;
  {
    StoreWriter writer(std::make_unique<DataStore>(dir.path()), FsyncPolicy::kEverySec);
    writer.put("retained", "a", "1");
    writer.waitDurable(writer.staged());  // committed
    EXPECT_EQ(writer.syncs(), 0u);
    writer.put("retained", "b", "2");  // staged only: the close applies it
  }
  DataStore store(dir.path());
  EXPECT_EQ(contents(store, "retained").size(), 2u);
}

TEST(StoreWriterTest, EverySecSyncsWithinAboutASecond) {
  TempDir dir;
  StoreWriter writer(std::make_unique<DataStore>(dir.path()), FsyncPolicy::kEverySec);
  writer.put("retained", "a", "1");
  writer.waitDurable(writer.staged());
  for (int i = 0; i < 40 && writer.syncs() == 0; ++i) ::usleep(50'000);
  EXPECT_EQ(writer.syncs(), 1u);
}

TEST(RetainedPersistenceTest, JournalsRetainedChangesAndLoadsThemBack) {
  TempDir dir;
  {
    StoreWriter writer(std::make_unique<DataStore>(dir.path()), FsyncPolicy::kNo);
    RetainedStore retained;
    RetainedPersistence journal(writer, retained);
    retained.retain("a.b", "first");
    retained.retain("a.b", "second");
    retained.retain("a.c", "kept", 2);
    retained.retain("a.d", "dropped");
    retained.clear("a.d");
    retained.retain("a.e", "emptied");
    retained.retain("a.e", "");
  }
  DataStore store(dir.path());
  // The first byte is the QoS: 1 for a message from another protocol than
  // MQTT, MQTT's own otherwise.
  EXPECT_EQ(contents(store, "retained")["a.b"], std::string("\1second", 7));
  EXPECT_EQ(contents(store, "retained")["a.c"], std::string("\2kept", 5));
  RetainedStore loaded;
  EXPECT_EQ(RetainedPersistence::load(store, loaded), 2u);
  EXPECT_EQ(loaded.find("a.b"), "second");
  EXPECT_EQ(loaded.find("a.c"), "kept");
  EXPECT_FALSE(loaded.find("a.d"));
  std::string_view pattern = "a.*";
  std::vector<std::uint8_t> qos;
  loaded.forEachMatch(std::span(&pattern, 1), [&](std::string_view, std::string_view, std::uint8_t q) {
    qos.push_back(q);
    return true;
  });
  EXPECT_EQ(qos, (std::vector<std::uint8_t>{1, 2}));
}

TEST(RetainedPersistenceTest, MoreThanTheLimitsAllowRefusesToLoad) {
  TempDir dir;
  {
    DataStore store(dir.path());
    WriteBatch batch;
    for (int i = 0; i < 3; ++i) batch.put("retained", "c." + std::to_string(i), std::string("\0p", 2));
    store.apply(batch);
  }
  DataStore store(dir.path());
  RetainedStore small(RetainedLimits{2, 1024});
  try {
    RetainedPersistence::load(store, small);
    ADD_FAILURE() << "loaded over the limit";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("more retained messages than --max-retained 2"), std::string::npos)
        << e.what();
  }
}

TEST(RetainedPersistenceTest, AMalformedRecordIsCorrupt) {
  TempDir dir;
  {
    DataStore store(dir.path());
    WriteBatch batch;
    batch.put("retained", "bad channel with spaces", std::string("\0p", 2));
    store.apply(batch);
  }
  DataStore store(dir.path());
  RetainedStore retained;
  EXPECT_THROW(RetainedPersistence::load(store, retained), StoreError);
}

}  // namespace
}  // namespace linecast
