#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "net/connection.h"

namespace linecast {

// A Server's connections by id, owning them, with no heap node per
// connection (issue 14, docs/notes-mqtt-compact.md step 10): an
// open-addressing table of the owning pointers, probed linearly from a
// Fibonacci hash of the id (a thread's ids share their remainder modulo
// the thread count, so the id itself would leave slots unused), at most
// 3/4 full, power-of-two sized. A probe compares the id the Connection
// holds, so a slot is one pointer: 8 / load bytes per connection, against
// 32 for an unordered_map node plus 8 for its bucket. Erasing shifts the
// following entries back (no tombstones), so a lookup stops at the first
// empty slot.
//
// Not to be changed while forEach runs (the Server only adds in adopt and
// removes in destroy, at the end of a turn, never inside a walk).
class ConnectionTable {
 public:
  ConnectionTable() = default;
  ConnectionTable(const ConnectionTable&) = delete;
  ConnectionTable& operator=(const ConnectionTable&) = delete;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Null when no connection has that id.
  Connection* find(std::uint64_t id) const;
  // The id must not be in the table.
  void insert(std::unique_ptr<Connection> conn);
  // Destroys the connection with that id, if any.
  void erase(std::uint64_t id);
  // Destroys every connection.
  void clear();

  template <class Visit>
  void forEach(Visit&& visit) const {
    for (const std::unique_ptr<Connection>& conn : slots_) {
      if (conn) visit(*conn);
    }
  }

 private:
  std::size_t home(std::uint64_t id) const {
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  void grow();

  std::vector<std::unique_ptr<Connection>> slots_;  // empty or a power of two
  std::size_t size_ = 0;
  unsigned shift_ = 64;  // 64 - log2(slots_.size())
};

}  // namespace linecast
