#include "loadgen/payload.h"

#include <fmt/format.h>

namespace linecast::bench {

std::string channelName(std::string_view prefix, std::uint32_t index, char separator) {
  return fmt::format("{}{}{:06}", prefix, separator, index);
}

std::string fillerPayload(std::size_t bytes) { return std::string(bytes, 'x'); }

void writeStamp(char* dst, std::uint64_t value) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = kStampBytes; i-- > 0;) {
    dst[i] = kHex[value & 15];
    value >>= 4;
  }
}

std::optional<std::uint64_t> readStamp(std::string_view payload) {
  if (payload.size() < kStampBytes) return std::nullopt;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kStampBytes; ++i) {
    char c = payload[i];
    std::uint64_t digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<std::uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<std::uint64_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    value = (value << 4) | digit;
  }
  return value;
}

}  // namespace linecast::bench
