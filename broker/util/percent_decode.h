#pragma once

#include <string>
#include <string_view>

namespace linecast {

// Percent-decodes `in` (RFC 3986 `%XX`) into `out`; false on a broken
// escape. `+` stays `+`. For HTTP paths and query values and for the
// credentials of a --cluster URL.
bool percentDecode(std::string_view in, std::string& out);

}  // namespace linecast
