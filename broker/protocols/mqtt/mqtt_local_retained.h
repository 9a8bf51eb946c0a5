#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "routing/retained_store.h"

namespace linecast {

class MqttJournal;

// The retained messages of MQTT-only topics (those that are no channel:
// spaces, empty levels, '$' topics), which only MQTT clients can see, so
// the MQTT protocol keeps them on its thread without a lock. Under limits
// of their own with the values of --max-retained and --max-retained-bytes
// (topic plus payload bytes), apart from the channels' RetainedStore.
// A SUBSCRIBE walks them all: they are expected to be few. With a journal
// (--data-dir: MqttJournal), each change is written through it.
class MqttLocalRetained {
 public:
  explicit MqttLocalRetained(RetainedLimits limits) : limits_(limits) {}

  void setJournal(MqttJournal* journal) { journal_ = journal; }

  // As RetainedStore::retain: an empty payload clears.
  RetainedStore::Outcome retain(std::string_view topic, std::string_view payload, std::uint8_t qos);
  // Each retained message whose topic the filter matches.
  void forEachMatch(std::string_view filter,
                    const std::function<void(std::string_view topic, std::string_view payload, std::uint8_t qos)>& visit) const;

 private:
  RetainedLimits limits_;
  MqttJournal* journal_ = nullptr;
  struct Message {
    std::string payload;
    std::uint8_t qos = 0;
  };
  std::map<std::string, Message, std::less<>> messages_;
  std::size_t bytes_ = 0;
};

}  // namespace linecast
