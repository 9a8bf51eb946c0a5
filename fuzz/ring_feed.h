#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_input.h"
#include "net/ring_buffer.h"

namespace linecast::fuzz {

// Appends the next read of a client's byte stream to a connection's input
// ring, as a socket would deliver it: everything left when seed is 0, else
// 1 to maxRead bytes picked by xorshift32 on seed, so units (frames,
// packets) straddle reads and the ring's end. Checks the room a connection
// guarantees: one partial unit (maxPending) plus one read. Returns the
// bytes appended.
inline std::size_t feedNextRead(RingBuffer& ring, std::string_view rest, std::uint32_t& seed,
                                std::size_t maxRead, std::size_t maxPending) {
  std::size_t chunk = rest.size();
  if (seed != 0) {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    chunk = std::min<std::size_t>(1 + seed % maxRead, chunk);
  }
  FUZZ_CHECK(ring.reserve(chunk, maxPending + chunk));
  ring.append(rest.substr(0, chunk));
  return chunk;
}

}  // namespace linecast::fuzz
