#!/usr/bin/env bash
# Sets up and runs every test: the unit, allocation and integration suites
# on a normal build, then again under AddressSanitizer + UBSan.
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

# Each fuzz target briefly, two at a time (the long run: tools/fuzz.sh 600).
tools/fuzz.sh 20
