#include "net/connection_table.h"

#include <utility>

namespace linecast {
namespace {

constexpr std::size_t kFirstSize = 16;

}  // namespace

Connection* ConnectionTable::find(std::uint64_t id) const {
  if (slots_.empty()) return nullptr;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(id);; i = (i + 1) & mask) {
    Connection* conn = slots_[i].get();
    if (conn == nullptr) return nullptr;
    if (conn->id() == id) return conn;
  }
}

void ConnectionTable::insert(std::unique_ptr<Connection> conn) {
  // At most 3/4 full, so a probe always meets an empty slot.
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home(conn->id());
  while (slots_[i]) i = (i + 1) & mask;
  slots_[i] = std::move(conn);
  ++size_;
}

void ConnectionTable::erase(std::uint64_t id) {
  if (slots_.empty()) return;
  const std::size_t mask = slots_.size() - 1;
  std::size_t hole = home(id);
  while (slots_[hole] && slots_[hole]->id() != id) hole = (hole + 1) & mask;
  if (!slots_[hole]) return;
  // Destroyed after the table is whole again.
  std::unique_ptr<Connection> gone = std::move(slots_[hole]);
  --size_;
  // Backward shift: an entry after the hole moves into it unless its home
  // lies cyclically in (hole, its slot], where a lookup still finds it.
  for (std::size_t i = (hole + 1) & mask; slots_[i]; i = (i + 1) & mask) {
    std::size_t want = home(slots_[i]->id());
    bool reachable = hole <= i ? (hole < want && want <= i) : (hole < want || want <= i);
    if (!reachable) {
      slots_[hole] = std::move(slots_[i]);
      hole = i;
    }
  }
}

void ConnectionTable::clear() {
  std::vector<std::unique_ptr<Connection>> gone = std::move(slots_);
  slots_.clear();
  size_ = 0;
  shift_ = 64;
  gone.clear();  // destroys each connection, with the table already empty
}

void ConnectionTable::grow() {
  std::vector<std::unique_ptr<Connection>> old = std::move(slots_);
  std::size_t size = old.empty() ? kFirstSize : old.size() * 2;
  slots_ = std::vector<std::unique_ptr<Connection>>(size);
  shift_ = 64;
  for (std::size_t s = size; s > 1; s >>= 1) --shift_;
  const std::size_t mask = size - 1;
  for (std::unique_ptr<Connection>& conn : old) {
    if (!conn) continue;
    std::size_t i = home(conn->id());
    while (slots_[i]) i = (i + 1) & mask;
    slots_[i] = std::move(conn);
  }
}

}  // namespace linecast
