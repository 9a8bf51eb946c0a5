#!/usr/bin/env bash
# Instructions per message in the server: runs linecast-server (one thread,
# epoll) under callgrind, publishes a bounded number of messages 1->1 with
# linecast-bench, and divides the server's instruction count by the messages
# delivered. Startup and connection set-up are included but are under 1%
# of a million messages. Used to compare two commits (within 3% is "the
# same"); the per-function split comes from callgrind_annotate on the
# file it leaves.
#
#   tools/callgrind.sh [BUILD_DIR] [MESSAGES] [PAYLOAD] [extra server flags...]
#   e.g. tools/callgrind.sh build/release 1000000 16
# CALLGRIND_BENCH_FLAGS goes to linecast-bench, e.g. a user with permissions:
#   CALLGRIND_BENCH_FLAGS="--user lc --password pw" tools/callgrind.sh build/release 2000000 16 --users users.toml
set -euo pipefail

build=${1:-build/release}
messages=${2:-1000000}
payload=${3:-16}
shift $(( $# > 3 ? 3 : $# ))
server=$build/broker/linecast-server
bench=$build/bench/linecast-bench
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed (apt-get install -y valgrind)" >&2; exit 2; }
[[ -x $server && -x $bench ]] || { echo "callgrind.sh: build $build first (tools/build.sh release)" >&2; exit 2; }

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
out=$(mktemp -d /tmp/lc-callgrind.XXXXXX)
valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
  "$server" --bind 127.0.0.1 --port "$port" --http-port 0 --threads 1 --io epoll "$@" \
  2>"$out/server.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

# shellcheck disable=SC2086
"$bench" --port "$port" -p 1 -s 1 -b "$payload" -n "$messages" -d 120 --drain 20 --json -q ${CALLGRIND_BENCH_FLAGS:-} \
  >"$out/bench.json"
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT

delivered=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["delivered"])' "$out/bench.json")
total=$(callgrind_annotate "$out/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
echo "messages delivered: $delivered"
echo "server instructions: $total"
/usr/bin/python3 -c 'import sys; t,d=int(sys.argv[1]),int(sys.argv[2]); print(f"instructions per message: {t/d:.1f}")' "$total" "$delivered"
echo "callgrind output: $out/callgrind.out"
