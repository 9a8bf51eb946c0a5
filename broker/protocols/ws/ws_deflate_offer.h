#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace linecast {

// permessage-deflate's negotiation (RFC 7692 section 7.1), on the server's
// side: which of the client's offers the server accepts, and what it
// answers.

// The agreed parameters, as both ends apply them.
struct WsDeflateParams {
  // The server resets its compressor after each message it sends.
  bool serverNoContextTakeover = false;
  // The client resets its compressor after each message; the inflater then
  // resets too (it is bound by the answer, so a client that keeps its
  // context fails the connection).
  bool clientNoContextTakeover = false;
  // The largest LZ77 window, as a power of two (8..15), each side may
  // compress with: the server's bounds WsDeflater, the client's WsInflater.
  int serverMaxWindowBits = 15;
  int clientMaxWindowBits = 15;
};

struct WsDeflateAgreement {
  WsDeflateParams params;
  // The value after "Sec-WebSocket-Extensions: " in the 101 answer.
  std::string response;
};

// Reads a Sec-WebSocket-Extensions request value (RFC 6455 9.1: offers
// separated by commas, parameters by semicolons, a value a token or a
// quoted string, optional whitespace around each separator; several header
// lines joined with ", ") and accepts the first permessage-deflate offer
// that RFC 7692 7.1 lets the server accept. An offer with an unknown
// parameter, a parameter given twice, or a value that is not allowed is
// declined, and the next one considered. Other extensions are skipped.
// Names are compared exactly (the registered ones are lower case).
//
// A value that does not follow the grammar at all is declined as a whole
// (nullopt): where its offers begin and end is then a guess.
//
// The server's policy: it asks nothing of the client that the client did
// not offer (no client_no_context_takeover: keeping the context compresses
// better, and the inflater's window is allocated anyway); it echoes
// server_no_context_takeover and server_max_window_bits when offered (RFC
// 7692 7.1.2 requires both), client_no_context_takeover when offered (so
// that the client is bound to it), and client_max_window_bits=N when the
// client offered a value N (so that the inflater needs a window of 2^N
// bytes, not 32 KiB; offered without a value, the server asks nothing and
// inflates with 15).
std::optional<WsDeflateAgreement> negotiateWsDeflate(std::string_view header);

}  // namespace linecast
