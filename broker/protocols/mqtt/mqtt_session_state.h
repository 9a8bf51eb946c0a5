#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/permissions.h"
#include "net/connection.h"
#include "protocols/mqtt/mqtt_session_filters.h"
#include "util/lazy_ring.h"

namespace linecast {

// One QoS 1 or 2 message held for a subscriber: queued behind the in-flight
// window, or in flight (sent, not yet acknowledged).
struct MqttMessage {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 1;
  bool retain = false;  // only a retained message sent on SUBSCRIBE
  // Its record's key in --data-dir (mqtt_store_records.h); 0: not stored.
  std::uint64_t storeSequence = 0;
};

// An outbound QoS 1/2 message in flight, and the acknowledgement it waits
// for (OASIS 4.3.2 and 4.3.3: PUBACK; PUBREC, then PUBCOMP after our PUBREL).
struct MqttInflight {
  enum class Stage : std::uint8_t { kAwaitPuback, kAwaitPubrec, kAwaitPubcomp };
  std::uint16_t packetId = 0;
  Stage stage = Stage::kAwaitPuback;
  MqttMessage message;  // the payload is dropped once PUBREC came
};

// The QoS 1/2 side of a session: its window, its queue and the inbound
// QoS 2 ids. Made on the session's first QoS 1/2 message out, first inbound
// QoS 2 PUBLISH, or when read back from the store, so a session that only
// ever uses QoS 0 (most idle subscribers: issue 14) carries a null pointer
// instead of these 88 bytes.
struct MqttDelivery {
  // Sent and unacknowledged, in the order sent (at most --mqtt-max-inflight).
  LazyRing<MqttInflight> inflight;
  // Waiting for room in the window, oldest first (at most --mqtt-max-queued).
  LazyRing<MqttMessage> queued;
  // Inbound QoS 2 packet ids delivered onward and awaiting PUBREL (4.3.3,
  // method B: a duplicate PUBLISH with one of these is not delivered again).
  std::vector<std::uint16_t> awaitingPubrel;
  std::uint16_t nextPacketId = 1;
  // In --data-dir (MqttJournal): the sequence number of the next message
  // the session holds.
  std::uint64_t nextStoreSequence = 1;

  // The next packet id not in flight (1..65535; 0 is not a packet id), to
  // be appended to `inflight` at once. There must be one free (the window
  // holds fewer than 65535).
  std::uint16_t allocatePacketId();
  MqttInflight* findInflight(std::uint16_t packetId);
  bool eraseInflight(std::uint16_t packetId);
  // `inflight` was cleared or replaced by other means than eraseInflight.
  void inflightReset() { inflightInIdOrder_ = true; }
  // `inflight` was read back from the store, in the order sent: the next
  // id follows the newest one, and the window's order is checked.
  void inflightRestored();

 private:
  // Ids are handed out in circular order, so `inflight` (in send order) is
  // normally sorted by each id's distance from the oldest one's, and an id
  // is found by binary search: a window of 65535 searched linearly made
  // each QoS 1 message cost O(window) twice (allocation and acknowledgement).
  // Only a window whose ids span the whole circle (one message never
  // acknowledged while 65534 others were) breaks the order; then the
  // search is linear until the window empties.
  LazyRing<MqttInflight>::iterator locateInflight(std::uint16_t packetId);
  bool inflightInIdOrder_ = true;
};

// What the server keeps of one MQTT client id (OASIS 3.1.2.4): plain data,
// so a store can write it out and read it back. A persistent session
// (clean session 0) outlives its connection; a clean one ends with it.
struct MqttSessionState {
  std::string clientId;
  // The filters it is subscribed to: the MqttIndex's records, which hold
  // each filter's text and the QoS granted (MqttIndex::add and remove keep
  // this in step). A restore reads the filters into MqttStoredState and
  // adds them to the index (MqttProtocol::restore).
  MqttSessionFilters filters;
  // In --data-dir (MqttJournal): the number keying its records (0: not
  // stored: a clean session, or no --data-dir).
  std::uint64_t storeId = 0;

  MqttSessionState() = default;
  ~MqttSessionState() { dropKept(); }
  MqttSessionState(const MqttSessionState&) = delete;
  MqttSessionState& operator=(const MqttSessionState&) = delete;

  // Runtime only, never stored: the connection it is attached to (null:
  // offline), and the permissions of the user it last connected as (its
  // deliveries are checked against them while offline too). Online, those
  // are the connection's own; offline, a copy the state keeps. One word
  // for both: an idle MQTT connection held the same shared_ptr twice, 16 B
  // in the Connection and 16 B here (docs/notes-mqtt-compact.md).
  Connection* connection() const { return online() ? reinterpret_cast<Connection*>(link_) : nullptr; }
  // Inline: every delivery reads it (permits()).
  const Permissions* permissions() const {
    if (online()) return reinterpret_cast<const Connection*>(link_)->permissions();
    const KeptPermissions* held = kept();
    return held == nullptr ? nullptr : held->get();
  }
  // Online on `conn`, with its permissions.
  void attach(Connection& conn);
  // Offline, keeping the permissions of the connection it leaves.
  void detach();
  // Offline with these permissions (null: none): read back from the store.
  void detachWith(std::shared_ptr<const Permissions> permissions);
  // MqttIndex's de-duplication of one publish's matches (see mqtt_index.h).
  std::uint64_t matchStamp = 0;
  std::uint8_t matchQos = 0;
  bool clean = true;  // here, beside matchQos, to fill one 8-byte slot

  // Whether its user may receive a message on `topic`: deny_subscribe,
  // and the subscribe patterns for the one topic an allowed filter may
  // match outside them ("a" under "a/#"). Checked per delivery, only for a
  // user with permissions.
  bool permits(std::string_view topic) const {
    const Permissions* user = permissions();
    return user == nullptr || (!user->deniesTopic(topic) && user->maySubscribeTopic(topic));
  }

  // Its QoS 1/2 side, made by the first call; heldDelivery() is null until
  // then (readers that find nothing to do need not make it).
  MqttDelivery& delivery() {
    if (!delivery_) delivery_ = std::make_unique<MqttDelivery>();
    return *delivery_;
  }
  MqttDelivery* heldDelivery() { return delivery_.get(); }
  const MqttDelivery* heldDelivery() const { return delivery_.get(); }

 private:
  friend class MqttSessionTable;
  using KeptPermissions = std::shared_ptr<const Permissions>;
  // link_: 0, offline without permissions; a Connection* (bit 0 clear),
  // online; a KeptPermissions* with bit 0 set, offline with permissions.
  static constexpr std::uintptr_t kOfflineTag = 1;
  bool online() const { return link_ != 0 && (link_ & kOfflineTag) == 0; }
  KeptPermissions* kept() const {
    return (link_ & kOfflineTag) != 0 ? reinterpret_cast<KeptPermissions*>(link_ & ~kOfflineTag) : nullptr;
  }
  void dropKept() {
    delete kept();
    link_ = 0;
  }

  std::unique_ptr<MqttDelivery> delivery_;
  MqttSessionState* tableNext_ = nullptr;  // MqttSessionTable's chain
  std::uintptr_t link_ = 0;
};

}  // namespace linecast
