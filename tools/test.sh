#!/usr/bin/env bash
# Sets up and runs every test: the unit, allocation and integration suites
# on a normal build, then again under AddressSanitizer + UBSan, then the
# threaded parts under ThreadSanitizer, then each fuzz target briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

started=$SECONDS
passed=0
summary=()

# The ctest entries of a build, or those a regex names (then with a label).
run_suite() {
  local flavour="$1" regex="${2:-}" label="${3:-$1}"
  # No retries: a test that fails once has found something (issue 18 found
  # a real loss behind a retried "flaky" test).
  (cd "build/$flavour" && ctest --output-on-failure -j2 --timeout 300 ${regex:+-R "$regex"}) |
    tee "build/$flavour/ctest-$label.log"
  local n
  n=$(sed -n 's/^100% tests passed, 0 tests failed out of \([0-9]*\)$/\1/p' "build/$flavour/ctest-$label.log")
  passed=$((passed + n))
  summary+=("$label: $n ctest entries passed")
}

# A gtest binary; counts its passed tests into the summary.
run_gtest() {
  local name="$1"
  shift
  "$@" --gtest_brief=1 | tee "build/$name.log"
  local n
  n=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\.$/\1/p' "build/$name.log" | tail -1)
  passed=$((passed + n))
  summary+=("$name: $n tests passed")
}

echo "== release build =="
tools/build.sh release

# The other builds (ASan, TSan, the fuzz targets) go on in the background
# at the lowest priority while the suites run. The suites mostly wait on
# sockets and child processes, and a nice 19 compiler gets only the CPU
# they leave idle (CFS weighs it 15 against their 1024), so the builds
# take little from the suites and the run no longer waits for them.
mkdir -p build
rm -f build/*.built
set -m  # its own process group, so that the trap below ends all of it
(
  set -e
  nice -n 19 tools/build.sh asan >build/asan-build.log 2>&1
  touch build/asan.built
  nice -n 19 tools/build.sh tsan linecast-server unit_tests integration_tests >build/tsan-build.log 2>&1
  touch build/tsan.built
  FUZZ_BUILD_ONLY=1 nice -n 19 tools/fuzz.sh >build/fuzz-build.log 2>&1
  touch build/fuzz.built
) &
builds=$!
set +m
trap 'kill -- -$builds 2>/dev/null || true' EXIT

# Waits for one of the background builds; a failed one fails the run with
# its log.
await_build() {
  local name="$1"
  echo "== $name build (background) =="
  while [ ! -e "build/$name.built" ]; do
    if ! kill -0 "$builds" 2>/dev/null && [ ! -e "build/$name.built" ]; then
      tail -50 "build/$name-build.log"
      echo "test.sh: the $name build failed (build/$name-build.log)"
      exit 1
    fi
    sleep 2
  done
}

run_suite release
await_build asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite asan

# The reactor threads under ThreadSanitizer: the unit tests (the lanes with
# two real threads among them), the integration suite against a TSan
# server (two reactor threads; the threads tests use 4) and the cluster
# suite. A race makes the
# server exit 66 at the SIGTERM that ends each test, which fails it.
await_build tsan
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
run_gtest tsan-unit build/tsan/tests/unit_tests
export LINECAST_TEST_THREADS=2
run_gtest tsan-integration build/tsan/tests/integration_tests
# The cluster suite against TSan nodes (two reactor threads each): the
# backplane on thread 0 and every thread's hand-over to it, with the real
# redis-server, Sentinels and HAProxy; a report in a node's log fails it.
run_suite tsan '^cluster$' tsan-cluster
unset TSAN_OPTIONS LINECAST_TEST_THREADS

# Each fuzz target briefly, two at a time (the long run: tools/fuzz.sh 600;
# ctest replays every committed corpus and regression in both passes).
await_build fuzz
tools/fuzz.sh 10
summary+=("fuzz: every target ok (tools/fuzz.sh 10)")

echo "== summary ($(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s) =="
printf '  %s\n' "${summary[@]}"
# The closing line in the plain form CI reads: anything that failed has
# already stopped this script (set -e).
echo "test.sh: $passed passed, 0 failed"
