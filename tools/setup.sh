#!/usr/bin/env bash
# Installs the Debian 12 packages linecast needs, and nothing when they are
# all there already. Run as root (or with sudo).
#   tools/setup.sh          everything: build, tests, benchmarks, fuzzing
#   tools/setup.sh server   only what linecast-server and linecast-cli build with
set -euo pipefail

# The server's and linecast-cli's build dependencies.
packages=(
  build-essential cmake g++ pkg-config
  libfmt-dev libcli11-dev libhttp-parser-dev liburing-dev libssl-dev libtomlplusplus-dev
  nlohmann-json3-dev zlib1g-dev
  # --data-dir's store
  liblmdb-dev
  # --cluster's Redis client (hiredis's async API)
  libhiredis-dev
)
[ "${1:-}" = server ] || packages+=(
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # the DataStore micro-benchmark measures SQLite against LMDB; lmdb-utils
  # (mdb_stat, mdb_dump) to look into a --data-dir
  libsqlite3-dev lmdb-utils
  netcat-openbsd procps openssl
  # client examples and their tests (tests/examples, tests/cli)
  python3-pytest python3-yaml python3-jwt python3-cryptography curl mono-mcs mono-runtime openjdk-17-jdk-headless
  python3-websockets
  # the console page in a real browser (tests/browser, tools/console-screenshot.py)
  chromium chromium-driver python3-selenium
  # RESP interop (tests/interop): real Redis clients and a real redis-server
  redis-server redis-tools python3-redis
  # --cluster sentinel:// (tests/cluster): real Sentinels over a master and a replica
  redis-sentinel
  # the cluster tests' load balancer (tests/cluster, TCP round robin)
  haproxy
  # MQTT interop (tests/mqtt) and the MQTT examples: paho-mqtt, the
  # reference broker and its command-line clients, the fusesource Java
  # client, node's mqtt
  python3-paho-mqtt mosquitto mosquitto-clients libmqtt-client-java nodejs node-mqtt
  # Redis's own pub/sub tests (tools/redis-tests.sh) run by its Tcl harness
  tcl
  # fuzzing (tools/fuzz.sh): libFuzzer, ASan and UBSan from clang
  clang-14 libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
