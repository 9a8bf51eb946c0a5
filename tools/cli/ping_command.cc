#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "commands.h"
#include "exit_codes.h"

namespace linecast::cli {

int runPing(const GlobalOptions& global, const PingOptions& options) {
  LineClient client;
  if (int code = openSession(global, client); code != kExitOk) return code;

  using Clock = std::chrono::steady_clock;
  double minUs = 0, maxUs = 0, sumUs = 0;
  std::string line;
  for (unsigned i = 1; i <= options.count; ++i) {
    std::string text = fmt::format("linecast-cli-{}", i);
    auto start = Clock::now();
    if (!client.sendAll(fmt::format("PING {}\n", text))) {
      printError(client.error());
      return kExitConnectionLost;
    }
    for (;;) {
      auto result = client.readLine(line, global.timeoutMs());
      if (result != LineClient::Read::kLine) return reportReadFailure(result, client, "PONG");
      ServerLine reply = classify(line);
      if (reply.kind == ServerLine::Kind::kErr) {
        printServerError(reply.payload);
        return exitCodeForServerError(reply.payload);
      }
      if (reply.kind == ServerLine::Kind::kPong && reply.payload == text) break;
    }
    double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    minUs = i == 1 ? us : std::min(minUs, us);
    maxUs = std::max(maxUs, us);
    sumUs += us;
    if (!options.quiet) fmt::print("PONG from {}: seq={} time={:.0f} µs\n", client.address(), i, us);
    std::fflush(stdout);
    if (i < options.count && options.interval > 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(options.interval));
    }
  }
  fmt::print("{} round trips to {}: min/avg/max = {:.0f}/{:.0f}/{:.0f} µs\n", options.count,
             client.address(), minUs, sumUs / options.count, maxUs);
  return kExitOk;
}

}  // namespace linecast::cli
