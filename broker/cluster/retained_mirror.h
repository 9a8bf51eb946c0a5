#pragma once

#include <span>
#include <string_view>
#include <utility>

namespace linecast {

class RetainedStore;

// In cluster mode the retained messages live in Redis, in one hash
// (docs/PROTOCOL.md, "Cluster"): field = channel, value = payload. Each
// change is also published on the Redis channel of the same name, which
// every node subscribes to whatever its clients hold.
inline constexpr std::string_view kRetainedHash = "linecast:retained";
inline constexpr std::string_view kRetainedChannel = "linecast:retained";

// Makes `store` hold exactly the hash's channels and values, as read with
// HGETALL (at start and after each reconnect: Redis is the source of
// truth, and values may have changed while this node could not hear of
// it). A field that is not a valid publish channel, or an empty value, is
// skipped; a value over the store's limits too. Returns the channels kept.
std::size_t replaceRetained(RetainedStore& store,
                            std::span<const std::pair<std::string_view, std::string_view>> hash);

}  // namespace linecast
