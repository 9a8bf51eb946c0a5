#include "persist/data_store.h"

#include <fcntl.h>
#include <lmdb.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <filesystem>

#include <fmt/format.h>

namespace linecast {
namespace {

constexpr unsigned kMaxSpaces = 64;
constexpr std::string_view kFormatKey = "format";

MDB_val valueOf(std::string_view text) {
  return MDB_val{text.size(), const_cast<char*>(text.data())};
}

std::string_view viewOf(const MDB_val& value) {
  return value.mv_size == 0 ? std::string_view() : std::string_view(static_cast<const char*>(value.mv_data), value.mv_size);
}

// A read or write transaction, aborted unless committed.
class Transaction {
 public:
  Transaction(MDB_env* env, bool readOnly, const std::string& file) : file_(file) {
    if (int rc = mdb_txn_begin(env, nullptr, readOnly ? MDB_RDONLY : 0, &txn_); rc != 0) fail(rc, "begin");
  }
  ~Transaction() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  MDB_txn* get() const { return txn_; }
  // Returns the code of a full map (the caller grows it and retries).
  int commit() {
    int rc = mdb_txn_commit(txn_);
    txn_ = nullptr;
    if (rc != 0 && rc != MDB_MAP_FULL) fail(rc, "commit");
    return rc;
  }
  [[noreturn]] void fail(int rc, std::string_view what) const {
    if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID) {
      throw StoreError(fmt::format("{} is corrupt ({}: {})", file_, what, mdb_strerror(rc)));
    }
    throw StoreError(fmt::format("{}: {}: {}", file_, what, mdb_strerror(rc)));
  }

 private:
  MDB_txn* txn_ = nullptr;
  const std::string& file_;
};

void prepareDirectory(const std::string& directory) {
  struct stat info {};
  if (::stat(directory.c_str(), &info) != 0) {
    if (errno != ENOENT) {
      throw StoreError(fmt::format("cannot open data directory {}: {}", directory, std::strerror(errno)));
    }
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec || ::chmod(directory.c_str(), 0700) != 0) {
      throw StoreError(fmt::format("cannot create data directory {}: {}", directory,
                                   ec ? ec.message() : std::strerror(errno)));
    }
  } else if (!S_ISDIR(info.st_mode)) {
    throw StoreError(fmt::format("data directory {} is not a directory", directory));
  }
}

}  // namespace

DataStore::DataStore(std::string directory, std::size_t mapSize)
    : directory_(std::move(directory)), mapSize_(mapSize) {
  prepareDirectory(directory_);
  std::string lockPath = directory_ + "/lock";
  lockFd_ = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lockFd_ < 0) {
    throw StoreError(fmt::format("cannot open data directory {}: {} ({})", directory_, std::strerror(errno), lockPath));
  }
  // flock belongs to this open file description: a second open of the same
  // directory, in this process or another, fails here.
  if (::flock(lockFd_, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    ::close(lockFd_);
    if (error == EWOULDBLOCK) throw StoreError(fmt::format("data directory {} is locked by another process", directory_));
    throw StoreError(fmt::format("cannot lock data directory {}: {}", directory_, std::strerror(error)));
  }
  try {
    if (int rc = mdb_env_create(&env_); rc != 0) throw StoreError(fmt::format("LMDB: {}", mdb_strerror(rc)));
    mdb_env_set_maxdbs(env_, kMaxSpaces);
    mdb_env_set_mapsize(env_, mapSize_);
    // NOSYNC: commits are forced to the disk by sync(), as --fsync says.
    if (int rc = mdb_env_open(env_, directory_.c_str(), MDB_NOSYNC | MDB_NOTLS, 0600); rc != 0) {
      std::string file = dataFile();
      if (rc == MDB_INVALID) throw StoreError(fmt::format("{} is corrupt: not an LMDB file", file));
      if (rc == MDB_VERSION_MISMATCH) {
        throw StoreError(fmt::format("{} was written by another LMDB version ({})", file, mdb_strerror(rc)));
      }
      if (rc == MDB_CORRUPTED) throw StoreError(fmt::format("{} is corrupt ({})", file, mdb_strerror(rc)));
      throw StoreError(fmt::format("cannot open {}: {}", file, mdb_strerror(rc)));
    }
    MDB_envinfo info{};
    mdb_env_info(env_, &info);
    mapSize_ = info.me_mapsize;
    checkFormat();
  } catch (...) {
    if (env_ != nullptr) mdb_env_close(env_);
    ::close(lockFd_);
    throw;
  }
}

DataStore::~DataStore() {
  // A clean stop forces everything to the disk, whatever --fsync says.
  mdb_env_sync(env_, 1);
  mdb_env_close(env_);
  ::close(lockFd_);  // releases the flock
}

