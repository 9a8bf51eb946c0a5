#pragma once

#include <string_view>

namespace linecast {

// Protocol keywords (verbs, header names, Redis commands) are ASCII and
// case-insensitive; locale-aware tolower() would be both slower and wrong.
constexpr char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// True when `text` equals `keyword` ignoring ASCII case.
constexpr bool equalsIgnoreCase(std::string_view text, std::string_view keyword) {
  if (text.size() != keyword.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (asciiLower(text[i]) != asciiLower(keyword[i])) return false;
  }
  return true;
}

}  // namespace linecast
