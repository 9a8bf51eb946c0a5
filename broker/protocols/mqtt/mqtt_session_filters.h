#pragma once

#include <algorithm>
#include <cstdint>
#include <new>
#include <string>
#include <utility>

#include "protocols/mqtt/mqtt_filter_subscribers.h"

namespace linecast {

// One MQTT filter in the MqttIndex: its text and its subscribers. A node of
// one of the index's hash maps, so its address stays put while it is held
// (a rehash moves no node).
using MqttFilterRecord = std::pair<const std::string, MqttFilterSubscribers>;

// The filters one session is subscribed to, as pointers to the index's
// records: the filter's text is held once, by the index (the session's
// std::map of filter -> QoS held a second copy: an 80-byte chunk per
// filter; docs/notes-mqtt-compact.md). One word: null, one record (most
// sessions: a device's own topic), or a tagged pointer to a heap array of
// more. Unordered: each of the session's entries in a record's subscribers
// keeps its slot here (MqttSubscriber::slot), so a removal is O(1) here
// (the last one moves into the hole) and a SUBSCRIBE or UNSUBSCRIBE never
// walks the session's filters, however many it holds (MQTT has no limit).
class MqttSessionFilters {
 public:
  MqttSessionFilters() = default;
  ~MqttSessionFilters() { releaseHeap(); }
  MqttSessionFilters(const MqttSessionFilters&) = delete;
  MqttSessionFilters& operator=(const MqttSessionFilters&) = delete;

  bool empty() const { return word_ == 0; }
  std::uint32_t size() const {
    if (word_ == 0) return 0;
    return onHeap() ? heap()->size : 1;
  }
  MqttFilterRecord* operator[](std::uint32_t slot) const {
    return onHeap() ? items(heap())[slot] : reinterpret_cast<MqttFilterRecord*>(word_);
  }

  // Appends the record; returns its slot.
  std::uint32_t add(MqttFilterRecord* record) {
    if (word_ == 0) {
      word_ = reinterpret_cast<std::uintptr_t>(record);
      return 0;
    }
    if (!onHeap()) {
      Heap* made = allocate(4);
      items(made)[0] = reinterpret_cast<MqttFilterRecord*>(word_);
      made->size = 1;
      word_ = reinterpret_cast<std::uintptr_t>(made) | kHeapTag;
    } else if (heap()->size == heap()->capacity) {
      Heap* old = heap();
      Heap* made = allocate(old->capacity * 2);
      std::copy(items(old), items(old) + old->size, items(made));
      made->size = old->size;
      ::operator delete(old);
      word_ = reinterpret_cast<std::uintptr_t>(made) | kHeapTag;
    }
    Heap* h = heap();
    items(h)[h->size] = record;
    return h->size++;
  }

  // Removes the record at `slot`. The last one moves into the hole: it is
  // returned (its slot is now `slot`), or null if none moved. Back to the
  // inline word at one left (then at slot 0).
  MqttFilterRecord* removeAt(std::uint32_t slot) {
    if (!onHeap()) {
      word_ = 0;
      return nullptr;
    }
    Heap* h = heap();
    std::uint32_t last = --h->size;
    MqttFilterRecord* moved = nullptr;
    if (slot != last) moved = items(h)[slot] = items(h)[last];
    if (h->size == 1) {
      MqttFilterRecord* one = items(h)[0];
      ::operator delete(h);
      word_ = reinterpret_cast<std::uintptr_t>(one);
    }
    return moved;
  }

 private:
  // The heap array's header; `capacity` record pointers follow it.
  struct Heap {
    std::uint32_t size;
    std::uint32_t capacity;
  };
  static constexpr std::uintptr_t kHeapTag = 1;  // records are 8-aligned: bit 0 is free

  bool onHeap() const { return (word_ & kHeapTag) != 0; }
  Heap* heap() const { return reinterpret_cast<Heap*>(word_ & ~kHeapTag); }
  static MqttFilterRecord** items(Heap* h) { return reinterpret_cast<MqttFilterRecord**>(h + 1); }
  static Heap* allocate(std::uint32_t capacity) {
    void* raw = ::operator new(sizeof(Heap) + capacity * sizeof(MqttFilterRecord*));
    return new (raw) Heap{0, capacity};
  }
  void releaseHeap() {
    if (onHeap()) ::operator delete(heap());
    word_ = 0;
  }

  std::uintptr_t word_ = 0;
};

}  // namespace linecast
