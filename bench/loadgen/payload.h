#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace linecast::bench {

// What the loadgen puts on the wire besides protocol framing: channel names
// and payloads. Everything is printable ASCII without spaces or newlines, so
// the same bytes are valid in all three protocols.

// Channel names are fixed width ("<prefix>.000042"), so that every frame of
// a run has the same size and a publisher can count messages from the bytes
// it has written.
constexpr std::uint32_t kMaxChannels = 1'000'000;
// separator: '.' between the two tokens, or '/' for MQTT's topic levels.
std::string channelName(std::string_view prefix, std::uint32_t index, char separator = '.');

// A stamp is a 64-bit value written as 16 hex digits at the start of a
// payload: the intended send time (latency) or the addressee's index
// (conns). Payloads that carry one are at least this long.
constexpr std::size_t kStampBytes = 16;

// A payload of `bytes` filler characters.
std::string fillerPayload(std::size_t bytes);
// Writes value as kStampBytes hex digits at dst.
void writeStamp(char* dst, std::uint64_t value);
// Reads the stamp at the start of payload; nullopt if there is none.
std::optional<std::uint64_t> readStamp(std::string_view payload);

}  // namespace linecast::bench
