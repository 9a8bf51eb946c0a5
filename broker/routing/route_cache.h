#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "routing/channel.h"
#include "routing/retained_hint.h"

namespace linecast {

class Connection;

// What a publish to one channel needs, worked out once: whether the name is
// a valid PUB channel, the Router subscribers its patterns select (each
// once), and the "MSG <channel> " prefix of the line framing, cached here
// because nearly every delivery on a busy broker is a MSG line
// (Delivery::linePrefix).
struct PublishRoute {
  std::string channel;
  std::uint64_t hash = 0;
  // Names this channel's tenure of the slot (never 0, never reused in the
  // cache), so a connection can remember a decision about the route (its
  // permission to publish there) without keeping or comparing the name.
  std::uint64_t serial = 0;
  std::uint64_t routerVersion = 0;  // the Router's version the list was built at
  bool filled = false;
  ChannelStatus status = ChannelStatus::kInvalid;
  std::vector<Connection*> subscribers;
  std::string msgPrefix;
  // With several reactor threads: by thread, the matching deliveries there
  // and the interest version they were counted at.
  struct Remote {
    std::uint64_t version = ~std::uint64_t{0};
    std::uint32_t routed = 0;   // Router subscribers
    std::uint32_t indexed = 0;  // frames of the registered indexes
  };
  std::vector<Remote> remote;
  // The RetainedStore's node for this channel, after a RETAIN through it.
  RetainedHint retained;
  // --cluster, thread 0: whether another node wants this channel, and the
  // version of the view of their interest that answer is from (0: none).
  std::uint64_t clusterVersion = 0;
  bool clusterWanted = true;
};

// A direct-mapped cache of PublishRoutes keyed by channel, so a hot channel costs
// one hash and one compare instead of a validation, a hash-map lookup and a
// tree walk per message. Entries are never freed while the broker runs: a
// slot reused by another channel keeps its strings' and vector's capacity,
// so even a stream of distinct channels stops allocating once the slots have
// grown. A subscription change bumps the Router's version, which makes every
// subscriber list stale; validity never goes stale.
class RouteCache {
 public:
  static constexpr std::size_t kSlots = 1024;

  RouteCache() : slots_(std::make_unique<PublishRoute[]>(kSlots)) {}

  // The slot for the channel; `hit` says it already describes this channel
  // (its subscriber list may still be stale: compare routerVersion).
  PublishRoute& slot(std::string_view channel, bool& hit) {
    return slot(channel, hashChannel(channel), hit);
  }
  // With the channel's hashChannel() already known (it travels with a
  // message another thread forwards).
  PublishRoute& slot(std::string_view channel, std::uint64_t h, bool& hit) {
    PublishRoute& route = slots_[h & (kSlots - 1)];
    hit = route.filled && route.hash == h && route.channel == channel;
    if (!hit) {
      route.channel.assign(channel);
      route.hash = h;
      route.serial = ++lastSerial_;
      route.filled = true;
      route.routerVersion = ~std::uint64_t{0};
      route.subscribers.clear();
      for (PublishRoute::Remote& r : route.remote) r.version = ~std::uint64_t{0};
      route.status = checkPublishChannel(channel);
      route.msgPrefix.assign("MSG ").append(channel).push_back(' ');
      route.retained = {};
      route.clusterVersion = 0;
    }
    return route;
  }

  // A short-string hash: eight bytes a step, one multiply each. Channel
  // names are short, and std::hash's Murmur costs more than the lookup.
  static std::uint64_t hashChannel(std::string_view s);

 private:
  std::unique_ptr<PublishRoute[]> slots_;
  std::uint64_t lastSerial_ = 0;
};

}  // namespace linecast
