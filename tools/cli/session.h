#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "line_client.h"

namespace linecast::cli {

// The flags every subcommand shares.
struct GlobalOptions {
  std::string host = "127.0.0.1";
  unsigned port = 7400;
  std::string token;     // --token or LINECAST_TOKEN; empty: no AUTH
  double timeout = 5.0;  // seconds for connect and for each awaited reply
  TlsOptions tls;        // --tls, --cacert, --cert, --key

  std::chrono::milliseconds timeoutMs() const {
    return std::chrono::milliseconds(static_cast<long long>(timeout * 1000));
  }
};

// Connects and, with a token, authenticates (waits for +OK). Returns an exit
// code: kExitOk, or the failure's code after printing why to stderr.
int openSession(const GlobalOptions& options, LineClient& client);

// "linecast-cli: <message>" on stderr.
void printError(std::string_view message);

// Prints a server's -ERR line to stderr as the server sent it.
void printServerError(std::string_view text);

// The exit code for an -ERR text: auth problems are kExitAuthFailed, the rest kExitServerError.
int exitCodeForServerError(std::string_view text);

// Prints why a read did not produce a line and returns its exit code.
int reportReadFailure(LineClient::Read result, const LineClient& client, std::string_view waitingFor);

}  // namespace linecast::cli
