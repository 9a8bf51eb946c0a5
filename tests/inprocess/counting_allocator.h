#pragma once

// Replaces the global operator new/delete with ones that count allocations
// while gCounting is set. Include from exactly one file per test binary: the
// definitions below are the program's operator new.

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace linecast::testing {

inline std::atomic<bool> gCounting{false};
inline std::atomic<std::uint64_t> gAllocations{0};

inline void* countedAlloc(std::size_t n) {
  if (gCounting.load(std::memory_order_relaxed)) gAllocations.fetch_add(1);
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace linecast::testing

void* operator new(std::size_t n) { return linecast::testing::countedAlloc(n); }
void* operator new[](std::size_t n) { return linecast::testing::countedAlloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
