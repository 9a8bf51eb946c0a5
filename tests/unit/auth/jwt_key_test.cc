#include "auth/jwt_key.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "auth/base64.h"

namespace linecast {
namespace {

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef-long-enough";
constexpr double kNow = 1'800'000'000;

std::string url(std::string_view bytes) {
  std::string text = base64Encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

std::string hmac(std::string_view secret, std::string_view input) {
  unsigned char mac[32];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
  return std::string(reinterpret_cast<char*>(mac), length);
}

// A key pair made in the test, the signer a backend would be.
struct KeyPair {
  EVP_PKEY* key = nullptr;
  explicit KeyPair(EVP_PKEY* made) : key(made) {}
  ~KeyPair() { EVP_PKEY_free(key); }

  std::string publicPem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    long length = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(length));
    BIO_free(bio);
    return pem;
  }

  std::string sign(std::string_view input) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
    std::size_t length = 0;
    EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()), input.size());
    std::string signature(length, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    signature.resize(length);
    if (!EVP_PKEY_is_a(key, "EC")) return signature;
    // JWS wants R || S, not DER.
    const auto* der = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return raw;
  }
};

KeyPair rsa(unsigned bits = 2048) { return KeyPair(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits))); }
KeyPair ec(const char* curve = "P-256") { return KeyPair(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve)); }

std::string claims(double exp, std::string_view extra = "") {
  return fmt::format(R"({{"sub":"tv","exp":{}{},"linecast":{{"subscribe":["room1.>"]}}}})", exp, extra);
}

std::string signedWith(std::string_view alg, std::string_view payload, const std::function<std::string(std::string_view)>& sign) {
  std::string input = url(fmt::format(R"({{"alg":"{}","typ":"JWT"}})", alg)) + "." + url(payload);
  return input + "." + url(sign(input));
}

std::string hs256(std::string_view payload, std::string_view secret = kSecret) {
  return signedWith("HS256", payload, [&](std::string_view input) { return hmac(secret, input); });
}

std::shared_ptr<JwtKey> secretKey() {
  std::string error;
  auto key = JwtKey::fromSecret(std::string(kSecret) + "\n", error);
  EXPECT_TRUE(key) << error;
  return key;
}

std::shared_ptr<JwtKey> publicKey(const KeyPair& pair) {
  std::string error;
  auto key = JwtKey::fromPem(pair.publicPem(), error);
  EXPECT_TRUE(key) << error;
  return key;
}

bool accepted(const JwtKey& key, const std::string& token, std::string* why = nullptr) {
  std::string reason;
  bool ok = key.verify(token, kNow, reason).has_value();
  if (why != nullptr) *why = reason;
  return ok;
}

TEST(JwtKey, EachAlgorithmVerifiesItsOwnSignatures) {
  auto hs = secretKey();
  EXPECT_EQ(hs->alg(), "HS256");
  std::string why;
  EXPECT_TRUE(accepted(*hs, hs256(claims(kNow + 60)), &why)) << why;

  KeyPair rsaPair = rsa();
  auto rs = publicKey(rsaPair);
  EXPECT_EQ(rs->alg(), "RS256");
  auto rsToken = signedWith("RS256", claims(kNow + 60), [&](std::string_view in) { return rsaPair.sign(in); });
  EXPECT_TRUE(accepted(*rs, rsToken, &why)) << why;

  KeyPair ecPair = ec();
  auto es = publicKey(ecPair);
  EXPECT_EQ(es->alg(), "ES256");
  auto esToken = signedWith("ES256", claims(kNow + 60), [&](std::string_view in) { return ecPair.sign(in); });
  EXPECT_TRUE(accepted(*es, esToken, &why)) << why;

  auto verified = es->verify(esToken, kNow, why);
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->subject, "tv");
  EXPECT_TRUE(verified->permissions->maySubscribe("room1.tv"));
  EXPECT_FALSE(verified->permissions->maySubscribe("room2.tv"));
}

TEST(JwtKey, AlgNoneIsRefused) {
  auto hs = secretKey();
  std::string input = url(R"({"alg":"none"})") + "." + url(claims(kNow + 60));
  std::string why;
  EXPECT_FALSE(accepted(*hs, input + ".", &why));
  EXPECT_NE(why.find("alg 'none'"), std::string::npos) << why;
  EXPECT_FALSE(accepted(*hs, signedWith("none", claims(kNow + 60), [](std::string_view) { return ""; })));
}

TEST(JwtKey, AnRsaPublicKeyIsNeverAnHmacSecret) {
  KeyPair pair = rsa();
  auto rs = publicKey(pair);
  // The attack: HS256 keyed with the public key's PEM text, which anyone has.
  std::string forged = hs256(claims(kNow + 60), pair.publicPem());
  std::string why;
  EXPECT_FALSE(accepted(*rs, forged, &why));
  EXPECT_NE(why.find("where the key is for RS256"), std::string::npos) << why;
  // And a public key offered as the HMAC secret is refused at startup.
  std::string error;
  EXPECT_FALSE(JwtKey::fromSecret(pair.publicPem(), error));
  EXPECT_NE(error.find("--jwt-public-key"), std::string::npos) << error;
}

