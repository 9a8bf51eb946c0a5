#pragma once

#include "loadgen/options.h"
#include "loadgen/run_result.h"
#include "loadgen/target.h"

namespace linecast::bench {

// Runs one benchmark: spreads the connections over worker threads, waits for
// every barrier, starts the clock, stops publishing after the duration (or
// the message count), drains, and gathers the result. Every wait is bounded
// by the options' hard deadline, so a stalled broker cannot hang the run.
RunResult runBenchmark(const Options& options, const Targets& targets);

}  // namespace linecast::bench
