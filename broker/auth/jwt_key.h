#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/jwt_token.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace linecast {

// The key JWTs are checked with (docs/PROTOCOL.md, "Users and
// permissions", JWT): an HS256 secret (--jwt-secret-file) or an RSA or
// P-256 public key (--jwt-public-key) for RS256 or ES256. The key fixes
// the algorithm: a token whose header names another one is refused before
// any signature is computed, so an RSA public key can never serve as an
// HMAC secret and `none` never passes.
class JwtKey {
 public:
  // Seconds of clock skew allowed on exp, nbf and iat.
  static constexpr double kLeeway = 5;
  // RFC 7518 section 3.2: an HS256 key has at least the hash's 256 bits.
  static constexpr std::size_t kMinSecretBytes = 32;

  // nullptr with `error` naming the file and the problem.
  static std::shared_ptr<JwtKey> loadSecret(const std::string& path, std::string& error);
  static std::shared_ptr<JwtKey> loadPublicKey(const std::string& path, std::string& error);
  // From bytes (tests): the secret itself, or a PEM public key.
  static std::shared_ptr<JwtKey> fromSecret(std::string secret, std::string& error);
  static std::shared_ptr<JwtKey> fromPem(std::string_view pem, std::string& error);

  ~JwtKey();
  JwtKey(const JwtKey&) = delete;
  JwtKey& operator=(const JwtKey&) = delete;

  // "HS256", "RS256" or "ES256".
  std::string_view alg() const { return alg_; }

  // The token, when this key signed it with its algorithm and it is valid
  // at `now` (seconds since 1970): exp not passed, nbf reached, iat not in
  // the future, each with kLeeway. Otherwise nullopt and `why` for the log.
  std::optional<JwtToken> verify(std::string_view text, double now, std::string& why) const;

 private:
  JwtKey() = default;
  bool signatureValid(const JwtToken& token) const;

  std::string alg_;
  std::string secret_;         // HS256
  EVP_PKEY* key_ = nullptr;    // RS256, ES256
};

// The current key of --jwt-secret-file or --jwt-public-key; SIGHUP reloads
// it (a failed reload keeps it), shared by every reactor thread.
class JwtKeyStore {
 public:
  JwtKeyStore(std::string path, bool secret, std::shared_ptr<JwtKey> first)
      : path_(std::move(path)), secret_(secret), current_(std::move(first)) {}
  std::shared_ptr<JwtKey> current() const { return current_.load(); }
  const std::string& path() const { return path_; }
  bool reload(std::string& error);

 private:
  std::string path_;
  bool secret_;
  std::atomic<std::shared_ptr<JwtKey>> current_;
};

// The wall clock in seconds since 1970: the JWT time claims.
double wallSeconds();

}  // namespace linecast
