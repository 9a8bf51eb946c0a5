#!/usr/bin/env bash
# Sets up (packages, Release build) and runs linecast-server in the
# foreground on 127.0.0.1:7400. Extra arguments go to the server, e.g.
#   tools/run-server.sh --port 7500 --log-level debug
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh release
exec build/release/broker/linecast-server "$@"
