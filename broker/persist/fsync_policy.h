#pragma once

#include <optional>
#include <string_view>

namespace linecast {

// --fsync (docs/PROTOCOL.md, "Retained messages", Persistence), as Redis's
// appendfsync: when a committed write is forced to the disk.
enum class FsyncPolicy {
  kAlways,    // before the turn's replies go out: an acknowledged write survives a crash
  kEverySec,  // at most once a second: a crash of the machine loses about a second
  kNo,        // when the kernel decides (and at a clean shutdown)
};

inline std::optional<FsyncPolicy> parseFsyncPolicy(std::string_view text) {
  if (text == "always") return FsyncPolicy::kAlways;
  if (text == "everysec") return FsyncPolicy::kEverySec;
  if (text == "no") return FsyncPolicy::kNo;
  return std::nullopt;
}

inline std::string_view fsyncPolicyName(FsyncPolicy policy) {
  switch (policy) {
    case FsyncPolicy::kAlways:
      return "always";
    case FsyncPolicy::kEverySec:
      return "everysec";
    case FsyncPolicy::kNo:
      return "no";
  }
  return "?";
}

}  // namespace linecast
