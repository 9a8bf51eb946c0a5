#!/usr/bin/env bash
# Sets up and runs every test: the unit, allocation and integration suites
# on a normal build, then again under AddressSanitizer + UBSan, then the
# threaded parts under ThreadSanitizer, then each fuzz target briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

run_suite() {
  local flavour="$1"
  echo "== $flavour build =="
  tools/build.sh "$flavour"
  # A test that fails is run once more before the suite fails: on a shared
  # 2-core machine a timing-sensitive test can lose a race with the other
  # jobs (seen once: an interop test under ASan). Both attempts show in the log.
  (cd "build/$flavour" && ctest --output-on-failure -j2 --timeout 300 --repeat until-pass:2)
}

run_suite release
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite asan

# The reactor threads under ThreadSanitizer: the unit tests (the lanes with
# two real threads among them) and the integration suite against a TSan
# server (one reactor thread per core; the threads tests use 4). A race makes
# the server exit 66 at the SIGTERM that ends each test, which fails it.
echo "== tsan build =="
tools/build.sh tsan linecast-server unit_tests integration_tests
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
build/tsan/tests/unit_tests --gtest_brief=1
if ! build/tsan/tests/integration_tests --gtest_brief=1 | tee build/tsan/integration.log; then
  # As above: a failed test gets one more run before the suite fails.
  failed=$(sed -n 's/^\[  FAILED  \] \([A-Za-z0-9_./]*\).*/\1/p' build/tsan/integration.log | sort -u | paste -sd:)
  echo "== tsan: running again: $failed =="
  build/tsan/tests/integration_tests --gtest_brief=1 --gtest_filter="$failed"
fi
unset TSAN_OPTIONS

# Each fuzz target briefly, two at a time (the long run: tools/fuzz.sh 600).
tools/fuzz.sh 20
