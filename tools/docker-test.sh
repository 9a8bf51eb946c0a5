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

# shellcheck source=tools/docker-common.sh
. tools/docker-common.sh
docker_need docker.io debootstrap

container=""
cleanup() {
  if [ -n "$container" ]; then docker rm -f "$container" >/dev/null 2>&1 || true; fi
  docker_down
}
trap cleanup EXIT
docker_up

echo "docker-test: building $image (log: $work/build.log)"
docker build --network host -f docker/Dockerfile -t "$image" . >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log"; exit 1; }

port=$(free_port)
http_port=$(free_port)
# MQTT (on by default at 1883) on a free port too: both containers share the
# host's network.
container=$(docker run -d --network host -e LINECAST_BIND=127.0.0.1 -e LINECAST_PORT="$port" \
  -e LINECAST_HTTP_PORT="$http_port" -e LINECAST_MQTT_PORT="$(free_port)" "$image")


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

# The internet setup: certificate, users file and JWT secret as mounted
# files, readable by the image's uid 10001 only, named by LINECAST_*.
secure_container=""
secure() {
  local dir="$PWD/$work/secure" tls_port tls_http_port
  rm -rf "$dir" && mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$dir/privkey.pem" -out "$dir/fullchain.pem" \
    2>/dev/null
  /usr/bin/python3 - "$dir" <<'EOF'
import base64, hashlib, sys
salt = b"0123456789abcdef"
digest = hashlib.pbkdf2_hmac("sha256", b"tv-pw", salt, 1000)
open(sys.argv[1] + "/users.toml", "w").write(
    '[[user]]\nname = "tv"\npassword = "pbkdf2-sha256$1000$%s$%s"\nsubscribe = ["room1.>"]\n'
    % (base64.b64encode(salt).decode(), base64.b64encode(digest).decode()))
open(sys.argv[1] + "/jwt.secret", "w").write("docker-test-secret-of-32-bytes-or-more\n")
EOF
  chown 10001 "$dir"/* && chmod 600 "$dir"/*
  tls_port=$(free_port)
  tls_http_port=$(free_port)
  secure_container=$(docker run -d --network host -v "$dir:/etc/linecast/secure:ro" \
    -e LINECAST_BIND=127.0.0.1 -e LINECAST_PORT="$tls_port" -e LINECAST_HTTP_PORT="$tls_http_port" \
    -e LINECAST_MQTT_PORT="$(free_port)" \
    -e LINECAST_TLS_CERT=/etc/linecast/secure/fullchain.pem -e LINECAST_TLS_KEY=/etc/linecast/secure/privkey.pem \
    -e LINECAST_USERS=/etc/linecast/secure/users.toml -e LINECAST_JWT_SECRET_FILE=/etc/linecast/secure/jwt.secret \
    "$image" --tls-required)
  /usr/bin/python3 - "$tls_port" "$tls_http_port" "$dir/fullchain.pem" <<'EOF'
import jwt, socket, ssl, sys, time, urllib.request
port, http_port, ca = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
for _ in range(100):
    try:
        sub = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="localhost")
        break
    except OSError:
        time.sleep(0.2)
lines = sub.makefile("rb")
sub.sendall(b"AUTH tv tv-pw\nSUB room1.>\nPING ready\n")
assert lines.readline() == b"+OK\n"
assert lines.readline() == b"PONG ready\n"
token = jwt.encode({"exp": int(time.time()) + 60, "linecast": {"publish": ["room1.>"]}},
                   "docker-test-secret-of-32-bytes-or-more", algorithm="HS256")
request = urllib.request.Request(f"https://localhost:{http_port}/pub/room1.tv.volume", data=b"42",
                                 headers={"Authorization": f"Bearer {token}"})
body = urllib.request.urlopen(request, timeout=10, context=ctx).read()
got = lines.readline()
print("  HTTPS + JWT answered", body.decode().strip(), "and the TLS subscriber got", got.decode().strip())
assert got == b"MSG room1.tv.volume 42\n", got
plain = socket.create_connection(("127.0.0.1", port), timeout=10)
plain.sendall(b"PING\n")
assert plain.recv(100) == b"-ERR TLS required\n"
EOF
}

check "the HEALTHCHECK reports healthy" healthy
check "the server runs as a non-root user" non_root
check "pub/sub through the container (TCP subscriber, HTTP publisher)" pub_sub
check "TLS, users file and JWT secret as mounted files (LINECAST_TLS_*, LINECAST_USERS, LINECAST_JWT_SECRET_FILE)" secure
if [ -n "$secure_container" ]; then
  [ "$failed" = 0 ] || docker logs "$secure_container" 2>&1 | tail -5
  docker rm -f "$secure_container" >/dev/null 2>&1 || true
fi

elapsed=$((SECONDS - started))
echo "docker-test: $passed passed, $failed failed ($((elapsed / 60)) min $((elapsed % 60)) s; image $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
[ "$failed" = 0 ]
