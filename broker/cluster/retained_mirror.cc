#include "cluster/retained_mirror.h"

#include <string>
#include <unordered_set>
#include <vector>

#include "routing/channel.h"
#include "routing/retained_store.h"
#include "util/string_hash.h"

namespace linecast {

std::size_t replaceRetained(RetainedStore& store,
                            std::span<const std::pair<std::string_view, std::string_view>> hash) {
  std::unordered_set<std::string, StringHash, std::equal_to<>> inRedis;
  for (const auto& [channel, payload] : hash) inRedis.emplace(channel);
  // Collected first: the visit runs under the store's lock.
  std::vector<std::string> gone;
  const std::string_view everything[] = {">"};
  store.forEachMatch(everything, [&](std::string_view channel, std::string_view, std::uint8_t) {
    if (!inRedis.contains(channel)) gone.emplace_back(channel);
    return true;
  });
  for (const std::string& channel : gone) store.clear(channel);
  std::size_t kept = 0;
  for (const auto& [channel, payload] : hash) {
    if (payload.empty() || checkPublishChannel(channel) != ChannelStatus::kValid) continue;
    if (store.retain(channel, payload) != RetainedStore::Outcome::kOverLimit) ++kept;
  }
  return kept;
}

}  // namespace linecast
