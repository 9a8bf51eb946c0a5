#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang-14 + ASan + UBSan into
# build/fuzz and runs each for a bounded time, two at a time (2 cores):
#   tools/fuzz.sh            30 s per target (what CI runs is tools/test.sh's)
#   tools/fuzz.sh 600        the long run
#   tools/fuzz.sh 60 server  only the named targets
# Each target starts from the committed seeds (fuzz/corpus/<target>) plus
# what earlier runs here found (build/fuzz/corpus/<target>). A crash or a
# failed invariant stops with the input saved under build/fuzz/artifacts/;
# commit it to fuzz/regressions/<target>/ so ctest replays it for good.
# FUZZ_MERGE=1 minimizes what the run found into fuzz/corpus/ (to commit).
# FUZZ_BUILD_ONLY=1 builds the targets and runs none (tools/test.sh builds
# them in the background while other suites run).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

seconds="${1:-30}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(line http resp server jwt users ws ws_deflate mqtt mqtt_session)

build=build/fuzz
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLINECAST_FUZZ=ON -DLINECAST_TESTS=OFF -DLINECAST_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

run_one() {
  local t="$1"
  local work="$build/corpus/$t" artifacts="$build/artifacts/$t"
  mkdir -p "$work" "$artifacts"
  "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=3072 \
    -max_len=8192 -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$work" "fuzz/corpus/$t" >"$build/fuzz_$t.log" 2>&1
}

declare -A status
pids=()
running=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  running+=("$t")
  if ((${#pids[@]} == 2)); then
    for i in "${!pids[@]}"; do
      if wait "${pids[$i]}"; then status[${running[$i]}]=0; else status[${running[$i]}]=1; fi
    done
    pids=()
    running=()
  fi
done
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then status[${running[$i]}]=0; else status[${running[$i]}]=1; fi
done

total=0
failed=0
for t in "${targets[@]}"; do
  log="$build/fuzz_$t.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  execs=${execs:-0}
  total=$((total + execs))
  if [ "${status[$t]}" = 0 ]; then
    printf 'fuzz %-10s ok     %10s executions in %ss\n' "$t" "$execs" "$seconds"
  else
    failed=1
    printf 'fuzz %-10s FAILED %10s executions; log: %s\n' "$t" "$execs" "$log"
    grep -E 'invariant violated|ERROR: |SUMMARY|Test unit written' "$log" | head -8 | sed 's/^/    /'
  fi
  if [ "${FUZZ_MERGE:-0}" = 1 ] && [ "${status[$t]}" = 0 ]; then
    "$build/fuzz/fuzz_$t" -merge=1 "fuzz/corpus/$t" "$build/corpus/$t" >"$build/merge_$t.log" 2>&1
  fi
done
echo "fuzz total: $total executions"
exit "$failed"
