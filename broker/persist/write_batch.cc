#include "persist/write_batch.h"

namespace linecast {

WriteBatch::Entry& WriteBatch::entryFor(std::string_view space, std::string_view key) {
  composite_.assign(space);
  composite_ += '\0';
  composite_.append(key);
  auto it = entries_.find(composite_);
  if (it == entries_.end()) it = entries_.emplace(composite_, Entry{}).first;
  it->second.spaceLength = space.size();
  return it->second;
}

void WriteBatch::put(std::string_view space, std::string_view key, std::string_view value) {
  Entry& entry = entryFor(space, key);
  entry.erase = false;
  entry.value.assign(value);
}

void WriteBatch::erase(std::string_view space, std::string_view key) {
  Entry& entry = entryFor(space, key);
  entry.erase = true;
  std::string().swap(entry.value);
}

void WriteBatch::forEach(const Visit& visit) const {
  for (const auto& [composite, entry] : entries_) {
    std::string_view whole = composite;
    visit(whole.substr(0, entry.spaceLength), whole.substr(entry.spaceLength + 1),
          entry.erase ? nullptr : &entry.value);
  }
}

}  // namespace linecast
