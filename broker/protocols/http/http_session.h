#pragma once

#include <http_parser.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "net/connection.h"
#include "net/session.h"

namespace linecast {

class HttpProtocol;

// The request headers an HTTP session keeps (all others are skipped).
enum class HttpHeader : std::uint8_t {
  kAuthorization,
  kExpect,
  kUpgrade,
  kConnection,
  kWsKey,
  kWsVersion,
  kWsProtocol,
  kWsExtensions,
  kOrigin,
};
inline constexpr std::size_t kHttpHeaders = 9;

// The state of one HTTP connection between reads: Node's http-parser (Debian
// libhttp-parser) is resumable, so a request split at any byte is parsed as
// it arrives; we keep only the URL, the headers above and the body, each
// bounded. An HTTP connection subscribes to nothing, so it is never handed
// a delivery; a request to /ws or /sub/ hands the connection to a session
// that does (Connection::upgradeSession).
class HttpSession final : public Session {
 public:
  explicit HttpSession(HttpProtocol& protocol);

  SessionKind kind() const override { return SessionKind::kHttp; }
  void onInput(Connection& conn, std::span<char> scratch, double now) override;
  bool deliver(Connection& conn, const Delivery& message) override;
  void checkTimeouts(Connection& conn, double now) override;
  void refusePlaintext(Connection& conn) override;
  void describe(const Connection&, SessionDescription& out) const override { out.protocol = "http"; }

  http_parser parser;
  const std::string& header(HttpHeader which) const { return headers[static_cast<std::size_t>(which)]; }

  std::string url;
  std::string headerField;
  // A header sent on several lines is kept joined with ", " (RFC 9110 5.3).
  std::array<std::string, kHttpHeaders> headers;
  std::string body;
  int kept = -1;  // the HttpHeader the value being read belongs to; -1: none
  bool lastWasValue = false;
  int earlyStatus = 0;  // a status decided from the headers alone
  // --cluster: the answer to a request that changed a retained message,
  // held (the parser paused, the input after it unread) until Redis stored
  // the value (docs/PROTOCOL.md, "Cluster").
  struct HeldResponse {
    int status;
    std::string contentType;
    std::string body;
    bool close;
  };
  std::optional<HeldResponse> held;

 private:
  HttpProtocol& protocol_;
};

}  // namespace linecast
