// The --data-dir engine, LMDB or SQLite (docs/ARCHITECTURE.md,
// "Persistence"): one reactor turn's batch of 1,000 retained puts
// (channels room.<n>, a 64-byte payload behind the QoS byte), coalesced in
// a WriteBatch and committed as one transaction, without a sync (what
// --fsync everysec and no do per batch) and with one (--fsync always).
// Each iteration writes 1,000 channels of a 100,000-channel key space, so
// the tree holds about as many as --max-retained's default. The stores
// live in the working directory, on a real disk: a sync on tmpfs costs
// nothing and would flatter both.
//
//   linecast-microbench --benchmark_filter=DataStore

#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "persist/data_store.h"
#include "persist/write_batch.h"

namespace linecast {
namespace {

constexpr int kBatch = 1000;
constexpr int kKeySpace = 100'000;

std::string scratchDirectory(const char* engine) {
  auto path = std::filesystem::current_path() / ("data-store-bench-" + std::string(engine) + "-" +
                                                 std::to_string(::getpid()));
  std::filesystem::remove_all(path);
  return path.string();
}

// The turn's batch: the next 1,000 channels of the key space.
void fillBatch(WriteBatch& batch, int& next, const std::string& value) {
  batch.clear();
  for (int i = 0; i < kBatch; ++i) {
    batch.put("retained", "room." + std::to_string(next), value);
    next = (next + 1) % kKeySpace;
  }
}

// Commits the turn's batch, as many times as the benchmark asks, into the
// store `open` makes in a scratch directory.
template <class Open, class Commit>
void runBatches(benchmark::State& state, const char* engine, Open open, Commit commit) {
  std::string directory = scratchDirectory(engine);
  {
    auto store = open(directory);
    WriteBatch batch;
    std::string value(1, '\0');
    value.append(64, 'v');
    int next = 0;
    for (auto _ : state) {
      fillBatch(batch, next, value);
      commit(*store, batch);
    }
  }
  std::filesystem::remove_all(directory);
  state.SetItemsProcessed(state.iterations() * kBatch);
}

void BM_DataStoreLmdb(benchmark::State& state) {
  bool sync = state.range(0) != 0;
  runBatches(
      state, "lmdb", [](const std::string& directory) { return std::make_unique<DataStore>(directory); },
      [&](DataStore& store, const WriteBatch& batch) {
        store.apply(batch);
        if (sync) store.sync();
      });
}
BENCHMARK(BM_DataStoreLmdb)->ArgName("sync")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// SQLite as it would serve: WAL, one table per space keyed by the key
// (WITHOUT ROWID), one prepared upsert; synchronous=OFF leaves the sync to
// a later checkpoint, FULL syncs the WAL at each commit.
class SqliteStore {
 public:
  SqliteStore(const std::string& directory, bool sync) {
    std::filesystem::create_directories(directory);
    if (sqlite3_open((directory + "/data.sqlite").c_str(), &db_) != SQLITE_OK) throw std::runtime_error("open");
    exec("PRAGMA journal_mode=WAL");
    exec(sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF");
    exec("CREATE TABLE IF NOT EXISTS retained (key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID");
    if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO retained (key, value) VALUES (?1, ?2)", -1, &upsert_,
                           nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(db_));
    }
  }
  ~SqliteStore() {
    sqlite3_finalize(upsert_);
    sqlite3_close(db_);
  }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  void apply(const WriteBatch& batch) {
    exec("BEGIN");
    batch.forEach([&](std::string_view, std::string_view key, const std::string* value) {
      sqlite3_bind_blob(upsert_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
      sqlite3_bind_blob(upsert_, 2, value->data(), static_cast<int>(value->size()), SQLITE_STATIC);
      if (sqlite3_step(upsert_) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
      sqlite3_reset(upsert_);
    });
    exec("COMMIT");
  }

 private:
  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
};

void BM_DataStoreSqlite(benchmark::State& state) {
  bool sync = state.range(0) != 0;
  runBatches(
      state, "sqlite", [&](const std::string& directory) { return std::make_unique<SqliteStore>(directory, sync); },
      [](SqliteStore& store, const WriteBatch& batch) { store.apply(batch); });
}
BENCHMARK(BM_DataStoreSqlite)->ArgName("sync")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace linecast
