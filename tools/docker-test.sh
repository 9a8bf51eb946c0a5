#!/usr/bin/env bash
# Builds the Docker image (docker/Dockerfile) for real and checks what a user
# of it relies on: pub/sub through the container, the HEALTHCHECK, and the
# non-root user. About 8 minutes, so it is not part of tools/test.sh (which
# checks the Dockerfile's text and its entrypoint without an engine); run it
# for every change to docker/ and quote its last line.
#
#   tools/docker-test.sh
#
# As root. These machines have a Docker engine but no image registry and no
# bridge networking, so:
#  - a dockerd is started when none answers (--iptables=false --bridge=none)
#    and stopped again at the end;
#  - the debian:12-slim base, when missing, is made from Debian's own
#    archive: debootstrap --variant=minbase bookworm, piped into docker import;
#  - the build and the container use the host's network (--network host),
#    the container bound to 127.0.0.1 on free ports.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
work=build/docker-test
mkdir -p "$work"
image=linecast:docker-test
base=debian:12-slim

need=()
for p in docker.io debootstrap; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

dockerd_pid=""
container=""
cleanup() {
  if [ -n "$container" ]; then docker rm -f "$container" >/dev/null 2>&1 || true; fi
  if [ -n "$dockerd_pid" ]; then
    kill "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

if ! docker info >/dev/null 2>&1; then
  echo "docker-test: starting dockerd (log: $work/dockerd.log)"
  dockerd --iptables=false --bridge=none >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "docker-test: dockerd did not start" >&2; exit 1; }
fi

if ! docker image inspect "$base" >/dev/null 2>&1; then
  echo "docker-test: making $base with debootstrap (log: $work/debootstrap.log)"
  rootfs=$(mktemp -d /var/tmp/linecast-rootfs.XXXXXX)
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian \
    >"$work/debootstrap.log" 2>&1
  # The image's own apt lists come from its first `apt-get update`.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -c . | docker import - "$base" >/dev/null
  rm -rf "$rootfs"
fi

echo "docker-test: building $image (log: $work/build.log)"
docker build --network host -f docker/Dockerfile -t "$image" . >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log"; exit 1; }

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
http_port=$(free_port)
container=$(docker run -d --network host -e LINECAST_BIND=127.0.0.1 -e LINECAST_PORT="$port" \
  -e LINECAST_HTTP_PORT="$http_port" "$image")

passed=0
failed=0
check() {  # check NAME COMMAND...
  if "${@:2}"; then
    echo "docker-test: ok   $1"
    passed=$((passed + 1))
  else
    echo "docker-test: FAIL $1"
    failed=$((failed + 1))
  fi
}

healthy() {
  local status=""
  for _ in $(seq 1 60); do
    status=$(docker inspect -f '{{.State.Health.Status}}' "$container")
    [ "$status" = healthy ] && return 0
    sleep 1
  done
  echo "  health: $status"; docker logs "$container" 2>&1 | tail -5
  return 1
}

non_root() {
  local uid pid
  uid=$(docker exec "$container" id -u)
  pid=$(docker inspect -f '{{.State.Pid}}' "$container")
  echo "  uid in the container: $uid; server process on the host: $(ps -o user=,comm= -p "$pid")"
  [ "$uid" != 0 ] && [ "$(ps -o uid= -p "$pid" | tr -d ' ')" != 0 ]
}

# A plain-socket subscriber on the host, a publish over HTTP with curl, and
# the message back through the container.
pub_sub() {
  /usr/bin/python3 - "$port" "$http_port" <<'EOF'
import socket, sys, urllib.request
port, http_port = int(sys.argv[1]), int(sys.argv[2])
sub = socket.create_connection(("127.0.0.1", port), timeout=10)
lines = sub.makefile("rb")
sub.sendall(b"SUB room1.>\nPING ready\n")
assert lines.readline() == b"PONG ready\n"
body = urllib.request.urlopen(urllib.request.Request(
    f"http://127.0.0.1:{http_port}/pub/room1.tv.volume", data=b"42"), timeout=10).read()
got = lines.readline()
print("  HTTP answered", body.decode().strip(), "and the subscriber got", got.decode().strip())
assert got == b"MSG room1.tv.volume 42\n", got
EOF
}

check "the HEALTHCHECK reports healthy" healthy
check "the server runs as a non-root user" non_root
check "pub/sub through the container (TCP subscriber, HTTP publisher)" pub_sub

elapsed=$((SECONDS - started))
echo "docker-test: $passed passed, $failed failed ($((elapsed / 60)) min $((elapsed % 60)) s; image $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
[ "$failed" = 0 ]
