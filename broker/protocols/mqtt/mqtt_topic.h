#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace linecast {

// MQTT topics and filters (MQTT 3.1.1 section 4.7) and their place in the
// one channel space (docs/PROTOCOL.md, "MQTT 3.1.1 ... One channel space"):
// a topic whose levels are each a channel token is that channel with '/'
// for '.'; other topics live among MQTT clients only.

// As the decoder checks a PUBLISH topic, UTF-8 aside: non-empty, no '+' or
// '#' (3.3.2-2, 4.7.3-1).
bool mqttTopicNameValid(std::string_view topic);
// Non-empty; '#' only as the whole last level, '+' only as a whole level
// (4.7.1-2, 4.7.1-3).
bool mqttTopicFilterValid(std::string_view filter);

// A topic whose levels are each a valid channel token (1-255 bytes in all;
// printable ASCII 0x21-0x7E without '.', '*', '>'; no empty level; first
// level not starting with '$') -> the channel, '/' -> '.', into out
// (reused). false: an MQTT-only topic.
bool mqttTopicToChannel(std::string_view topic, std::string& out);

// The reverse, for messages from the other protocols: false when the
// channel has no MQTT topic (a token holding '/', '+' or '#', or a first
// token starting with '$').
bool mqttChannelToTopic(std::string_view channel, std::string& out);

// MQTT matching (4.7): '+' one level, '#' the rest including the parent
// ("a/#" matches "a"), and a topic whose first level starts with '$' is not
// matched by a filter starting with '+' or '#' (4.7.2-1). No allocation.
bool mqttFilterMatches(std::string_view filter, std::string_view topic);

// The line-protocol patterns that together match, among channels, what the
// filter matches ('+' -> '*', '#' -> '>', and "a/#" -> "a.>" and "a"), for
// looking up retained messages in the RetainedStore. false (out empty)
// when the filter can match no channel (a literal level that is not a
// channel token, a '$' first level, a pattern over 255 bytes). A leading
// '*' or '>' also matches channels starting with '$', which have no topic:
// mqttChannelToTopic() refuses them, so the caller skips them.
bool mqttFilterToPatterns(std::string_view filter, std::vector<std::string>& out);

}  // namespace linecast
