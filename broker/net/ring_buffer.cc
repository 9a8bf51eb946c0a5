#include "net/ring_buffer.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
#include <new>

namespace linecast {

void RingBuffer::freeBlock(Block* block) {
  // operator new/delete rather than malloc, so the hot-path test that
  // replaces them sees ring growth too.
  ::operator delete(block);
}

void RingBuffer::dropBlock(Block* block) {
  if (block == nullptr) return;
  if (block->pin == Block::Pin::kPinned) {
    block->pin = Block::Pin::kPinnedDropped;
  } else {
    freeBlock(block);
  }
}

void RingPin::reset() {
  if (block_ == nullptr) return;
  if (block_->pin == RingBuffer::Block::Pin::kPinnedDropped) {
    RingBuffer::freeBlock(block_);
  } else {
    block_->pin = RingBuffer::Block::Pin::kNone;
  }
  block_ = nullptr;
}

void RingBuffer::pin(RingPin& pin) {
  pin.reset();
  if (block_ == nullptr) return;
  block_->pin = Block::Pin::kPinned;
  pin.block_ = block_;
}

RingBuffer& RingBuffer::operator=(RingBuffer&& other) noexcept {
  if (this != &other) {
    dropBlock(block_);
    block_ = other.block_;
    other.block_ = nullptr;
  }
  return *this;
}

bool RingBuffer::reserve(std::size_t n, std::size_t maxCapacity) {
  std::size_t need = size() + n;
  if (need <= capacity()) return true;
  if (need > maxCapacity) return false;
  std::size_t newCapacity = std::bit_ceil(std::max<std::size_t>(need, kMinCapacity));
  regrow(newCapacity);
  return true;
}

void RingBuffer::regrow(std::size_t newCapacity) {
  assert(std::has_single_bit(newCapacity) && newCapacity >= size());
  auto* fresh = static_cast<Block*>(::operator new(sizeof(Block) + newCapacity));
  std::size_t n = size();
  if (n > 0) copyOut(0, n, reinterpret_cast<char*>(fresh + 1));
  *fresh = Block{newCapacity, 0, n, Block::Pin::kNone};
  dropBlock(block_);
  block_ = fresh;
}

void RingBuffer::append(std::string_view in) {
  if (in.empty()) return;  // data() may be null, which memcpy must not see
  assert(in.size() <= freeSpace());
  std::size_t capacity = block_->capacity;
  std::size_t pos = block_->tail & (capacity - 1);
  std::size_t first = std::min(in.size(), capacity - pos);
  std::memcpy(bytes() + pos, in.data(), first);
  std::memcpy(bytes(), in.data() + first, in.size() - first);
  block_->tail += in.size();
}

std::array<std::span<char>, 2> RingBuffer::writableSpans() {
  if (block_ == nullptr) return {};
  std::size_t capacity = block_->capacity;
  std::size_t free = freeSpace();
  std::size_t pos = block_->tail & (capacity - 1);
  std::size_t first = std::min(free, capacity - pos);
  return {std::span<char>(bytes() + pos, first), std::span<char>(bytes(), free - first)};
}

std::array<std::span<const char>, 2> RingBuffer::readableSpans() const {
  if (block_ == nullptr) return {};
  std::size_t capacity = block_->capacity;
  std::size_t n = size();
  std::size_t pos = block_->head & (capacity - 1);
  std::size_t first = std::min(n, capacity - pos);
  return {std::span<const char>(bytes() + pos, first), std::span<const char>(bytes(), n - first)};
}

void RingBuffer::copyOut(std::size_t offset, std::size_t len, char* out) const {
  if (len == 0) return;
  assert(offset + len <= size());
  std::size_t capacity = block_->capacity;
  std::size_t pos = (block_->head + offset) & (capacity - 1);
  std::size_t first = std::min(len, capacity - pos);
  std::memcpy(out, bytes() + pos, first);
  std::memcpy(out + first, bytes(), len - first);
}

void RingBuffer::consume(std::size_t n) {
  assert(n <= size());
  if (block_ == nullptr) return;  // n is 0
  block_->head += n;
  if (block_->head == block_->tail) block_->head = block_->tail = 0;  // keeps the next append contiguous
}

bool RingBuffer::releaseIfEmpty() {
  if (block_ == nullptr || block_->tail != block_->head) return false;
  dropBlock(block_);
  block_ = nullptr;
  return true;
}

}  // namespace linecast
