#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

namespace linecast {

// A single-producer single-consumer byte queue between two reactor threads:
// the producer reserves a contiguous run, fills it and commits; the consumer
// reads the committed bytes and releases them. Lock-free: each side owns one
// counter and reads the other's with acquire, so a committed run is visible
// whole. The head and tail live on separate cache lines, and each side keeps
// a private copy of the other's counter so the shared line is only read when
// the queue looks full or empty.
//
// Runs never wrap: reserve() returns null when the contiguous space left
// before the end is too small; the producer (Interconnect's push) then fills
// that space with a padding record, which the consumer skips, and reserves
// again from the start.
class SpscByteQueue {
 public:
  // capacity: a power of two.
  explicit SpscByteQueue(std::size_t capacity);
  ~SpscByteQueue();
  SpscByteQueue(const SpscByteQueue&) = delete;
  SpscByteQueue& operator=(const SpscByteQueue&) = delete;

  std::size_t capacity() const { return capacity_; }

  // Producer. Null when n contiguous bytes are not free.
  char* reserve(std::size_t n);
  // Makes the reserved bytes visible to the consumer.
  void commit(std::size_t n) {
    tail_.store(tail_.load(std::memory_order_relaxed) + n, std::memory_order_release);
  }
  // Bytes from the tail to the end of the block (the padding a wrap costs).
  std::size_t untilEnd() const {
    return capacity_ - (tail_.load(std::memory_order_relaxed) & (capacity_ - 1));
  }

  // Consumer: the committed bytes up to the end of the block.
  std::span<const char> readable();
  void release(std::size_t n) {
    head_.store(head_.load(std::memory_order_relaxed) + n, std::memory_order_release);
  }
  bool empty() const {
    return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire);
  }

  // The sleep/wake handshake (see Interconnect): the producer announces its
  // commits with a seq_cst read-modify-write of the tail before it reads
  // the consumer's sleeping flag; the consumer sets that flag, then reads
  // the tail seq_cst. In the single order of seq_cst operations one of them
  // sees the other, so a message is never left behind a sleeping consumer.
  // (Fences would do the same, but ThreadSanitizer does not model them.)
  void announce() { tail_.fetch_add(0, std::memory_order_seq_cst); }
  bool emptyBeforeSleep() const {
    return head_.load(std::memory_order_relaxed) == tail_.load(std::memory_order_seq_cst);
  }

 private:
  char* data_;
  std::size_t capacity_;
  alignas(64) std::atomic<std::size_t> head_{0};  // written by the consumer
  std::size_t tailSeen_ = 0;                      // consumer's copy of tail_
  alignas(64) std::atomic<std::size_t> tail_{0};  // written by the producer
  std::size_t headSeen_ = 0;                      // producer's copy of head_
};

}  // namespace linecast
