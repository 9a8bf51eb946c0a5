#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <utility>

namespace linecast {

// A FIFO of T with a deque's interface (push_back, pop_front, front, back,
// random-access iterators, operator[], erase) that allocates nothing until
// its first element: libstdc++'s std::deque allocates a 512-byte block and
// its map even when empty, which an idle MQTT session paid twice (bench/
// README, "issue 14 (idle memory)").
//
//   slots: [ T ][ T ][ T ][ T ][ T ][ T ][ T ][ T ]   capacity: a power of two
//                     ^head_      size_ elements, wrapping past the end
//
// Every slot outside the live range holds a default T, so pop_front resets
// its slot (a message's strings are freed then, not at the next overwrite)
// and emplace_back hands out a fresh one. The block grows by doubling and
// is kept while the ring empties and refills (a QoS 1 window costs no
// allocation per message); it is given back once the ring empties with more
// than kKeptCapacity slots, so a burst does not pin its peak for good.
template <class T>
class LazyRing {
 public:
  static constexpr std::uint32_t kKeptCapacity = 16;

  template <bool Const>
  class Iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = std::conditional_t<Const, const T*, T*>;
    using reference = std::conditional_t<Const, const T&, T&>;
    using Ring = std::conditional_t<Const, const LazyRing, LazyRing>;

    Iterator() = default;
    Iterator(Ring* ring, std::size_t index) : ring_(ring), index_(index) {}
    // iterator -> const_iterator
    operator Iterator<true>() const
      requires(!Const)
    {
      return Iterator<true>(ring_, index_);
    }

    reference operator*() const { return (*ring_)[index_]; }
    pointer operator->() const { return &(*ring_)[index_]; }
    reference operator[](difference_type n) const { return (*ring_)[index_ + n]; }
    Iterator& operator++() { return ++index_, *this; }
    Iterator& operator--() { return --index_, *this; }
    Iterator operator++(int) { return Iterator(ring_, index_++); }
    Iterator operator--(int) { return Iterator(ring_, index_--); }
    Iterator& operator+=(difference_type n) { return index_ += n, *this; }
    Iterator& operator-=(difference_type n) { return index_ -= n, *this; }
    friend Iterator operator+(Iterator it, difference_type n) { return it += n; }
    friend Iterator operator+(difference_type n, Iterator it) { return it += n; }
    friend Iterator operator-(Iterator it, difference_type n) { return it -= n; }
    friend difference_type operator-(const Iterator& a, const Iterator& b) {
      return static_cast<difference_type>(a.index_) - static_cast<difference_type>(b.index_);
    }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.index_ == b.index_; }
    friend auto operator<=>(const Iterator& a, const Iterator& b) { return a.index_ <=> b.index_; }

    std::size_t index() const { return index_; }

   private:
    Ring* ring_ = nullptr;
    std::size_t index_ = 0;  // from the front
  };
  using iterator = Iterator<false>;
  using const_iterator = Iterator<true>;
  using value_type = T;

  LazyRing() = default;
  LazyRing(LazyRing&& other) noexcept { swap(other); }
  LazyRing& operator=(LazyRing&& other) noexcept {
    LazyRing(std::move(other)).swap(*this);
    return *this;
  }
  LazyRing(const LazyRing& other) { *this = other; }
  LazyRing& operator=(const LazyRing& other) {
    if (this == &other) return *this;
    clear();
    for (const T& value : other) push_back(value);
    return *this;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t capacity() const { return capacity_; }

  T& operator[](std::size_t i) { return slots_[(head_ + i) & (capacity_ - 1)]; }
  const T& operator[](std::size_t i) const { return slots_[(head_ + i) & (capacity_ - 1)]; }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, size_); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size_); }

  // A default T appended, to be filled in place.
  T& emplace_back() {
    if (size_ == capacity_) grow();
    ++size_;
    return back();
  }
  void push_back(T value) { emplace_back() = std::move(value); }

  void pop_front() {
    front() = T{};
    head_ = (head_ + 1) & (capacity_ - 1);
    if (--size_ == 0) emptied();
  }

  // Removes one element, moving the shorter side over it (the front one
  // in O(1), as an acknowledgement in order does). Returns the position
  // that followed it.
  iterator erase(const_iterator position) {
    std::size_t i = position.index();
    if (i < size_ / 2) {
      for (std::size_t j = i; j > 0; --j) (*this)[j] = std::move((*this)[j - 1]);
      pop_front();
    } else {
      for (std::size_t j = i; j + 1 < size_; ++j) (*this)[j] = std::move((*this)[j + 1]);
      back() = T{};
      if (--size_ == 0) emptied();
    }
    return iterator(this, i);
  }

  void clear() {
    for (std::size_t i = 0; i < size_; ++i) (*this)[i] = T{};
    size_ = 0;
    emptied();
  }

  void swap(LazyRing& other) noexcept {
    std::swap(slots_, other.slots_);
    std::swap(capacity_, other.capacity_);
    std::swap(head_, other.head_);
    std::swap(size_, other.size_);
  }

 private:
  void grow() {
    std::size_t fresh = capacity_ == 0 ? 2 : capacity_ * 2;
    auto slots = std::make_unique<T[]>(fresh);
    for (std::size_t i = 0; i < size_; ++i) slots[i] = std::move((*this)[i]);
    slots_ = std::move(slots);
    capacity_ = static_cast<std::uint32_t>(fresh);
    head_ = 0;
  }
  void emptied() {
    head_ = 0;
    if (capacity_ > kKeptCapacity) {
      slots_.reset();
      capacity_ = 0;
    }
  }

  std::unique_ptr<T[]> slots_;
  std::uint32_t capacity_ = 0;  // zero or a power of two
  std::uint32_t head_ = 0;      // the slot of the front element
  std::uint32_t size_ = 0;
};

}  // namespace linecast
