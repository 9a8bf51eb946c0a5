#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace linecast {

struct MqttSessionState;

// One session subscribed to a filter, at the QoS granted. `slot` is the
// filter's place in that session's MqttSessionFilters (in what was padding:
// still 16 bytes), so removing it there needs no search.
struct MqttSubscriber {
  MqttSessionState* state;
  std::uint8_t qos;
  std::uint32_t slot = 0;
};

// The sessions subscribed to one exact MQTT filter (MqttIndex). Most filters
// have one subscriber (a device's own topic), held inline; a second one
// moves them all to a heap array. 24 bytes, as the std::vector it replaces,
// without that vector's 32-byte chunk per filter (issue 14). Not on a
// publish's path beyond iteration; a change is a SUBSCRIBE or UNSUBSCRIBE.
class MqttFilterSubscribers {
 public:
  MqttFilterSubscribers() : one_{} {}
  ~MqttFilterSubscribers() { release(); }
  MqttFilterSubscribers(const MqttFilterSubscribers&) = delete;
  MqttFilterSubscribers& operator=(const MqttFilterSubscribers&) = delete;
  MqttFilterSubscribers(MqttFilterSubscribers&& other) noexcept : size_(other.size_), capacity_(other.capacity_) {
    if (other.onHeap()) {
      heap_ = other.heap_;
    } else {
      one_ = other.one_;
    }
    other.size_ = other.capacity_ = 0;
  }
  MqttFilterSubscribers& operator=(MqttFilterSubscribers&&) = delete;

  MqttSubscriber* begin() { return onHeap() ? heap_ : &one_; }
  MqttSubscriber* end() { return begin() + size_; }
  const MqttSubscriber* begin() const { return onHeap() ? heap_ : &one_; }
  const MqttSubscriber* end() const { return begin() + size_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  void push_back(MqttSubscriber subscriber) {
    if (size_ == 0 && !onHeap()) {
      one_ = subscriber;
      size_ = 1;
      return;
    }
    if (size_ == capacity()) grow();
    heap_[size_++] = subscriber;
  }

  // Keeps the order of the others; back to the inline slot at one left.
  void erase(MqttSubscriber* at) {
    std::move(at + 1, end(), at);
    --size_;
    if (onHeap() && size_ <= 1) {
      MqttSubscriber last = size_ == 1 ? heap_[0] : MqttSubscriber{};
      release();
      one_ = last;
    }
  }

 private:
  bool onHeap() const { return capacity_ > 1; }
  std::uint32_t capacity() const { return onHeap() ? capacity_ : 1; }
  void grow() {
    std::uint32_t bigger = capacity() * 2;
    auto* moved = new MqttSubscriber[bigger];
    std::copy(begin(), end(), moved);
    if (onHeap()) delete[] heap_;
    heap_ = moved;
    capacity_ = bigger;
  }
  void release() {
    if (onHeap()) delete[] heap_;
    capacity_ = 0;
  }

  union {
    MqttSubscriber one_;     // capacity_ <= 1
    MqttSubscriber* heap_;   // capacity_ > 1: capacity_ entries
  };
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = 0;
};

}  // namespace linecast
