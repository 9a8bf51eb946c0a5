#!/usr/bin/env bash
# Configures and builds one flavour into build/<flavour>:
#   release (default), debug, asan (AddressSanitizer + UBSan), tsan, and
#   server (linecast-server and linecast-cli only, into build/release);
# then only the targets named after it, if any: tools/build.sh tsan unit_tests
set -euo pipefail
cd "$(dirname "$0")/.."

flavour="${1:-release}"
dir="$flavour"
all=(-DLINECAST_TESTS=ON -DLINECAST_BENCH=ON)
case "$flavour" in
  # release and asan carry the io_uring backend (--io uring), so the test
  # suite runs on both backends there; debug and tsan stay epoll-only.
  release) args=(-DCMAKE_BUILD_TYPE=Release -DLINECAST_IO_URING=ON "${all[@]}") ;;
  # The release build of linecast-server and linecast-cli alone, in the same
  # folder, configured without the tests and benchmarks, so it needs only
  # `tools/setup.sh server`'s packages (tools/run-server.sh).
  server) dir=release
          args=(-DCMAKE_BUILD_TYPE=Release -DLINECAST_IO_URING=ON -DLINECAST_TESTS=OFF -DLINECAST_BENCH=OFF) ;;
  debug) args=(-DCMAKE_BUILD_TYPE=Debug "${all[@]}") ;;
  # -g1: line tables only, all a sanitizer's report needs (file:line per
  # frame); full debug info made these builds much slower to compile and link.
  asan) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
              -DLINECAST_SANITIZE=ON -DLINECAST_IO_URING=ON "${all[@]}") ;;
  tsan) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
              -DLINECAST_TSAN=ON "${all[@]}") ;;
  *) echo "usage: $0 [release|server|debug|asan|tsan] [target...]" >&2; exit 2 ;;
esac
shift || true
# Optional targets after the flavour (default: everything; for server, the
# two programs).
targets=()
for t in "$@"; do targets+=(--target "$t"); done
if [ "$flavour" = server ] && ((${#targets[@]} == 0)); then
  targets=(--target linecast-server --target linecast-cli)
fi
cmake -S . -B "build/$dir" "${args[@]}" >/dev/null
cmake --build "build/$dir" -j"$(nproc)" "${targets[@]}"
