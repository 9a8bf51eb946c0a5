#pragma once

#include <http_parser.h>

#include <string>

#include "net/connection.h"
#include "net/session.h"

namespace linecast {

class HttpProtocol;

// The state of one HTTP connection between reads: Node's http-parser (Debian
// libhttp-parser) is resumable, so a request split at any byte is parsed as
// it arrives; we keep only the URL, the Authorization value and the body,
// each bounded. An HTTP connection subscribes to nothing, so it is never
// handed a delivery.
class HttpSession final : public Session {
 public:
  explicit HttpSession(HttpProtocol& protocol);

  void onInput(Connection& conn, std::span<char> scratch, double now) override;
  bool deliver(Connection& conn, const Delivery& message) override;
  void checkTimeouts(Connection& conn, double now) override;
  void refusePlaintext(Connection& conn) override;
  void describe(const Connection&, SessionDescription& out) const override { out.protocol = "http"; }

  http_parser parser;
  std::string url;
  std::string headerField;
  std::string authorization;
  std::string body;
  bool inAuthorization = false;
  bool lastWasValue = false;
  bool hasExpect = false;
  int earlyStatus = 0;  // a status decided from the headers alone

 private:
  HttpProtocol& protocol_;
};

}  // namespace linecast
