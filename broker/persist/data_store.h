#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "persist/write_batch.h"

struct MDB_env;

namespace linecast {

// Why a data directory cannot be used: one line that names the directory
// or file. The server stops on it; it never starts empty instead.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The --data-dir store: one LMDB environment (DIR/data.mdb, DIR/lock.mdb)
// with a named database per space, plus DIR/lock, which this process holds
// with flock(2) for as long as the store is open, so a second linecast on
// the same directory stops at once (LMDB's own lock file only orders
// readers and the writer; it does not keep a second writer process out).
//
// A "meta" database holds our format version; a store written by another
// format, a file that is not LMDB, or a page LMDB finds corrupt is a
// StoreError.
//
// Not thread-safe: the StoreWriter's thread calls apply() and sync(); each
// forEach() runs before it starts.
class DataStore {
 public:
  static constexpr std::string_view kEngine = "LMDB";
  static constexpr std::string_view kFormat = "linecast-store 1";
  // LMDB's longest key (its default build); the StoreWriter refuses longer.
  static constexpr std::size_t kMaxKeySize = 511;
  // Our own records; not a space the StoreWriter writes.
  static constexpr std::string_view kMetaSpace = "meta";
  using Visit = std::function<void(std::string_view key, std::string_view value)>;

  // The memory map LMDB starts with; a write that fills it doubles it.
  static constexpr std::size_t kFirstMapSize = std::size_t{256} << 20;

  // Creates the directory (0700) if it is missing. Throws StoreError.
  explicit DataStore(std::string directory, std::size_t mapSize = kFirstMapSize);
  ~DataStore();
  DataStore(const DataStore&) = delete;
  DataStore& operator=(const DataStore&) = delete;

  // Every (key, value) of a space, in key order; a space never written is
  // empty. Throws StoreError (a corrupt page).
  void forEach(std::string_view space, const Visit& visit);
  // The batch as one transaction, committed (forced to the disk only by
  // sync()). Throws StoreError.
  void apply(const WriteBatch& batch);
  // Forces what is committed to the disk (fdatasync). Throws StoreError.
  void sync();

  const std::string& directory() const { return directory_; }
  std::string dataFile() const { return directory_ + "/data.mdb"; }

 private:
  unsigned spaceHandle(void* txn, std::string_view space, bool create);
  void checkFormat();
  bool applyOnce(const WriteBatch& batch);  // false: the map is full, nothing written
  void grow();

  std::string directory_;
  int lockFd_ = -1;
  MDB_env* env_ = nullptr;
  std::size_t mapSize_;
};

}  // namespace linecast
