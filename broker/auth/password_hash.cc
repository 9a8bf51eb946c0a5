#include "auth/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

#include "auth/base64.h"

namespace linecast {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";

std::string derive(std::string_view password, std::string_view salt, std::uint32_t iterations) {
  std::string out(PasswordHash::kHashBytes, '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                    static_cast<int>(iterations), EVP_sha256(), static_cast<int>(out.size()),
                    reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace

std::optional<PasswordHash> PasswordHash::parse(std::string_view text, std::string& error) {
  std::string_view fields[4];
  std::size_t count = 0;
  std::string_view rest = text;
  while (count < 4) {
    std::size_t dollar = rest.find('$');
    fields[count++] = rest.substr(0, dollar);
    if (dollar == std::string_view::npos) {
      rest = {};
      break;
    }
    rest.remove_prefix(dollar + 1);
  }
  if (count != 4 || !rest.empty() || fields[0] != kScheme) {
    error = "is not a pbkdf2-sha256$<iterations>$<salt>$<hash> line (passwords are stored hashed: "
            "make one with `linecast-cli passwd`)";
    return std::nullopt;
  }
  PasswordHash parsed;
  auto [end, ec] = std::from_chars(fields[1].data(), fields[1].data() + fields[1].size(), parsed.iterations);
  if (ec != std::errc() || end != fields[1].data() + fields[1].size() || parsed.iterations == 0) {
    error = fmt::format("has iterations '{}', not a positive integer", fields[1]);
    return std::nullopt;
  }
  auto salt = base64Decode(fields[2]);
  auto hash = base64Decode(fields[3]);
  if (!salt || salt->empty()) {
    error = "has a salt that is not base64";
    return std::nullopt;
  }
  if (!hash || hash->size() != kHashBytes) {
    error = "has a hash that is not 32 bytes of base64";
    return std::nullopt;
  }
  parsed.salt = std::move(*salt);
  parsed.hash = std::move(*hash);
  return parsed;
}

PasswordHash PasswordHash::make(std::string_view password, std::uint32_t iterations) {
  PasswordHash made;
  made.iterations = iterations;
  made.salt.resize(kSaltBytes);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(made.salt.data()), static_cast<int>(kSaltBytes)) != 1) {
    throw std::runtime_error("no random bytes for a salt");
  }
  made.hash = derive(password, made.salt, iterations);
  return made;
}

bool PasswordHash::verify(std::string_view password) const {
  std::string derived = derive(password, salt, iterations);
  return CRYPTO_memcmp(derived.data(), hash.data(), kHashBytes) == 0;
}

std::string PasswordHash::text() const {
  return fmt::format("{}${}${}${}", kScheme, iterations, base64Encode(salt), base64Encode(hash));
}

}  // namespace linecast
