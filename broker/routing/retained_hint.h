#pragma once

#include <cstdint>

namespace linecast {

// What a caller may keep of one channel between its RETAINs (a route cache
// slot keeps one): the RetainedStore's node for it, good while the store
// has freed no node since (its generation), so a channel retained again
// and again costs no lookup (bench/README.md, "Retained writes"). Opaque
// to everyone but the store.
struct RetainedHint {
  void* node = nullptr;
  std::uint64_t generation = 0;  // the store's never is 0
};

}  // namespace linecast
