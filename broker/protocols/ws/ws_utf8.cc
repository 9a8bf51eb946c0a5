#include "protocols/ws/ws_utf8.h"

#include <cstring>

namespace linecast {

bool Utf8Validator::feed(std::string_view bytes) {
  if (failed_) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p != end) {
    if (pending_ == 0) {
      // Lines are mostly ASCII: skip eight such bytes at a time.
      while (end - p >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        if ((word & 0x8080808080808080ull) != 0) break;
        p += 8;
      }
      if (p == end) break;
      unsigned char c = *p++;
      if (c < 0x80) continue;
      low_ = 0x80;
      high_ = 0xBF;
      // C0 and C1 could only start overlong two-byte forms; F5-FF would
      // start code points past U+10FFFF (or are no lead bytes at all).
      if (c >= 0xC2 && c <= 0xDF) {
        pending_ = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        pending_ = 2;
        if (c == 0xE0) low_ = 0xA0;   // below: overlong
        if (c == 0xED) high_ = 0x9F;  // above: surrogates
      } else if (c >= 0xF0 && c <= 0xF4) {
        pending_ = 3;
        if (c == 0xF0) low_ = 0x90;   // below: overlong
        if (c == 0xF4) high_ = 0x8F;  // above: past U+10FFFF
      } else {
        failed_ = true;
        return false;
      }
    } else {
      unsigned char c = *p++;
      if (c < low_ || c > high_) {
        failed_ = true;
        return false;
      }
      low_ = 0x80;
      high_ = 0xBF;
      --pending_;
    }
  }
  return true;
}

bool utf8Valid(std::string_view bytes) {
  Utf8Validator v;
  return v.feed(bytes) && v.complete();
}

}  // namespace linecast
