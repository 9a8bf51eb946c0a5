// Taking a JWT apart with nlohmann/json (Debian nlohmann-json3-dev); the
// parse is non-throwing, and every value is type-checked before use.
#include "auth/jwt_token.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "auth/base64.h"
#include "routing/channel.h"

namespace linecast {
namespace {

using Json = nlohmann::json;

// One base64url part that must hold a JSON object.
std::optional<Json> jsonPart(std::string_view part, std::string_view what, std::string& error) {
  auto bytes = base64UrlDecode(part);
  if (!bytes) {
    error = fmt::format("the {} is not base64url", what);
    return std::nullopt;
  }
  Json value = Json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (!value.is_object()) {
    error = fmt::format("the {} is not a JSON object", what);
    return std::nullopt;
  }
  return value;
}

std::string readPatterns(const Json& list, std::string_view key, std::vector<std::string>& out) {
  if (!list.is_array()) return fmt::format("linecast.{} must be a list of patterns", key);
  for (const Json& item : list) {
    if (!item.is_string()) return fmt::format("linecast.{} must hold strings only", key);
    const auto& pattern = item.get_ref<const std::string&>();
    if (!isValidPattern(pattern)) {
      return fmt::format("linecast.{}: '{}' is not a valid pattern ({})", key, printableName(pattern),
                         brokenChannelRule(pattern, true));
    }
    out.push_back(pattern);
  }
  return {};
}

// The `linecast` claim: the users file's three lists, nothing else.
std::string readPermissions(const Json& claim, std::shared_ptr<const Permissions>& out) {
  if (!claim.is_object()) return "the linecast claim must be an object";
  auto permissions = std::make_shared<Permissions>();
  for (const auto& [key, value] : claim.items()) {
    auto* list = permissions->listNamed(key);
    if (list == nullptr) return fmt::format("unknown key '{}' in the linecast claim", printableName(key));
    if (auto problem = readPatterns(value, key, *list); !problem.empty()) return problem;
  }
  out = std::move(permissions);
  return {};
}

std::string readTime(const Json& payload, const char* claim, std::optional<double>& out) {
  auto it = payload.find(claim);
  if (it == payload.end()) return {};
  if (!it->is_number()) return fmt::format("the {} claim must be a number (seconds since 1970)", claim);
  out = it->get<double>();
  return {};
}

std::string readClaims(const Json& payload, JwtToken& token) {
  std::optional<double> expires;
  for (auto [claim, out] : {std::pair{"exp", &expires}, {"nbf", &token.notBefore}, {"iat", &token.issuedAt}}) {
    if (auto problem = readTime(payload, claim, *out); !problem.empty()) return problem;
  }
  if (!expires) return "the exp claim is missing";
  token.expires = *expires;
  if (auto it = payload.find("sub"); it != payload.end()) {
    if (!it->is_string()) return "the sub claim must be a string";
    token.subject = it->get<std::string>();
  }
  auto claim = payload.find("linecast");
  if (claim == payload.end()) return "the linecast claim is missing";
  return readPermissions(*claim, token.permissions);
}

}  // namespace

bool JwtToken::looksLikeOne(std::string_view text) { return std::count(text.begin(), text.end(), '.') == 2; }

std::optional<JwtToken> JwtToken::parse(std::string_view text, std::string& error) {
  if (text.size() > kMaxBytes) {
    error = fmt::format("longer than {} bytes", kMaxBytes);
    return std::nullopt;
  }
  if (!looksLikeOne(text)) {
    error = "not three dot-separated parts";
    return std::nullopt;
  }
  std::size_t first = text.find('.');
  std::size_t second = text.find('.', first + 1);
  JwtToken token;
  auto header = jsonPart(text.substr(0, first), "header", error);
  if (!header) return std::nullopt;
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) {
    error = "the header has no alg";
    return std::nullopt;
  }
  token.alg = alg->get<std::string>();
  // RFC 7515 section 4.1.11: an extension we do not understand is a refusal.
  if (header->contains("crit")) {
    error = "the header's crit names extensions linecast does not implement";
    return std::nullopt;
  }
  auto payload = jsonPart(text.substr(first + 1, second - first - 1), "payload", error);
  if (!payload) return std::nullopt;
  auto signature = base64UrlDecode(text.substr(second + 1));
  if (!signature) {
    error = "the signature is not base64url";
    return std::nullopt;
  }
  token.signature = std::move(*signature);
  token.signingInput = std::string(text.substr(0, second));
  if (auto problem = readClaims(*payload, token); !problem.empty()) {
    error = std::move(problem);
    return std::nullopt;
  }
  return token;
}

}  // namespace linecast
