#!/usr/bin/env bash
# Runs docker/compose.cluster.yml for real: three linecast nodes, Redis and
# HAProxy, each service on the host's network on free loopback ports; line
# subscribers through HAProxy until every node holds one, messages published
# through HAProxy (a line publisher and HTTP POSTs, each on the node the
# balancer picks) reach every subscriber, in order; then `down` leaves no
# container. Builds the two images first (docker/Dockerfile and
# docker/Dockerfile.cluster-tools), about 8 minutes when the server image
# is not cached, so it is not part of tools/test.sh nor CI: run it by hand
# for every change to docker/compose.cluster.yml, docker/haproxy.cfg or
# docker/Dockerfile.cluster-tools, and quote its last line.
#
#   tools/docker-cluster-test.sh              # builds both images, then runs the cluster
#   tools/docker-cluster-test.sh --no-build   # both images as they are (built from this tree)
#
# As root, with Debian's docker.io, debootstrap and docker-compose (1.29,
# `docker-compose`; installed when missing): see tools/docker-common.sh.
# The images are built with `docker build` rather than compose's --build,
# as Debian's docker-compose 1.x ignores docker/Dockerfile.dockerignore and
# would send build/ and .git/ as the build context.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
case "${1:-}" in
  "") ;;
  --no-build) build=0 ;;
  *) echo "usage: $0 [--no-build]" >&2; exit 2 ;;
esac

started=$SECONDS
work=build/docker-cluster-test
mkdir -p "$work"
compose_file=docker/compose.cluster.yml
project=linecast-cluster-test

# shellcheck source=tools/docker-common.sh
. tools/docker-common.sh
docker_need docker.io debootstrap docker-compose
compose() { docker-compose -p "$project" -f "$compose_file" "$@"; }

cleanup() {
  compose down --timeout 10 >>"$work/compose.log" 2>&1 || true
  docker_down
}
trap cleanup EXIT
docker_up

if [ "$build" = 1 ]; then
  echo "docker-cluster-test: building linecast:latest and linecast-cluster-tools:latest (logs: $work/build*.log)"
  docker build --network host -f docker/Dockerfile -t linecast:latest . >"$work/build.log" 2>&1 \
    || { tail -30 "$work/build.log"; exit 1; }
  docker build --network host -f docker/Dockerfile.cluster-tools -t linecast-cluster-tools:latest docker \
    >"$work/build-tools.log" 2>&1 || { tail -30 "$work/build-tools.log"; exit 1; }
fi

# Free ports for every service, in the compose file's variables.
for name in CLUSTER_LB_PORT CLUSTER_LB_HTTP_PORT CLUSTER_REDIS_PORT CLUSTER_PORT_A CLUSTER_HTTP_PORT_A \
            CLUSTER_PORT_B CLUSTER_HTTP_PORT_B CLUSTER_PORT_C CLUSTER_HTTP_PORT_C; do
  export "$name=$(free_port)"
done


up() {
  # `up -d` returns once HAProxy started, i.e. once Redis and the three
  # nodes reported healthy (depends_on: service_healthy).
  compose up -d --no-build >"$work/compose.log" 2>&1 || { tail -20 "$work/compose.log"; return 1; }
  local running
  running=$(compose ps --services --filter status=running | sort | tr '\n' ' ')
  echo "  running: $running"
  [ "$running" = "haproxy node-a node-b node-c redis " ]
}

# Subscribers through HAProxy until each node holds one (its /stats, on
# the node's own HTTP port), then a line publisher and three HTTP POSTs
# through HAProxy; every subscriber gets everything, each publisher's
# messages in order.
across_nodes() {
  /usr/bin/python3 - <<'PY'
import json, os, socket, time, urllib.request
env = os.environ
lb, lb_http = int(env["CLUSTER_LB_PORT"]), int(env["CLUSTER_LB_HTTP_PORT"])
nodes = {n: int(env[f"CLUSTER_HTTP_PORT_{n}"]) for n in "ABC"}

def subscriptions(http_port):
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/stats", timeout=5) as r:
        return json.load(r)["subscriptions"]

def cluster_up(http_port):
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/stats", timeout=5) as r:
        return json.load(r)["cluster_up"]

deadline = time.monotonic() + 30
while not all(cluster_up(p) == 1 for p in nodes.values()):
    assert time.monotonic() < deadline, "the nodes' cluster links did not come up"
    time.sleep(0.2)

class Line:
    def __init__(self):
        self.sock = socket.create_connection(("127.0.0.1", lb), timeout=10)
        self.lines = self.sock.makefile("rb")
    def send(self, text):
        self.sock.sendall(text.encode())
    def line(self):
        return self.lines.readline().decode().rstrip("\n")

subs = []
while any(subscriptions(p) == 0 for p in nodes.values()):
    assert len(subs) < 12, "the balancer did not reach every node"
    s = Line()
    s.send("SUB lb.x\nPING ready\n")
    assert s.line() == "PONG ready"
    subs.append(s)
print("  subscribers per node:", {n: subscriptions(p) for n, p in nodes.items()})
time.sleep(1)  # the nodes' SUBSCRIBEs reach Redis after their PONGs
publisher = Line()
publisher.send("".join(f"PUB lb.x m{i}\n" for i in range(100)) + "PING done\n")
assert publisher.line() == "PONG done"
for i in range(3):  # each POST on the node the balancer picks
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{lb_http}/pub/lb.x", data=f"h{i}".encode()),
                           timeout=10).read()
for s in subs:
    got = [s.line() for _ in range(103)]
    line_msgs = [g for g in got if g.startswith("MSG lb.x m")]
    http_msgs = sorted(g for g in got if g.startswith("MSG lb.x h"))
    assert line_msgs == [f"MSG lb.x m{i}" for i in range(100)], got[:5]
    assert http_msgs == [f"MSG lb.x h{i}" for i in range(3)], http_msgs
print(f"  {len(subs)} subscribers on 3 nodes each got the 100 line and 3 HTTP messages")
PY
}

down() {
  compose down --timeout 10 >>"$work/compose.log" 2>&1 || return 1
  local left
  left=$(docker ps -a -q --filter "label=com.docker.compose.project=$project" | wc -l)
  echo "  containers left: $left"
  [ "$left" = 0 ]
}

check "compose up: Redis, three nodes and HAProxy running (health checks passed)" up
if [ "$failed" = 0 ]; then
  check "pub/sub through HAProxy across the three nodes (line and HTTP publishers)" across_nodes
fi
[ "$failed" = 0 ] || compose logs --tail 20 2>&1 | tail -60
check "compose down leaves no container" down

elapsed=$((SECONDS - started))
echo "docker-cluster-test: $passed passed, $failed failed ($((elapsed / 60)) min $((elapsed % 60)) s)"
[ "$failed" = 0 ]
