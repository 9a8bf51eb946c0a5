// Fuzz target: a JWT as AUTH receives it (JwtToken::parse, base64url,
// JSON with nlohmann/json, the `linecast` claim) and JwtKey::verify with an
// HS256 key.
//
// Input: a byte choosing how the rest is used, then the rest:
//   - as the token text, whole;
//   - as a header and a payload (split at the first NUL), base64url-encoded
//     and signed with the key, so the JSON parsing is reached with a valid
//     signature behind it.
// Checked:
//   - base64UrlDecode of each part gives at most 3/4 of its length, and
//     what it decodes re-encodes to text that decodes the same;
//   - a parsed token's signing input is the text up to its last dot, and
//     every pattern of its permissions is a valid pattern;
//   - verify accepts only what parse accepts, only HS256, only within the
//     time claims, and never when a byte of the signature is flipped.
#include <cstdint>
#include <string>
#include <string_view>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/base64.h"
#include "auth/jwt_key.h"
#include "auth/jwt_token.h"
#include "fuzz_input.h"
#include "routing/channel.h"

namespace linecast::fuzz {
namespace {

constexpr std::string_view kSecret = "fuzz-secret-fuzz-secret-fuzz-secret!";
constexpr double kNow = 1'800'000'000;

std::string url(std::string_view bytes) {
  std::string text = base64Encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

std::string sign(std::string_view input) {
  unsigned char mac[32];
  unsigned int length = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
  return std::string(reinterpret_cast<char*>(mac), length);
}

void checkBase64Url(std::string_view part) {
  auto decoded = base64UrlDecode(part);
  if (!decoded) return;
  FUZZ_CHECK(decoded->size() <= part.size() * 3 / 4);  // base64url decodes to at most 3/4 of its length
  auto again = base64UrlDecode(url(*decoded));
  FUZZ_CHECK(again && *again == *decoded);  // base64url round-trips
}

const JwtKey& key() {
  static std::shared_ptr<JwtKey> made = [] {
    std::string error;
    return JwtKey::fromSecret(std::string(kSecret), error);
  }();
  return *made;
}

void checkToken(const std::string& text) {
  std::size_t start = 0;
  for (std::size_t dot = text.find('.'); start <= text.size(); dot = text.find('.', start)) {
    checkBase64Url(std::string_view(text).substr(start, dot == std::string::npos ? dot : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  std::string error;
  auto parsed = JwtToken::parse(text, error);
  std::string why;
  auto verified = key().verify(text, kNow, why);
  if (!parsed) {
    FUZZ_CHECK(!error.empty());  // a refusal says why
    FUZZ_CHECK(!verified);  // verify accepts only what parse accepts
    return;
  }
  FUZZ_CHECK(parsed->signingInput == text.substr(0, text.rfind('.')));  // the signing input is up to the last dot
  for (const auto* list : {&parsed->permissions->publish, &parsed->permissions->subscribe,
                           &parsed->permissions->denySubscribe}) {
    for (const std::string& pattern : *list) FUZZ_CHECK(isValidPattern(pattern));  // permissions hold valid patterns
  }
  if (!verified) return;
  FUZZ_CHECK(parsed->alg == "HS256");  // only the key's algorithm verifies
  FUZZ_CHECK(kNow < parsed->expires + JwtKey::kLeeway);  // an expired token never verifies
  FUZZ_CHECK(!parsed->notBefore || kNow + JwtKey::kLeeway >= *parsed->notBefore);  // nbf is honoured
  FUZZ_CHECK(!parsed->issuedAt || kNow + JwtKey::kLeeway >= *parsed->issuedAt);  // iat is honoured
  // An HS256 signature is 43 characters; the last may carry unused bits,
  // the one before it never does.
  std::string flipped = text;
  char& c = flipped[flipped.size() - 2];
  c = c == 'A' ? 'B' : 'A';
  FUZZ_CHECK(!key().verify(flipped, kNow, why));  // a changed signature never verifies
}

}  // namespace
}  // namespace linecast::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace linecast;
  using namespace linecast::fuzz;
  Input input(data, size);
  std::uint8_t mode = input.byte();
  std::string_view rest = input.rest();
  if (rest.size() > JwtToken::kMaxBytes) rest = rest.substr(0, JwtToken::kMaxBytes);
  if ((mode & 1) == 0) {
    checkToken(std::string(rest));
    return 0;
  }
  std::size_t nul = rest.find('\0');
  std::string_view header = rest.substr(0, nul);
  std::string_view payload = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  std::string signingInput = url(header) + "." + url(payload);
  checkToken(signingInput + "." + url(sign(signingInput)));
  return 0;
}
