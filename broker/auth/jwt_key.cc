// JWS signatures with OpenSSL's EVP interface directly. Debian 12's
// libjwt (1.10) verifies with whatever algorithm the token's header names,
// so an HS256 token checked against an RSA public key would be an HMAC
// keyed with the PEM text: the classic confusion the key-bound algorithm
// here rules out, at the cost of the few lines of ECDSA signature
// conversion libjwt would have done.
#include "auth/jwt_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "routing/channel.h"

namespace linecast {
namespace {

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// JWS carries an ECDSA signature as R || S, 32 bytes each for P-256
// (RFC 7518 section 3.4); OpenSSL verifies the DER form.
std::optional<std::string> ecdsaDer(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (sig == nullptr) return std::nullopt;
  BIGNUM* r = BN_bin2bn(bytes, 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + 32, 32, nullptr);
  if (r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int length = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (length <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

bool digestVerify(EVP_PKEY* key, std::string_view input, std::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// Reads the file and makes the key from its text; the errors name the flag.
template <class Make>
std::shared_ptr<JwtKey> loadWith(const std::string& path, std::string_view flag, Make make, std::string& error) {
  auto text = readFile(path);
  if (!text) {
    error = fmt::format("cannot read {} '{}'", flag, path);
    return nullptr;
  }
  auto key = make(std::move(*text), error);
  if (!key) error = fmt::format("{} '{}': {}", flag, path, error);
  return key;
}

}  // namespace

double wallSeconds() {
  timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

JwtKey::~JwtKey() { EVP_PKEY_free(key_); }

std::shared_ptr<JwtKey> JwtKey::fromSecret(std::string secret, std::string& error) {
  // Read like --auth-token-file: one trailing newline is not the secret's.
  if (!secret.empty() && secret.back() == '\n') secret.pop_back();
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (secret.size() < kMinSecretBytes) {
    error = fmt::format("the secret has {} bytes; HS256 needs at least {} (openssl rand -base64 48)",
                        secret.size(), kMinSecretBytes);
    return nullptr;
  }
  if (secret.starts_with("-----BEGIN")) {
    error = "this is a PEM key, not an HS256 secret: give it with --jwt-public-key";
    return nullptr;
  }
  std::shared_ptr<JwtKey> key(new JwtKey());
  key->alg_ = "HS256";
  key->secret_ = std::move(secret);
  return key;
}

std::shared_ptr<JwtKey> JwtKey::fromPem(std::string_view pem, std::string& error) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = bio ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (pkey == nullptr) {
    error = "not a PEM public key (-----BEGIN PUBLIC KEY-----)";
    return nullptr;
  }
  std::shared_ptr<JwtKey> key(new JwtKey());
  key->key_ = pkey;
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    if (EVP_PKEY_get_bits(pkey) < 2048) {
      error = fmt::format("an RSA key of {} bits; RS256 needs at least 2048", EVP_PKEY_get_bits(pkey));
      return nullptr;
    }
    key->alg_ = "RS256";
    return key;
  }
  char curve[64] = {};
  std::size_t curveLength = 0;
  if (EVP_PKEY_is_a(pkey, "EC") &&
      EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve, &curveLength) == 1 &&
      std::string_view(curve) == SN_X9_62_prime256v1) {
    key->alg_ = "ES256";
    return key;
  }
  error = "the key is neither RSA nor EC P-256 (prime256v1): linecast checks RS256 and ES256";
  return nullptr;
}

std::shared_ptr<JwtKey> JwtKey::loadSecret(const std::string& path, std::string& error) {
  return loadWith(path, "--jwt-secret-file", [](std::string text, std::string& why) {
    return fromSecret(std::move(text), why);
  }, error);
}

std::shared_ptr<JwtKey> JwtKey::loadPublicKey(const std::string& path, std::string& error) {
  return loadWith(path, "--jwt-public-key", [](std::string text, std::string& why) {
    return fromPem(text, why);
  }, error);
}

bool JwtKey::signatureValid(const JwtToken& token) const {
  const std::string& input = token.signingInput;
  if (alg_ == "HS256") {
    unsigned char mac[32];
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
             reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length) == nullptr) {
      return false;
    }
    // Constant time: how many leading bytes matched must not show.
    return token.signature.size() == length && CRYPTO_memcmp(mac, token.signature.data(), length) == 0;
  }
  if (alg_ == "RS256") return digestVerify(key_, input, token.signature);
  auto der = ecdsaDer(token.signature);
  return der && digestVerify(key_, input, *der);
}

std::optional<JwtToken> JwtKey::verify(std::string_view text, double now, std::string& why) const {
  auto token = JwtToken::parse(text, why);
  if (!token) return std::nullopt;
  if (token->alg != alg_) {
    why = fmt::format("alg '{}' where the key is for {}", printableName(token->alg.substr(0, 16)), alg_);
    return std::nullopt;
  }
  if (!signatureValid(*token)) {
    why = "bad signature";
    return std::nullopt;
  }
  if (now >= token->expires + kLeeway) {
    why = "expired";
    return std::nullopt;
  }
  if (token->notBefore && now + kLeeway < *token->notBefore) {
    why = "not valid yet (nbf)";
    return std::nullopt;
  }
  if (token->issuedAt && now + kLeeway < *token->issuedAt) {
    why = "issued in the future (iat)";
    return std::nullopt;
  }
  return token;
}

bool JwtKeyStore::reload(std::string& error) {
  auto key = secret_ ? JwtKey::loadSecret(path_, error) : JwtKey::loadPublicKey(path_, error);
  if (!key) return false;
  current_.store(std::move(key));
  return true;
}

}  // namespace linecast
