#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "util/string_hash.h"

namespace linecast {

// Writes waiting for the data store, coalesced per key: a channel retained
// 1,000 times before the writer takes the batch is written once, with its
// last value. A key lives in a space (a name such as "retained" or
// "session"); the store keeps each space apart, so a new kind of record
// needs a new space name and nothing else.
//
// Not thread-safe: the StoreWriter guards the batch it fills.
class WriteBatch {
 public:
  // (space, key, value); a null value erases the key.
  using Visit = std::function<void(std::string_view space, std::string_view key,
                                   const std::string* value)>;

  // `space` must not contain a NUL byte (it separates space and key here).
  void put(std::string_view space, std::string_view key, std::string_view value);
  void erase(std::string_view space, std::string_view key);

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Forgets every entry (the table keeps its buckets).
  void clear() { entries_.clear(); }
  void forEach(const Visit& visit) const;

 private:
  struct Entry {
    std::size_t spaceLength = 0;  // the composite key's first bytes
    bool erase = false;
    std::string value;
  };
  Entry& entryFor(std::string_view space, std::string_view key);

  // By "space\0key".
  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries_;
  std::string composite_;  // reused to look a key up without allocating
};

}  // namespace linecast
