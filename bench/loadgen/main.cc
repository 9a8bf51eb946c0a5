// linecast-bench: the load generator. See bench/README.md.

#include <csignal>
#include <cstdio>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "loadgen/clock.h"
#include "loadgen/options.h"
#include "loadgen/proc_stats.h"
#include "loadgen/report.h"
#include "loadgen/runner.h"
#include "loadgen/target.h"

using namespace linecast::bench;

namespace {

// The runner already bounds every wait by the deadline; this is the backstop
// for a bug or a stuck syscall: the process ends a little after it, whatever
// state it is in.
void startWatchdog(double seconds) {
  std::thread([seconds] {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds + 10));
    fmt::print(stderr, "linecast-bench: watchdog: still running {:.0f} s past the deadline, exiting\n",
               10.0);
    std::fflush(stderr);
    _exit(3);
  }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parseOptions(argc, argv);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  Options options = std::get<Options>(parsed);
  if (auto problem = validate(options)) {
    fmt::print(stderr, "linecast-bench: {}\n", *problem);
    return 2;
  }
  Targets targets = resolveTargets(options.host, options.port, options.subscriberPorts, options.allowRemote);
  if (!targets.error().empty()) {
    fmt::print(stderr, "linecast-bench: {}\n", targets.error());
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  std::uint64_t fdLimit = raiseFdLimit();
  std::uint64_t needed = std::uint64_t{options.publishers} + options.subscribers + 64;
  if (fdLimit < needed) {
    fmt::print(stderr, "linecast-bench: {} connections need {} file descriptors, the limit is {}\n",
               needed - 64, needed, fdLimit);
    return 2;
  }
  startWatchdog(options.hardDeadlineSec());

  RunResult result = runBenchmark(options, targets);
  result.fdLimit = fdLimit;
  std::string report = options.json ? reportJson(options, targets, result)
                                    : reportText(options, targets, result);
  std::fwrite(report.data(), 1, report.size(), stdout);
  std::fflush(stdout);
  if (!result.ok) fmt::print(stderr, "linecast-bench: FAILED: {}\n", result.error);
  return result.ok ? 0 : 1;
}
