#pragma once

namespace linecast {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace linecast
