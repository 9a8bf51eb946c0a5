#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace linecast {

// Standard base64 (RFC 4648 section 4) with padding: the stored password
// hashes and HTTP Basic credentials.
std::string base64Encode(std::string_view bytes);
std::optional<std::string> base64Decode(std::string_view text);

// base64url without padding (RFC 4648 section 5, as JWS uses it, RFC 7515
// section 2): nullopt for any other byte, padding, or a length no
// encoding has (4k+1).
std::optional<std::string> base64UrlDecode(std::string_view text);

}  // namespace linecast
