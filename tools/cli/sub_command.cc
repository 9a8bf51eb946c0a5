#include <fmt/format.h>

#include <cstdio>

#include "commands.h"
#include "exit_codes.h"

namespace linecast::cli {
namespace {

// Writes one delivery to stdout, byte for byte (payloads may hold NUL bytes).
void printMessage(const ServerLine& msg, bool verbose) {
  if (verbose) {
    std::fwrite(msg.channel.data(), 1, msg.channel.size(), stdout);
    std::fputc(' ', stdout);
  }
  std::fwrite(msg.payload.data(), 1, msg.payload.size(), stdout);
  std::fputc('\n', stdout);
}

}  // namespace

int runSub(const GlobalOptions& global, const SubOptions& options) {
  LineClient client;
  if (int code = openSession(global, client); code != kExitOk) return code;

  std::string command = "SUB";
  for (const auto& pattern : options.patterns) command += " " + pattern;
  // PING is the barrier of docs/PROTOCOL.md: once PONG is back, the SUB matches.
  command += "\nPING linecast-cli-sub\n";
  if (!client.sendAll(command)) {
    printError(client.error());
    return kExitConnectionLost;
  }

  std::uint64_t received = 0;
  bool subscribed = false;
  int errorCode = kExitOk;  // of the last -ERR; decides the exit code when the server closes
  std::string line;
  for (;;) {
    // Until PONG the server owes us an answer; after it, silence is normal.
    auto timeout = subscribed ? std::chrono::milliseconds(-1) : global.timeoutMs();
    auto result = client.readLine(line, timeout);
    if (result != LineClient::Read::kLine) {
      std::fflush(stdout);
      if (result == LineClient::Read::kEof && errorCode != kExitOk) return errorCode;
      return reportReadFailure(result, client, subscribed ? "messages" : "the SUB confirmation");
    }
    ServerLine reply = classify(line);
    switch (reply.kind) {
      case ServerLine::Kind::kMsg:
        printMessage(reply, options.verbose);
        ++received;
        break;
      case ServerLine::Kind::kErr:
        printServerError(reply.payload);
        errorCode = exitCodeForServerError(reply.payload);
        if (errorCode == kExitAuthFailed && global.token.empty()) {
          printError("the server requires a token: pass --token or set LINECAST_TOKEN");
        }
        break;
      case ServerLine::Kind::kPong:
        if (!subscribed && reply.payload == "linecast-cli-sub") {
          // A rejected SUB changes nothing (docs/PROTOCOL.md), so there is nothing to wait for.
          if (errorCode != kExitOk) return errorCode;
          subscribed = true;
          std::string list;
          for (const auto& pattern : options.patterns) list += (list.empty() ? "" : ", ") + pattern;
          printError(fmt::format("subscribed to {} on {}", list, client.address()));
        }
        break;
      default:
        break;
    }
    if (options.count > 0 && received >= options.count) {
      std::fflush(stdout);
      return kExitOk;
    }
    // One flush per batch that arrived together, so that a pipe sees each
    // message at once without a write() per line under load.
    if (!client.hasBufferedLine()) std::fflush(stdout);
  }
}

}  // namespace linecast::cli
