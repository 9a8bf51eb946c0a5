#pragma once

#include <array>
#include <vector>

#include "loadgen/protocol.h"
#include "loadgen/split_reader.h"

namespace linecast::bench {

// RESP2 as Redis pub/sub clients speak it: commands are arrays of bulk
// strings; the server pushes ["message", channel, payload] (or "pmessage"
// with the pattern first), confirms ["subscribe", channel, count], answers
// PUBLISH with ":N" and PING with "+PONG" (or ["pong", ""] once subscribed).
// With resp3 the connection starts with HELLO 3, as RESP3 clients do: the
// same frames then come as pushes ('>'), and PING is "+PONG" throughout.
class RespEncoder final : public Encoder {
 public:
  explicit RespEncoder(bool resp3 = false) : resp3_(resp3) {}
  bool serverGreets() const override { return false; }
  bool subscribeConfirms() const override { return true; }
  void hello(std::string& out) const override;
  bool auth(std::string& out, std::string_view user, std::string_view password) const override;
  void subscribe(std::string& out, std::string_view channel, std::uint64_t sid) const override;
  void publish(std::string& out, std::string_view channel, std::string_view payload) const override;
  void ping(std::string& out) const override;
  // A Redis server never pings its clients.
  void pong(std::string&) const override {}

 private:
  bool resp3_;
};

// Decodes replies that are scalars or flat arrays (everything RESP2
// pub/sub sends); a nested array is a protocol error there. With resp3 it
// also takes pushes ('>', decoded as arrays), RESP3's scalar types, and
// maps, sets and nested aggregates (HELLO's map), each skipped whole as
// one kReply.
class RespDecoder final : public Decoder {
 public:
  explicit RespDecoder(std::size_t maxFrame, bool resp3 = false)
      : resp3_(resp3), maxBulk_(maxFrame), lines_(maxFrame + 512, /*stripCr=*/true) {}
  bool feed(std::string_view chunk, EventSink& sink) override;

  static constexpr std::size_t kMaxElements = 8;

 private:
  struct Element {
    char type = 0;  // '$' (bulk, also null), '+', '-', ':'
    std::string_view data;
    bool owned = false;  // data points into owned_[i]
  };

  // A whole `message` push at chunk[pos..], parsed in place: nearly every
  // frame a subscriber gets, at half the cost of the general path (which
  // made the loadgen, not the broker, the limit of a RESP 1->100 fan-out).
  // False (nothing consumed) for anything else or a frame the chunk cuts.
  bool wholeMessage(std::string_view chunk, std::size_t& pos, EventSink& sink);
  bool onHeader(std::string_view line, EventSink& sink);
  bool onAggregate(char type, std::string_view line, long long count, EventSink& sink);
  // A value inside a skipped aggregate: counts it, and ends the skipped
  // frame (one kReply) when its outermost aggregate is complete.
  void skipValue(EventSink& sink);
  void onValue(char type, std::string_view data, bool fromCarry, EventSink& sink);
  void emitScalar(char type, std::string_view data, EventSink& sink);
  void emitArray(EventSink& sink);
  void own(std::size_t i);

  bool resp3_;
  std::size_t maxBulk_;
  LineReader lines_;
  ExactReader bulk_;
  bool inBulk_ = false;
  std::size_t bulkSize_ = 0;
  std::size_t arrayLeft_ = 0;  // elements still to come in the current array
  std::size_t arraySize_ = 0;
  std::array<Element, kMaxElements> elements_;
  // Storage for elements that must outlive the chunk or the reader's carry.
  // Fixed-size, so a view into one never moves.
  std::array<std::string, kMaxElements> owned_;
  // RESP3: the values each enclosing aggregate of a skipped frame still
  // holds, outermost first; empty when not skipping.
  std::vector<std::size_t> skip_;
};

}  // namespace linecast::bench
