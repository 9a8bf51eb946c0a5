#include "cluster/interest_verdicts.h"

#include "routing/route_cache.h"

namespace linecast {

bool InterestVerdicts::wanted(std::string_view channel, const RemoteInterest& view) {
  std::uint64_t hash = RouteCache::hashChannel(channel);
  Slot& slot = slots_[hash & (kSlots - 1)];
  if (slot.version == view.version() && slot.hash == hash && slot.channel == channel) return slot.wanted;
  slot.channel.assign(channel);
  slot.hash = hash;
  slot.version = view.version();
  slot.wanted = view.wanted(channel);
  ++computed_;
  return slot.wanted;
}

}  // namespace linecast
