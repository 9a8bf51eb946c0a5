#pragma once

#include <cstdint>
#include <string_view>

namespace linecast {

// Validates UTF-8 (RFC 3629) in pieces, as a WebSocket text message arrives
// in fragments: a code point may be split between two feeds. Refuses what
// RFC 6455 8.1 requires a text message to refuse: overlong forms,
// surrogates (U+D800-U+DFFF), code points above U+10FFFF, stray
// continuation bytes, and (at complete()) a sequence cut short.
class Utf8Validator {
 public:
  // Returns false at the first invalid byte; once failed it stays failed
  // until reset(), so the caller may check only at the end.
  bool feed(std::string_view bytes);
  // Whether everything fed is valid and no code point is left open.
  bool complete() const { return !failed_ && pending_ == 0; }
  bool failed() const { return failed_; }
  void reset() {
    pending_ = 0;
    failed_ = false;
  }

 private:
  std::uint8_t pending_ = 0;  // continuation bytes still expected
  // The range the next continuation byte must fall in: narrower than
  // 0x80-0xBF only right after a lead byte that would otherwise allow an
  // overlong form, a surrogate or a code point past U+10FFFF.
  std::uint8_t low_ = 0x80;
  std::uint8_t high_ = 0xBF;
  bool failed_ = false;
};

// Whether `bytes` is whole, valid UTF-8.
bool utf8Valid(std::string_view bytes);

}  // namespace linecast
