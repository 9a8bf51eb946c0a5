#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace linecast {

class RingPin;

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
//
// The ring itself is one pointer: capacity, head and tail live in a header
// at the front of the heap block (issue 14: a Connection holds two rings,
// and an idle one has no block, so it pays 8 bytes per ring instead of 40;
// docs/notes-mqtt-compact.md, step 5). A null pointer is the empty ring of
// capacity 0.
class RingBuffer {
 public:
  RingBuffer() = default;
  ~RingBuffer() { dropBlock(block_); }
  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;
  RingBuffer(RingBuffer&& other) noexcept : block_(other.block_) { other.block_ = nullptr; }
  RingBuffer& operator=(RingBuffer&& other) noexcept;

  std::size_t size() const { return block_ ? block_->tail - block_->head : 0; }
  bool empty() const { return !block_ || block_->tail == block_->head; }
  std::size_t capacity() const { return block_ ? block_->capacity : 0; }
  std::size_t freeSpace() const { return block_ ? block_->capacity - (block_->tail - block_->head) : 0; }

  static constexpr std::size_t kMinCapacity = 256;

  // Makes room for n more bytes, doubling the block. Returns false (and
  // changes nothing) when more than maxCapacity bytes would be buffered.
  bool reserve(std::size_t n, std::size_t maxCapacity);

  // Appends bytes; the caller has reserved room for them.
  void append(std::string_view bytes);
  void append(char c) {
    bytes()[block_->tail & (block_->capacity - 1)] = c;
    ++block_->tail;
  }

  // queue()'s fast path in one look at the header: claims n bytes in one
  // piece, if the ring then holds at most `limit` bytes without growing,
  // and returns where to write them (already committed: fill them before
  // anything reads the ring); null otherwise (no block, full, over the
  // limit, or the free space wraps there), changing nothing.
  char* claimContiguous(std::size_t n, std::size_t limit) {
    Block* b = block_;
    if (!b) return nullptr;
    std::size_t tail = b->tail;
    std::size_t held = tail - b->head + n;
    std::size_t pos = tail & (b->capacity - 1);
    if (held > b->capacity || held > limit || b->capacity - pos < n) return nullptr;
    b->tail = tail + n;
    return reinterpret_cast<char*>(b + 1) + pos;
  }

  // The free space as up to two spans (the second is empty unless the
  // free space wraps); fill them, then commit() what was written.
  std::array<std::span<char>, 2> writableSpans();
  void commit(std::size_t n) {
    if (block_) block_->tail += n;  // no block: nothing was reserved, n is 0
  }

  // The readable bytes as up to two spans, oldest first.
  std::array<std::span<const char>, 2> readableSpans() const;
  char at(std::size_t offset) const { return bytes()[(block_->head + offset) & (block_->capacity - 1)]; }
  // Copies len bytes starting at offset into out (which holds len bytes).
  void copyOut(std::size_t offset, std::size_t len, char* out) const;
  void consume(std::size_t n);
  void clear() {
    if (block_) block_->head = block_->tail = 0;
  }

  // Gives the block back when nothing is buffered; returns whether it did.
  bool releaseIfEmpty();

  // An asynchronous send (the io_uring backend) reads the current block
  // until it completes: pin() marks it, so a regrow, a release or the
  // ring's destruction leaves a pinned block to the pin (kept beside the
  // send, e.g. in its UringSlot), which frees it when reset. A ring
  // without a block pins nothing.
  void pin(RingPin& pin);

 private:
  friend class RingPin;

  // The heap block: this header, then `capacity` bytes of data.
  struct Block {
    std::size_t capacity;  // a power of two
    std::size_t head;      // counts bytes ever consumed
    std::size_t tail;      // counts bytes ever appended
    enum class Pin : std::uint8_t { kNone, kPinned, kPinnedDropped } pin;
  };
  static_assert(sizeof(Block) % 16 == 0, "the data after the header keeps operator new's alignment");

  char* bytes() const { return reinterpret_cast<char*>(block_ + 1); }
  void regrow(std::size_t newCapacity);
  // Frees a block the ring no longer uses, unless a send reads it: then
  // the pin frees it.
  static void dropBlock(Block* block);
  static void freeBlock(Block* block);

  Block* block_ = nullptr;
};

// The block an asynchronous send reads (RingBuffer::pin); one pointer.
// reset() when the send completed: the block goes back to its ring's
// ordinary life, or is freed if the ring let go of it meanwhile. The
// destructor resets.
class RingPin {
 public:
  RingPin() = default;
  ~RingPin() { reset(); }
  RingPin(const RingPin&) = delete;
  RingPin& operator=(const RingPin&) = delete;
  void reset();

 private:
  friend class RingBuffer;
  RingBuffer::Block* block_ = nullptr;
};

}  // namespace linecast
