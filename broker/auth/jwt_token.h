#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/permissions.h"

namespace linecast {

// A compact JWS (RFC 7515) read, not yet trusted: its header's `alg`, what
// was signed and the signature, and the claims linecast uses
// (docs/PROTOCOL.md, "Users and permissions", JWT). JwtKey checks the
// signature and the times; this only takes the text apart, so that the
// base64url and JSON handling can be fuzzed without keys.
struct JwtToken {
  static constexpr std::size_t kMaxBytes = 8192;

  std::string alg;
  std::string signingInput;  // "<header>.<payload>", the bytes the signature covers
  std::string signature;     // decoded
  double expires = 0;        // exp (required)
  std::optional<double> notBefore;  // nbf
  std::optional<double> issuedAt;   // iat
  std::string subject;              // sub, may be empty
  std::shared_ptr<const Permissions> permissions;  // the `linecast` claim (required)

  // Whether `text` has the shape of a JWT (three parts: two dots), which
  // is how AUTH tells one from the --auth-token.
  static bool looksLikeOne(std::string_view text);
  // nullopt with `error` saying what is wrong: not three base64url parts,
  // a header or payload that is not a JSON object, a missing or mistyped
  // claim, a pattern that is not one.
  static std::optional<JwtToken> parse(std::string_view text, std::string& error);
};

}  // namespace linecast
