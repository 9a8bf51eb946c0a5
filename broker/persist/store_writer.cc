#include "persist/store_writer.h"

#include <cstdlib>

#include "util/log.h"

namespace linecast {
namespace {

constexpr auto kSyncInterval = std::chrono::seconds(1);  // everysec
// Under everysec and no, the writer commits at most this often: a channel
// retained in every turn is then written once per interval, not once per
// turn, and the writer thread stays off the cores the reactors need
// (bench/README.md, "Retained writes"). A kill -9 loses at most this much
// more; under always every turn's batch is committed at once.
constexpr auto kCommitInterval = std::chrono::milliseconds(10);

}  // namespace

StoreWriter::StoreWriter(std::unique_ptr<DataStore> store, FsyncPolicy policy)
    : store_(std::move(store)), policy_(policy), lastSync_(Clock::now()), thread_([this] { run(); }) {}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool StoreWriter::acceptable(std::string_view space, std::string_view key) {
  return !space.empty() && space != DataStore::kMetaSpace && space.find('\0') == std::string_view::npos &&
         !key.empty() && key.size() <= DataStore::kMaxKeySize;
}

bool StoreWriter::put(std::string_view space, std::string_view key, std::string_view value) {
  if (!acceptable(space, key)) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  staging_.put(space, key, value);
  staged_.fetch_add(1, std::memory_order_acq_rel);
  waiting_.store(staging_.size(), std::memory_order_relaxed);
  return true;
}

bool StoreWriter::erase(std::string_view space, std::string_view key) {
  if (!acceptable(space, key)) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  staging_.erase(space, key);
  staged_.fetch_add(1, std::memory_order_acq_rel);
  waiting_.store(staging_.size(), std::memory_order_relaxed);
  return true;
}

void StoreWriter::setExternalSource(ExternalSource pull) {
  std::lock_guard<std::mutex> lock(sourceMutex_);
  source_ = std::move(pull);
}

void StoreWriter::handOff() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (wanted_) return;  // the writer has not taken the last hand-off yet
    wanted_ = true;
  }
  wake_.notify_one();
}

void StoreWriter::waitDurable(std::uint64_t ticket) {
  handOff();
  std::unique_lock<std::mutex> lock(mutex_);
  applied_.wait(lock, [&] { return durable_.load(std::memory_order_relaxed) >= ticket; });
}

void StoreWriter::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    if (!wanted_ && !stop_) {
      // Nothing handed off: sleep, under everysec until the next sync is due.
      if (policy_ == FsyncPolicy::kEverySec && unsynced_) {
        wake_.wait_until(lock, lastSync_ + kSyncInterval);
      } else {
        wake_.wait(lock);
      }
    }
    if (policy_ != FsyncPolicy::kAlways && !stop_) {
      // Let the next interval's writes coalesce (the stop cuts it short).
      wake_.wait_until(lock, lastCommit_ + kCommitInterval, [&] { return stop_; });
    }
    wanted_ = false;
    bool stopping = stop_;
    std::uint64_t ticket = staged_.load(std::memory_order_acquire);
    std::swap(staging_, applying_);
    waiting_.store(0, std::memory_order_relaxed);
    lock.unlock();
    {
      // After the ticket was read: a change whose ticket it covers is there.
      std::lock_guard<std::mutex> sourceLock(sourceMutex_);
      if (source_) source_(applying_);
    }
    if (!applying_.empty()) write(applying_);
    applying_.clear();
    if (stopping || (unsynced_ && Clock::now() - lastSync_ >= kSyncInterval && policy_ == FsyncPolicy::kEverySec)) {
      if (unsynced_) sync();
    }
    lock.lock();
    durable_.store(ticket, std::memory_order_release);
    applied_.notify_all();
    if (stopping && staging_.empty()) return;
  }
}

void StoreWriter::write(const WriteBatch& batch) {
  try {
    store_->apply(batch);
  } catch (const StoreError& e) {
    log(LogLevel::kError, "cannot write the data store, stopping: {}", e.what());
    std::_Exit(1);
  }
  lastCommit_ = Clock::now();
  writes_.fetch_add(batch.size(), std::memory_order_relaxed);
  unsynced_ = true;
  if (policy_ == FsyncPolicy::kAlways) sync();
}

void StoreWriter::sync() {
  try {
    store_->sync();
  } catch (const StoreError& e) {
    log(LogLevel::kError, "cannot sync the data store, stopping: {}", e.what());
    std::_Exit(1);
  }
  syncs_.fetch_add(1, std::memory_order_relaxed);
  unsynced_ = false;
  lastSync_ = Clock::now();
}

}  // namespace linecast
