#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "persist/data_store.h"
#include "persist/store_writer.h"
#include "routing/retained_store.h"

namespace linecast {

// The retained messages in the data store: space "retained", key the
// channel, value one QoS byte (0 for the line protocol and HTTP) and the
// payload. As the RetainedStore's journal it stages each change with the
// StoreWriter, under the RetainedStore's lock (so in its order).
class RetainedPersistence : public RetainedJournal {
 public:
  static constexpr std::string_view kSpace = "retained";

  explicit RetainedPersistence(StoreWriter& writer) : writer_(writer) {}

  void retained(std::string_view channel, std::string_view payload, std::uint8_t qos) override;
  void cleared(std::string_view channel) override;

  // Puts every stored message into `retained` (before it has a journal).
  // Returns how many. Throws StoreError for a malformed record, or when
  // the stored messages pass the RetainedStore's limits: starting with
  // some of them would drop the others in silence.
  static std::size_t load(DataStore& store, RetainedStore& retained);

 private:
  StoreWriter& writer_;
  std::string value_;  // the QoS byte and payload; used under the RetainedStore's lock
};

}  // namespace linecast
