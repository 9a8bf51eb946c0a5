#include "session.h"

#include <fmt/format.h>

#include <cstdio>

#include "exit_codes.h"

namespace linecast::cli {

void printError(std::string_view message) {
  fmt::print(stderr, "linecast-cli: {}\n", message);
  std::fflush(stderr);
}

void printServerError(std::string_view text) {
  fmt::print(stderr, "linecast-cli: -ERR {}\n", text);
  std::fflush(stderr);
}

int exitCodeForServerError(std::string_view text) {
  if (text.starts_with("authentication")) return kExitAuthFailed;
  return kExitServerError;
}

int reportReadFailure(LineClient::Read result, const LineClient& client, std::string_view waitingFor) {
  switch (result) {
    case LineClient::Read::kEof:
      printError(fmt::format("connection to {} closed by the server while waiting for {}",
                             client.address(), waitingFor));
      break;
    case LineClient::Read::kTimeout:
      printError(fmt::format("no {} from {} in time (see --timeout)", waitingFor, client.address()));
      break;
    case LineClient::Read::kError:
      printError(client.error());
      break;
    case LineClient::Read::kLine:
      return kExitOk;
  }
  return kExitConnectionLost;
}

int openSession(const GlobalOptions& options, LineClient& client) {
  if (!client.connect(options.host, options.port, options.timeoutMs(), options.tls)) {
    printError(client.error());
    return kExitCannotConnect;
  }
  if (options.token.empty()) return kExitOk;
  if (!client.sendAll(fmt::format("AUTH {}\n", options.token))) {
    printError(client.error());
    return kExitConnectionLost;
  }
  std::string line;
  for (;;) {
    auto result = client.readLine(line, options.timeoutMs());
    if (result != LineClient::Read::kLine) return reportReadFailure(result, client, "the AUTH reply");
    ServerLine reply = classify(line);
    if (reply.kind == ServerLine::Kind::kOk) return kExitOk;
    if (reply.kind == ServerLine::Kind::kErr) {
      printServerError(reply.payload);
      int code = exitCodeForServerError(reply.payload);
      if (code == kExitAuthFailed) {
        printError(fmt::format("authentication with {} failed (check --token or LINECAST_TOKEN)",
                               client.address()));
      }
      return code;
    }
    // Nothing else can come before the AUTH reply; skip it rather than guess.
  }
}

}  // namespace linecast::cli
