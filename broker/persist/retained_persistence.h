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
// payload. It is the RetainedStore's journal and the StoreWriter's external
// source: each change takes a ticket (no lock), and the writer pulls the
// changed channels' latest messages into each batch (bench/README.md,
// "Retained writes": staging every RETAIN under the writer's mutex was a
// fifth of a RETAIN-heavy server's time).
class RetainedPersistence : public RetainedJournal {
 public:
  static constexpr std::string_view kSpace = "retained";

  // Becomes `retained`'s journal and `writer`'s source, which both must
  // outlive it; set up before the reactor threads start.
  RetainedPersistence(StoreWriter& writer, RetainedStore& retained);
  // Detaches, and stages the changes the writer has not pulled yet with it
  // the ordinary way (after the reactor threads stopped).
  ~RetainedPersistence() override;
  RetainedPersistence(const RetainedPersistence&) = delete;
  RetainedPersistence& operator=(const RetainedPersistence&) = delete;

  void changed() override { writer_.noteExternal(); }

  // Puts every stored message into `retained` (before it has a journal).
  // Returns how many. Throws StoreError for a malformed record, or when
  // the stored messages pass the RetainedStore's limits: starting with
  // some of them would drop the others in silence.
  static std::size_t load(DataStore& store, RetainedStore& retained);

 private:
  // Each change since the last pull into `batch`.
  void pullInto(WriteBatch& batch);

  StoreWriter& writer_;
  RetainedStore& retained_;
  std::string value_;  // the QoS byte and payload; used by pullInto
};

}  // namespace linecast
