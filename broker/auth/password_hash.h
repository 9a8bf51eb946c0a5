#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace linecast {

// A stored password: PBKDF2-HMAC-SHA256, written
// "pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>"
// (docs/PROTOCOL.md, "Users and permissions"). Only the hash is kept, so a
// leaked users file gives no password away without the iterations' work.
struct PasswordHash {
  std::uint32_t iterations = 0;
  std::string salt;  // decoded bytes
  std::string hash;  // decoded bytes, 32

  static constexpr std::uint32_t kDefaultIterations = 600'000;  // OWASP's 2023 figure
  static constexpr std::size_t kSaltBytes = 16;
  static constexpr std::size_t kHashBytes = 32;

  // Parses the stored form; nullopt with `error` saying what is wrong (a
  // plaintext password is the usual mistake, and the message says so).
  static std::optional<PasswordHash> parse(std::string_view text, std::string& error);
  // A fresh random salt, for `linecast-cli passwd`.
  static PasswordHash make(std::string_view password, std::uint32_t iterations = kDefaultIterations);

  // Whether `password` derives this hash; the comparison takes the same
  // time wherever the bytes differ.
  bool verify(std::string_view password) const;
  std::string text() const;
};

}  // namespace linecast