TEST(JwtKey, AnotherAlgorithmOfTheSameFamilyIsRefused) {
  KeyPair ecPair = ec();
  auto es = publicKey(ecPair);
  auto token = signedWith("ES384", claims(kNow + 60), [&](std::string_view in) { return ecPair.sign(in); });
  EXPECT_FALSE(accepted(*es, token));
  KeyPair rsaPair = rsa();
  auto rs = publicKey(rsaPair);
  EXPECT_FALSE(accepted(*rs, signedWith("PS256", claims(kNow + 60), [&](std::string_view in) { return rsaPair.sign(in); })));
  // An RS256 token against the EC key, and the other way round.
  EXPECT_FALSE(accepted(*es, signedWith("RS256", claims(kNow + 60), [&](std::string_view in) { return rsaPair.sign(in); })));
  EXPECT_FALSE(accepted(*rs, signedWith("ES256", claims(kNow + 60), [&](std::string_view in) { return ecPair.sign(in); })));
}

TEST(JwtKey, ATamperedTokenIsRefused) {
  auto hs = secretKey();
  std::string good = hs256(claims(kNow + 60));
  std::size_t first = good.find('.');
  std::size_t second = good.find('.', first + 1);
  // A payload with more permissions under the old signature.
  std::string tampered = good.substr(0, first + 1) +
                         url(R"({"sub":"tv","exp":1900000000,"linecast":{"publish":[">"],"subscribe":[">"]}})") +
                         good.substr(second);
  std::string why;
  EXPECT_FALSE(accepted(*hs, tampered, &why));
  EXPECT_EQ(why, "bad signature");
  EXPECT_FALSE(accepted(*hs, hs256(claims(kNow + 60), "another secret that is long enough, 32+")));
  std::string truncated = good.substr(0, good.size() - 2);
  EXPECT_FALSE(accepted(*hs, truncated));
  KeyPair ecPair = ec();
  auto es = publicKey(ecPair);
  auto token = signedWith("ES256", claims(kNow + 60), [&](std::string_view in) { return ecPair.sign(in).substr(0, 63); });
  EXPECT_FALSE(accepted(*es, token));
  auto zeros = signedWith("ES256", claims(kNow + 60), [](std::string_view) { return std::string(64, '\0'); });
  EXPECT_FALSE(accepted(*es, zeros));
}

TEST(JwtKey, TimesAreCheckedWithFiveSecondsOfLeeway) {
  auto hs = secretKey();
  std::string why;
  EXPECT_FALSE(accepted(*hs, hs256(claims(kNow - 10)), &why));
  EXPECT_EQ(why, "expired");
  EXPECT_TRUE(accepted(*hs, hs256(claims(kNow - 3))));  // within the leeway
  EXPECT_FALSE(accepted(*hs, hs256(claims(kNow + 60, fmt::format(R"(,"nbf":{})", kNow + 30))), &why));
  EXPECT_EQ(why, "not valid yet (nbf)");
  EXPECT_TRUE(accepted(*hs, hs256(claims(kNow + 60, fmt::format(R"(,"nbf":{})", kNow + 3)))));
  EXPECT_FALSE(accepted(*hs, hs256(claims(kNow + 60, fmt::format(R"(,"iat":{})", kNow + 30))), &why));
  EXPECT_EQ(why, "issued in the future (iat)");
  EXPECT_TRUE(accepted(*hs, hs256(claims(kNow + 60, fmt::format(R"(,"iat":{})", kNow - 30)))));
}

TEST(JwtKey, AMissingClaimIsRefused) {
  auto hs = secretKey();
  std::string why;
  EXPECT_FALSE(accepted(*hs, hs256(R"({"linecast":{}})"), &why));
  EXPECT_NE(why.find("exp"), std::string::npos);
  EXPECT_FALSE(accepted(*hs, hs256(fmt::format(R"({{"exp":{}}})", kNow + 60)), &why));
  EXPECT_NE(why.find("linecast"), std::string::npos);
}

TEST(JwtKey, WeakOrWrongKeysAreStartupErrors) {
  std::string error;
  EXPECT_FALSE(JwtKey::fromSecret("short\n", error));
  EXPECT_NE(error.find("at least 32"), std::string::npos) << error;
  EXPECT_FALSE(JwtKey::fromPem("not a key", error));
  EXPECT_NE(error.find("PEM public key"), std::string::npos) << error;
  KeyPair small = rsa(1024);
  EXPECT_FALSE(JwtKey::fromPem(small.publicPem(), error));
  EXPECT_NE(error.find("2048"), std::string::npos) << error;
  KeyPair p384 = ec("P-384");
  EXPECT_FALSE(JwtKey::fromPem(p384.publicPem(), error));
  EXPECT_NE(error.find("P-256"), std::string::npos) << error;
  EXPECT_FALSE(JwtKey::loadSecret("/nonexistent/secret", error));
  EXPECT_EQ(error, "cannot read --jwt-secret-file '/nonexistent/secret'");
}

}  // namespace
}  // namespace linecast
