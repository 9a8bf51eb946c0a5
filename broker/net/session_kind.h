#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace linecast {

// The protocol a connection speaks now, for the per-protocol connection
// gauge (linecast_connections{protocol="..."}). An HTTP connection becomes
// a WebSocket or an event stream (SSE) when a request upgrades it.
enum class SessionKind : std::uint8_t { kLine, kResp, kHttp, kWs, kSse, kMqtt };
inline constexpr std::size_t kSessionKinds = 6;

constexpr std::string_view sessionKindName(SessionKind kind) {
  switch (kind) {
    case SessionKind::kLine: return "line";
    case SessionKind::kResp: return "resp";
    case SessionKind::kHttp: return "http";
    case SessionKind::kWs: return "ws";
    case SessionKind::kSse: return "sse";
    case SessionKind::kMqtt: return "mqtt";
  }
  return "unknown";
}

}  // namespace linecast
