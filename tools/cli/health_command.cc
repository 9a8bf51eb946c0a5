#include <fmt/format.h>

#include <charconv>
#include <cstdio>

#include "commands.h"
#include "exit_codes.h"

namespace linecast::cli {

// GET /healthz on the HTTP port; exit 0 only on 200. Small on purpose: it is
// the Docker HEALTHCHECK, and the slim image has no curl.
int runHealth(const GlobalOptions& global, const HealthOptions& options) {
  LineClient client;
  if (!client.connect(global.host, options.httpPort, global.timeoutMs(), global.tls)) {
    printError(client.error());
    return kExitCannotConnect;
  }
  std::string request = fmt::format(
      "GET /healthz HTTP/1.1\r\nHost: {}\r\nUser-Agent: linecast-cli\r\nConnection: close\r\n\r\n",
      client.address());
  if (!client.sendAll(request)) {
    printError(client.error());
    return kExitConnectionLost;
  }
  std::string status;
  auto result = client.readLine(status, global.timeoutMs());
  if (result != LineClient::Read::kLine) return reportReadFailure(result, client, "the HTTP status");
  if (!status.empty() && status.back() == '\r') status.pop_back();
  // "HTTP/1.1 200 OK"
  int code = 0;
  std::size_t space = status.find(' ');
  if (!status.starts_with("HTTP/") || space == std::string::npos ||
      std::from_chars(status.data() + space + 1, status.data() + status.size(), code).ec != std::errc{}) {
    printError(fmt::format("{} did not answer HTTP: '{}'", client.address(), status));
    return kExitServerError;
  }
  const char* scheme = global.tls.enabled ? "https" : "http";
  if (code != 200) {
    printError(fmt::format("GET {}://{}/healthz: {}", scheme, client.address(), status.substr(space + 1)));
    return kExitServerError;
  }
  fmt::print("ok: GET {}://{}/healthz answered 200\n", scheme, client.address());
  return kExitOk;
}

}  // namespace linecast::cli
