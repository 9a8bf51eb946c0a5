#include "persist/retained_persistence.h"

#include <fmt/format.h>

#include "routing/channel.h"

namespace linecast {

void RetainedPersistence::retained(std::string_view channel, std::string_view payload, std::uint8_t qos) {
  value_.assign(1, static_cast<char>(qos));
  value_.append(payload);
  writer_.put(kSpace, channel, value_);
}

void RetainedPersistence::cleared(std::string_view channel) { writer_.erase(kSpace, channel); }

std::size_t RetainedPersistence::load(DataStore& store, RetainedStore& retained) {
  std::size_t loaded = 0;
  store.forEach(kSpace, [&](std::string_view channel, std::string_view value) {
    // A record needs a valid channel, the QoS byte and a payload; anything
    // else was not written by us.
    if (checkPublishChannel(channel) != ChannelStatus::kValid || value.size() < 2 ||
        static_cast<unsigned char>(value[0]) > 2) {
      throw StoreError(fmt::format("{} is corrupt: a malformed retained record", store.dataFile()));
    }
    auto qos = static_cast<std::uint8_t>(value[0]);
    if (retained.retain(channel, value.substr(1), qos) == RetainedStore::Outcome::kOverLimit) {
      const RetainedLimits& limits = retained.limits();
      throw StoreError(fmt::format(
          "{} holds more retained messages than --max-retained {} and --max-retained-bytes {} allow "
          "(over them after {} messages, {} bytes); raise the limits to start",
          store.directory(), limits.messages, limits.bytes, retained.messages(), retained.bytes()));
    }
    ++loaded;
  });
  return loaded;
}

}  // namespace linecast