unsigned DataStore::spaceHandle(void* txn, std::string_view space, bool create) {
  std::string name(space);
  MDB_dbi dbi = 0;
  int rc = mdb_dbi_open(static_cast<MDB_txn*>(txn), name.c_str(), create ? MDB_CREATE : 0, &dbi);
  if (rc == MDB_NOTFOUND && !create) return 0;  // dbi 0 is the main database, never a space
  if (rc == MDB_INCOMPATIBLE) throw StoreError(fmt::format("{} is corrupt: '{}' is not a space", dataFile(), name));
  if (rc != 0) throw StoreError(fmt::format("{}: space '{}': {}", dataFile(), name, mdb_strerror(rc)));
  return dbi;
}

// A new store gets our format record; an existing one must hold exactly it.
void DataStore::checkFormat() {
  std::string file = dataFile();
  Transaction txn(env_, false, file);
  MDB_dbi meta = spaceHandle(txn.get(), DataStore::kMetaSpace, false);
  if (meta == 0) {
    MDB_stat stat{};
    mdb_stat(txn.get(), 0, &stat);
    if (stat.ms_entries != 0) throw StoreError(fmt::format("{} is not a linecast store (no format record)", file));
    meta = spaceHandle(txn.get(), DataStore::kMetaSpace, true);
    MDB_val key = valueOf(kFormatKey);
    MDB_val value = valueOf(kFormat);
    if (int rc = mdb_put(txn.get(), meta, &key, &value, 0); rc != 0) txn.fail(rc, "format record");
    txn.commit();
    sync();
    return;
  }
  MDB_val key = valueOf(kFormatKey);
  MDB_val value{};
  int rc = mdb_get(txn.get(), meta, &key, &value);
  if (rc == MDB_NOTFOUND) throw StoreError(fmt::format("{} is not a linecast store (no format record)", file));
  if (rc != 0) txn.fail(rc, "format record");
  if (viewOf(value) != kFormat) {
    throw StoreError(fmt::format("{} holds store format '{}'; this linecast reads '{}'", file, viewOf(value), kFormat));
  }
}

void DataStore::forEach(std::string_view space, const Visit& visit) {
  std::string file = dataFile();
  Transaction txn(env_, true, file);
  MDB_dbi dbi = spaceHandle(txn.get(), space, false);
  if (dbi == 0) return;
  MDB_cursor* raw = nullptr;
  if (int rc = mdb_cursor_open(txn.get(), dbi, &raw); rc != 0) txn.fail(rc, "cursor");
  // Closed however the walk ends: a visit may throw (a malformed record,
  // a store over the limits), and LMDB does not free a read-only
  // transaction's cursors with it.
  std::unique_ptr<MDB_cursor, void (*)(MDB_cursor*)> cursor(raw, mdb_cursor_close);
  MDB_val key{};
  MDB_val value{};
  int rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_FIRST);
  while (rc == 0) {
    visit(viewOf(key), viewOf(value));
    rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_NEXT);
  }
  cursor.reset();
  if (rc != MDB_NOTFOUND) txn.fail(rc, fmt::format("reading space '{}'", space));
}

void DataStore::apply(const WriteBatch& batch) {
  // A full map aborts the transaction; it is retried whole in a larger one
  // (which LMDB allows only with no transaction open).
  while (!applyOnce(batch)) grow();
}

bool DataStore::applyOnce(const WriteBatch& batch) {
  std::string file = dataFile();
  Transaction txn(env_, false, file);
  bool full = false;
  std::string_view lastSpace;
  MDB_dbi dbi = 0;
  batch.forEach([&](std::string_view space, std::string_view key, const std::string* value) {
    if (full) return;
    if (dbi == 0 || space != lastSpace) {
      dbi = spaceHandle(txn.get(), space, true);
      lastSpace = space;
    }
    MDB_val k = valueOf(key);
    int rc = 0;
    if (value == nullptr) {
      rc = mdb_del(txn.get(), dbi, &k, nullptr);
      if (rc == MDB_NOTFOUND) rc = 0;
    } else {
      MDB_val v = valueOf(*value);
      rc = mdb_put(txn.get(), dbi, &k, &v, 0);
    }
    if (rc == MDB_MAP_FULL) {
      full = true;
    } else if (rc != 0) {
      txn.fail(rc, fmt::format("writing space '{}'", space));
    }
  });
  return !full && txn.commit() == 0;
}

void DataStore::grow() {
  mapSize_ *= 2;
  if (int rc = mdb_env_set_mapsize(env_, mapSize_); rc != 0) {
    throw StoreError(fmt::format("{}: cannot grow the map to {} bytes: {}", dataFile(), mapSize_, mdb_strerror(rc)));
  }
}

void DataStore::sync() {
  if (int rc = mdb_env_sync(env_, 1); rc != 0) {
    throw StoreError(fmt::format("{}: sync: {}", dataFile(), mdb_strerror(rc)));
  }
}

}  // namespace linecast
