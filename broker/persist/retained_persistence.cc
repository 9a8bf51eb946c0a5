#include "persist/retained_persistence.h"

#include <fmt/format.h>

#include "routing/channel.h"

namespace linecast {

RetainedPersistence::RetainedPersistence(StoreWriter& writer, RetainedStore& retained)
    : writer_(writer), retained_(retained) {
  retained_.setJournal(this);
  writer_.setExternalSource([this](WriteBatch& batch) { pullInto(batch); });
}

RetainedPersistence::~RetainedPersistence() {
  writer_.setExternalSource(nullptr);
  retained_.setJournal(nullptr);
  WriteBatch left;
  pullInto(left);
  left.forEach([&](std::string_view space, std::string_view key, const std::string* value) {
    if (value != nullptr) {
      writer_.put(space, key, *value);
    } else {
      writer_.erase(space, key);
    }
  });
}

void RetainedPersistence::pullInto(WriteBatch& batch) {
  // A channel is at most 255 bytes (checkPublishChannel), well within a key.
  retained_.takeChanges([&](std::string_view channel, std::string_view payload, std::uint8_t qos) {
    if (payload.empty()) {
      batch.erase(kSpace, channel);
      return;
    }
    value_.assign(1, static_cast<char>(qos));
    value_.append(payload);
    batch.put(kSpace, channel, value_);
  });
}

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
