#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

#include "persist/data_store.h"
#include "persist/fsync_policy.h"
#include "persist/write_batch.h"

namespace linecast {

// The one thread that writes the DataStore, for the whole process. Reactor
// threads stage writes (put, erase: a hash-table update under a mutex, no
// syscall), and at the end of a turn that staged any they hand the batch
// over (handOff). The writer swaps the staged batch for an empty one,
// applies it as one transaction and, as --fsync says, forces it to the
// disk: after every batch (always), at most once a second (everysec, as
// Redis's appendfsync), or never itself (no). Under always, a reactor waits
// (waitDurable) before it flushes the turn's replies.
//
// Every staged write takes a ticket, in the order of the staging mutex;
// durable() is the last ticket applied (and synced, under always).
//
// A structure that keeps its own changes until the writer takes them (the
// RetainedStore: a channel's latest message, so a RETAIN costs no staging)
// is an external source: it takes a ticket per change without any lock
// (noteExternal), and the writer pulls what it holds into each batch
// (setExternalSource) after reading the batch's ticket, so whatever a
// ticket up to it covers is in that batch or an earlier one.
//
// A write the store refuses (a full disk, an I/O error) stops the process
// with the error: acknowledged writes would otherwise be lost in silence.
class StoreWriter {
 public:
  StoreWriter(std::unique_ptr<DataStore> store, FsyncPolicy policy);
  // Applies and syncs what is staged, then joins the thread.
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  // Stage a write of (space, key); false if the key is longer than the
  // store takes (DataStore::kMaxKeySize) or the space is the store's own,
  // and nothing is staged. Thread-safe.
  bool put(std::string_view space, std::string_view key, std::string_view value);
  bool erase(std::string_view space, std::string_view key);
  // The external source: `pull` is called on the writer's thread with each
  // batch (with no lock of the writer's held) to add the source's changes;
  // null detaches it, waiting for a pull under way. Its keys must pass what
  // put takes.
  using ExternalSource = std::function<void(WriteBatch& batch)>;
  void setExternalSource(ExternalSource pull);
  // A ticket for a change the external source holds. Thread-safe, no lock.
  void noteExternal() { staged_.fetch_add(1, std::memory_order_acq_rel); }

  // The ticket of the last staged write.
  std::uint64_t staged() const { return staged_.load(std::memory_order_acquire); }
  // The last ticket applied (and synced, under always).
  std::uint64_t durable() const { return durable_.load(std::memory_order_acquire); }
  // Wakes the writer for what is staged (the end of a reactor turn).
  void handOff();
  // Hands off and blocks until `ticket` is durable.
  void waitDurable(std::uint64_t ticket);

  FsyncPolicy policy() const { return policy_; }
  // Metrics: writes applied (after coalescing), syncs, writes staged now.
  std::uint64_t writes() const { return writes_.load(std::memory_order_relaxed); }
  std::uint64_t syncs() const { return syncs_.load(std::memory_order_relaxed); }
  std::size_t waiting() const { return waiting_.load(std::memory_order_relaxed); }

 private:
  using Clock = std::chrono::steady_clock;
  static bool acceptable(std::string_view space, std::string_view key);
  void run();
  // Applies one batch (and syncs as the policy says), without the lock.
  void write(const WriteBatch& batch);
  void sync();

  std::unique_ptr<DataStore> store_;
  const FsyncPolicy policy_;
  std::mutex mutex_;
  std::condition_variable wake_;     // the writer: a batch, a due sync, the stop
  std::condition_variable applied_;  // waitDurable
  WriteBatch staging_;               // guarded by mutex_
  WriteBatch applying_;              // the writer's own
  std::mutex sourceMutex_;           // held while the source is pulled or set
  ExternalSource source_;            // guarded by sourceMutex_
  bool stop_ = false;                // guarded by mutex_
  bool wanted_ = false;              // guarded by mutex_: handOff since the last swap
  bool unsynced_ = false;            // the writer's own: committed since the last sync
  Clock::time_point lastSync_;       // the writer's own
  Clock::time_point lastCommit_;     // the writer's own
  std::atomic<std::uint64_t> staged_{0};   // fetch_add: under mutex_ (put, erase) or not (noteExternal)
  std::atomic<std::uint64_t> durable_{0};  // written under mutex_
  std::atomic<std::uint64_t> writes_{0};
  std::atomic<std::uint64_t> syncs_{0};
  std::atomic<std::size_t> waiting_{0};
  std::thread thread_;  // last: started when everything above is ready
};

}  // namespace linecast
