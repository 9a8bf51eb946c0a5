#!/usr/bin/env bash
# Configures and builds one flavour into build/<flavour>:
#   release (default), debug, asan (AddressSanitizer + UBSan), tsan;
# then only the targets named after it, if any: tools/build.sh tsan unit_tests
set -euo pipefail
cd "$(dirname "$0")/.."

flavour="${1:-release}"
case "$flavour" in
  # release and asan carry the io_uring backend (--io uring), so the test
  # suite runs on both backends there; debug and tsan stay epoll-only.
  release) args=(-DCMAKE_BUILD_TYPE=Release -DLINECAST_IO_URING=ON) ;;
  debug) args=(-DCMAKE_BUILD_TYPE=Debug) ;;
  asan) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DLINECAST_SANITIZE=ON -DLINECAST_IO_URING=ON) ;;
  tsan) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DLINECAST_TSAN=ON) ;;
  *) echo "usage: $0 [release|debug|asan|tsan]" >&2; exit 2 ;;
esac
shift || true
# Optional targets after the flavour (default: everything).
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake -S . -B "build/$flavour" "${args[@]}" >/dev/null
cmake --build "build/$flavour" -j"$(nproc)" "${targets[@]}"
