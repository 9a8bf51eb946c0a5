#include "net/ring_buffer.h"

#include <bit>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace linecast {

RingBuffer::~RingBuffer() {
  ::operator delete(data_);
  if (pinned_ != data_) ::operator delete(pinned_);
}

void RingBuffer::freeBlock(char* block) const {
  if (block != pinned_) ::operator delete(block);
}

void RingBuffer::unpin() {
  if (pinned_ != data_) ::operator delete(pinned_);
  pinned_ = nullptr;
}

RingBuffer::RingBuffer(RingBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      pinned_(std::exchange(other.pinned_, nullptr)),
      capacity_(std::exchange(other.capacity_, 0)),
      head_(std::exchange(other.head_, 0)),
      tail_(std::exchange(other.tail_, 0)) {}

RingBuffer& RingBuffer::operator=(RingBuffer&& other) noexcept {
  if (this != &other) {
    ::operator delete(data_);
    if (pinned_ != data_) ::operator delete(pinned_);
    data_ = std::exchange(other.data_, nullptr);
    pinned_ = std::exchange(other.pinned_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
    head_ = std::exchange(other.head_, 0);
    tail_ = std::exchange(other.tail_, 0);
  }
  return *this;
}

bool RingBuffer::reserve(std::size_t n, std::size_t maxCapacity) {
  std::size_t need = size() + n;
  if (need <= capacity_) return true;
  if (need > maxCapacity) return false;
  std::size_t newCapacity = std::bit_ceil(std::max<std::size_t>(need, kMinCapacity));
  regrow(newCapacity);
  return true;
}

void RingBuffer::regrow(std::size_t newCapacity) {
  assert(std::has_single_bit(newCapacity) && newCapacity >= size());
  // operator new rather than malloc, so the hot-path test that replaces it
  // sees ring growth too.
  char* fresh = static_cast<char*>(::operator new(newCapacity));
  std::size_t n = size();
  if (n > 0) copyOut(0, n, fresh);
  freeBlock(data_);
  data_ = fresh;
  capacity_ = newCapacity;
  head_ = 0;
  tail_ = n;
}

void RingBuffer::append(std::string_view bytes) {
  if (bytes.empty()) return;  // data() may be null, which memcpy must not see
  assert(bytes.size() <= freeSpace());
  std::size_t pos = tail_ & (capacity_ - 1);
  std::size_t first = std::min(bytes.size(), capacity_ - pos);
  std::memcpy(data_ + pos, bytes.data(), first);
  std::memcpy(data_, bytes.data() + first, bytes.size() - first);
  tail_ += bytes.size();
}

std::array<std::span<char>, 2> RingBuffer::writableSpans() {
  if (capacity_ == 0) return {};
  std::size_t free = freeSpace();
  std::size_t pos = tail_ & (capacity_ - 1);
  std::size_t first = std::min(free, capacity_ - pos);
  return {std::span<char>(data_ + pos, first), std::span<char>(data_, free - first)};
}

std::array<std::span<const char>, 2> RingBuffer::readableSpans() const {
  if (capacity_ == 0) return {};
  std::size_t n = size();
  std::size_t pos = head_ & (capacity_ - 1);
  std::size_t first = std::min(n, capacity_ - pos);
  return {std::span<const char>(data_ + pos, first), std::span<const char>(data_, n - first)};
}

void RingBuffer::copyOut(std::size_t offset, std::size_t len, char* out) const {
  if (len == 0) return;
  assert(offset + len <= size());
  std::size_t pos = (head_ + offset) & (capacity_ - 1);
  std::size_t first = std::min(len, capacity_ - pos);
  std::memcpy(out, data_ + pos, first);
  std::memcpy(out + first, data_, len - first);
}

void RingBuffer::consume(std::size_t n) {
  assert(n <= size());
  head_ += n;
  if (head_ == tail_) head_ = tail_ = 0;  // keeps the next append contiguous
}

bool RingBuffer::releaseIfEmpty() {
  if (!empty() || data_ == nullptr) return false;
  freeBlock(data_);
  data_ = nullptr;
  capacity_ = 0;
  head_ = tail_ = 0;
  return true;
}

}  // namespace linecast
