#pragma once

#include <gtest/gtest.h>

#include "fake_broker.h"
#include "loadgen/runner.h"

namespace linecast::bench::testing {

// Options for a run against the fake broker, quiet and bounded: the tests
// set a message count, which ends their runs long before the duration.
inline Options baseOptions(const FakeBroker& broker) {
  Options o;
  o.port = broker.port();
  o.quiet = true;
  o.durationSec = 20;
  o.drainSec = 5;
  o.connectTimeoutSec = 10;
  return o;
}

// Validates the options (a test's options must be valid) and runs.
inline RunResult run(Options o) {
  if (auto problem = validate(o)) ADD_FAILURE() << *problem;
  Targets t = resolveTargets(o.host, o.port, o.subscriberPorts, false);
  EXPECT_EQ(t.error(), "");
  return runBenchmark(o, t);
}

}  // namespace linecast::bench::testing
