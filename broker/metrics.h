#pragma once

#include <cstdint>
#include <map>

namespace linecast {

// The broker's counters (docs/PROTOCOL.md, "Metrics"). Plain integers: they
// are only touched by the reactor thread that owns them.
struct Metrics {
  std::int64_t connections = 0;  // gauge
  std::uint64_t connectionsTotal = 0;
  std::uint64_t connectionsRejected = 0;  // over --max-conns
  std::uint64_t messagesPublished = 0;
  std::uint64_t messagesDelivered = 0;
  // Deliveries skipped: a RESP payload with '\n' cannot be a MSG line.
  std::uint64_t messagesUndeliverable = 0;
  std::uint64_t bytesIn = 0;
  std::uint64_t bytesOut = 0;
  std::uint64_t slowConsumers = 0;
  std::uint64_t protocolErrors = 0;  // every -ERR sent
  std::map<int, std::uint64_t> httpRequests;  // by status code
};

}  // namespace linecast
