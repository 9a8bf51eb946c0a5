#!/usr/bin/env bash
# Sets up and runs linecast-server in the foreground on 127.0.0.1:7400:
# installs only the server's build packages and builds only linecast-server
# and linecast-cli (Release, into build/release). Extra arguments go to the
# server, e.g.
#   tools/run-server.sh --port 7500 --log-level debug
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh server
tools/build.sh server
exec build/release/broker/linecast-server "$@"
