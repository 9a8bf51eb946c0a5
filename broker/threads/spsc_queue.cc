#include "threads/spsc_queue.h"

#include <bit>
#include <cassert>
#include <new>

namespace linecast {

SpscByteQueue::SpscByteQueue(std::size_t capacity)
    : data_(static_cast<char*>(::operator new(capacity))), capacity_(capacity) {
  assert(std::has_single_bit(capacity));
}

SpscByteQueue::~SpscByteQueue() { ::operator delete(data_); }

char* SpscByteQueue::reserve(std::size_t n) {
  std::size_t tail = tail_.load(std::memory_order_relaxed);
  std::size_t pos = tail & (capacity_ - 1);
  if (capacity_ - pos < n) return nullptr;
  if (tail + n - headSeen_ > capacity_) {
    headSeen_ = head_.load(std::memory_order_acquire);
    if (tail + n - headSeen_ > capacity_) return nullptr;
  }
  return data_ + pos;
}

std::span<const char> SpscByteQueue::readable() {
  std::size_t head = head_.load(std::memory_order_relaxed);
  if (head == tailSeen_) {
    tailSeen_ = tail_.load(std::memory_order_acquire);
    if (head == tailSeen_) return {};
  }
  std::size_t pos = head & (capacity_ - 1);
  std::size_t n = tailSeen_ - head;
  if (n > capacity_ - pos) n = capacity_ - pos;
  return {data_ + pos, n};
}

}  // namespace linecast
