#pragma once

#include <span>
#include <string>
#include <string_view>

namespace linecast {

// The RFC 6455 opening handshake (section 4.2), on the server's side: is
// this HTTP request a valid upgrade, and what does the 101 answer carry.
// The HTTP session parses the request; this file only judges the values.

// The request headers that matter, as values (empty when absent; a header
// sent on several lines is passed joined with ", ", as RFC 9110 5.3 allows).
struct WsUpgradeRequest {
  std::string_view method;
  std::string_view upgrade;     // Upgrade
  std::string_view connection;  // Connection
  std::string_view version;     // Sec-WebSocket-Version
  std::string_view key;         // Sec-WebSocket-Key
  std::string_view origin;      // Origin
};

struct WsUpgradeVerdict {
  int status = 101;          // 101, or the refusal's: 400, 403, 405, 426
  std::string accept;        // on 101: the Sec-WebSocket-Accept value
  std::string_view reason;   // on a refusal: why, for the body and the log
  std::string_view header;   // on a refusal: a header line the answer must carry, or empty
};

// Checks the request in this order: method (GET, else 405), Upgrade holds
// the token "websocket" and Connection the token "upgrade" (else 400),
// Sec-WebSocket-Version is 13 (else 426 with "Sec-WebSocket-Version: 13"),
// Sec-WebSocket-Key is the base64 of 16 bytes (else 400), and the Origin,
// when there is one and allowedOrigins is not empty, is listed (else 403;
// compared without regard to ASCII case, as origins' schemes and hosts
// are).
WsUpgradeVerdict checkWsUpgrade(const WsUpgradeRequest& request,
                                std::span<const std::string> allowedOrigins);

// base64(SHA-1(key + the RFC's GUID)): the Sec-WebSocket-Accept value.
std::string wsAcceptValue(std::string_view key);

// Whether a comma-separated header value (RFC 9110 5.6.1) holds `token`,
// without regard to ASCII case.
bool headerHasToken(std::string_view value, std::string_view token);

// The first subprotocol the client offers in Sec-WebSocket-Protocol (in its
// order of preference) that the server supports, or empty: then the answer
// carries no Sec-WebSocket-Protocol. Subprotocol names are case-sensitive
// (RFC 6455 4.1).
std::string_view selectWsSubprotocol(std::string_view offered,
                                     std::span<const std::string_view> supported);

// The 101 answer's head, ending in the blank line. `extensions`: the
// Sec-WebSocket-Extensions value agreed (permessage-deflate), or empty.
std::string wsUpgradeResponse(std::string_view accept, std::string_view subprotocol = {},
                              std::string_view extensions = {});

}  // namespace linecast
