#pragma once

#include <string_view>
#include <vector>

#include "cluster/redis_glob.h"

namespace linecast {

// What a node asks Redis for on behalf of an MQTT topic filter its clients
// hold (docs/PROTOCOL.md, "Cluster"). A message reaches an MQTT subscriber
// by one of two Redis names, so a filter may need names of two shapes:
// - a channel's message (from any protocol, MQTT topics that are channels
//   included) travels on the channel, whose topic is the channel with '/'
//   for '.'. The filter's channel image: '/' -> '.', none when a literal
//   level cannot come from a channel (it holds '.', '*' or '>', or the
//   filter starts with '$').
// - an MQTT-only topic's message travels on the topic itself: the filter
//   as it is, with '/'. Not needed by a filter without wildcards that is a
//   channel's topic (its messages all travel on the channel).
// With wildcards each name is a glob ('+' and '#' -> '*', glob characters
// of literal levels escaped) and "a/#" needs "a"'s names too; without, a
// channel. Names are appended once; the node re-checks every message with
// MQTT's own matching, so the looser globs never reach a subscriber.
void redisInterestsForMqttFilter(std::string_view filter, std::vector<RedisInterest>& out);

}  // namespace linecast
