#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/protocol.h"

namespace linecast::bench::testing {

// Copies every decoded event (their views die with the chunk), so tests can
// compare what one-shot and byte-at-a-time decoding produced.
struct Recorded {
  EventType type;
  std::string channel;
  std::string payload;
  std::string text;
  std::uint16_t packetId = 0;  // MQTT
  bool operator==(const Recorded&) const = default;
};

class RecordingSink : public EventSink {
 public:
  void onEvent(const Event& e) override {
    events.push_back({e.type, std::string(e.channel), std::string(e.payload), std::string(e.text),
                      e.packetId});
  }
  std::vector<Recorded> events;
};

// Feeds a copy of the chunk, then scribbles over the copy, as the loadgen
// reuses its read buffer for the next read: a decoder that kept a view into
// an old chunk then sees garbage, and the test fails.
inline bool feedScribbled(Decoder& decoder, std::string_view chunk, EventSink& sink) {
  std::string copy(chunk);
  bool good = decoder.feed(copy, sink);
  std::fill(copy.begin(), copy.end(), '#');
  return good;
}

// Feeds `stream` to a fresh decoder in chunks of `chunk` bytes (0: all at
// once); returns the events, and whether every feed succeeded.
inline std::vector<Recorded> decodeInChunks(Protocol protocol, std::string_view stream,
                                            std::size_t chunk, bool* ok = nullptr,
                                            std::size_t maxFrame = 1 << 16, bool resp3 = false) {
  auto decoder = makeDecoder(protocol, maxFrame, resp3);
  RecordingSink sink;
  bool good = true;
  if (chunk == 0) chunk = stream.size();
  for (std::size_t pos = 0; pos < stream.size() && good; pos += chunk)
    good = feedScribbled(*decoder, stream.substr(pos, chunk), sink);
  if (ok) *ok = good;
  return sink.events;
}

// Feeds the stream as two chunks split at `at`.
inline std::vector<Recorded> decodeSplitAt(Protocol protocol, std::string_view stream,
                                           std::size_t at, bool* ok = nullptr, bool resp3 = false) {
  auto decoder = makeDecoder(protocol, 1 << 16, resp3);
  RecordingSink sink;
  bool good = feedScribbled(*decoder, stream.substr(0, at), sink) &&
              feedScribbled(*decoder, stream.substr(at), sink);
  if (ok) *ok = good;
  return sink.events;
}

}  // namespace linecast::bench::testing
