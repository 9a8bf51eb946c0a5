#pragma once

#include <cstdint>
#include <string_view>

#include "persist/store_writer.h"

namespace linecast {

// One reactor thread's side of the StoreWriter: the last write its turn
// staged, which the end of the turn hands off and, under --fsync always,
// waits for before the turn's replies are flushed (so a PONG, an HTTP 200
// or a PUBACK goes out only after what it acknowledges is on the disk).
// Without --data-dir there is no writer and every call is a no-op.
//
// A session stages its own records here (put, erase); a write staged
// elsewhere on this thread (the RetainedStore's journal) is marked with
// noteWrite().
class StoreTurn {
 public:
  explicit StoreTurn(StoreWriter* writer = nullptr) : writer_(writer) {}

  bool enabled() const { return writer_ != nullptr; }
  const StoreWriter* writer() const { return writer_; }
  bool put(std::string_view space, std::string_view key, std::string_view value) {
    if (writer_ == nullptr || !writer_->put(space, key, value)) return false;
    noteWrite();
    return true;
  }
  bool erase(std::string_view space, std::string_view key) {
    if (writer_ == nullptr || !writer_->erase(space, key)) return false;
    noteWrite();
    return true;
  }
  // The latest ticket is at least this thread's last write's.
  void noteWrite() {
    if (writer_ != nullptr) ticket_ = writer_->staged();
  }
  // The end of the turn, before its flush.
  void finish() {
    if (ticket_ == 0) return;
    if (writer_->policy() == FsyncPolicy::kAlways) {
      writer_->waitDurable(ticket_);
    } else {
      writer_->handOff();
    }
    ticket_ = 0;
  }

 private:
  StoreWriter* writer_;
  std::uint64_t ticket_ = 0;  // 0: nothing staged this turn
};

}  // namespace linecast
