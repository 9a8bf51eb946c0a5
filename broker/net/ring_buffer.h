#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace linecast {

// A byte FIFO over one power-of-two block, used for a connection's input
// (bytes read, not yet parsed) and output (frames queued, not yet written).
//
//   +-----------------+=====================+-----------------+
//   |   free (wraps)  |  readable bytes     |   free          |
//   +-----------------+=====================+-----------------+
//   0                 head                  tail         capacity
//
// head and tail are free-running counters masked on use, so "full" and
// "empty" need no extra flag. The readable bytes and the free space are each
// at most two spans, which is what readv/writev take. Capacity grows by
// doubling; the caller's limit bounds the bytes held (the block is that
// rounded up to a power of two), and releaseIfEmpty() gives the block back,
// so an idle connection holds no buffer at all.
class RingBuffer {
 public:
  RingBuffer() = default;
  ~RingBuffer();
  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;
  RingBuffer(RingBuffer&& other) noexcept;
  RingBuffer& operator=(RingBuffer&& other) noexcept;

  std::size_t size() const { return tail_ - head_; }
  bool empty() const { return tail_ == head_; }
  std::size_t capacity() const { return capacity_; }
  std::size_t freeSpace() const { return capacity_ - size(); }

  static constexpr std::size_t kMinCapacity = 256;

  // Makes room for n more bytes, doubling the block. Returns false (and
  // changes nothing) when more than maxCapacity bytes would be buffered.
  bool reserve(std::size_t n, std::size_t maxCapacity);

  // Appends bytes; the caller has reserved room for them.
  void append(std::string_view bytes);
  void append(char c) {
    data_[tail_ & (capacity_ - 1)] = c;
    ++tail_;
  }

  // Where n reserved bytes can be written in one piece, or null when the
  // free space wraps there; write them, then commit(n). Small frames copied
  // straight in cost less than an append() per piece.
  char* contiguousTail(std::size_t n) {
    std::size_t pos = tail_ & (capacity_ - 1);
    return capacity_ - pos >= n ? data_ + pos : nullptr;
  }

  // The free space as up to two spans (the second is empty unless the
  // free space wraps); fill them, then commit() what was written.
  std::array<std::span<char>, 2> writableSpans();
  void commit(std::size_t n) { tail_ += n; }

  // The readable bytes as up to two spans, oldest first.
  std::array<std::span<const char>, 2> readableSpans() const;
  char at(std::size_t offset) const { return data_[(head_ + offset) & (capacity_ - 1)]; }
  // Copies len bytes starting at offset into out (which holds len bytes).
  void copyOut(std::size_t offset, std::size_t len, char* out) const;
  void consume(std::size_t n);
  void clear() { head_ = tail_ = 0; }

  // Gives the block back when nothing is buffered; returns whether it did.
  bool releaseIfEmpty();

  // An asynchronous send (the io_uring backend) reads the current block
  // until it completes: while pinned, a regrow or release keeps that block
  // alive instead of freeing it, and unpin() (or the destructor) frees it.
  void pin() {
    unpin();
    pinned_ = data_;
  }
  void unpin();

 private:
  void regrow(std::size_t newCapacity);
  void freeBlock(char* block) const;

  char* data_ = nullptr;
  char* pinned_ = nullptr;    // the block an in-flight send reads, if any
  std::size_t capacity_ = 0;  // zero or a power of two
  std::size_t head_ = 0;      // counts bytes ever consumed
  std::size_t tail_ = 0;      // counts bytes ever appended
};

}  // namespace linecast
