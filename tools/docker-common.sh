# Sourced by tools/docker-test.sh and tools/docker-cluster-test.sh: what
# both need before they build an image, on machines with a Docker engine
# package but no image registry and no bridge networking:
#  - docker_need PACKAGE...: installs the Debian packages that are missing;
#  - docker_up: starts a dockerd when none answers (--iptables=false
#    --bridge=none; docker_down stops it again), and makes the
#    debian:12-slim base when it is missing, from Debian's own archive
#    (debootstrap --variant=minbase bookworm, piped into docker import);
#  - free_port: a free loopback port;
#  - check NAME COMMAND...: runs one check, prints ok or FAIL, counts it in
#    passed or failed.
# Logs go to $work (set by the caller).

docker_need() {
  local need=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  if ((${#need[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
  fi
}

dockerd_pid=""

docker_up() {
  local base=debian:12-slim rootfs
  if ! docker info >/dev/null 2>&1; then
    echo "$(basename "$0"): starting dockerd (log: $work/dockerd.log)"
    dockerd --iptables=false --bridge=none >"$work/dockerd.log" 2>&1 &
    dockerd_pid=$!
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && break
      sleep 1
    done
    docker info >/dev/null 2>&1 || { echo "$(basename "$0"): dockerd did not start" >&2; exit 1; }
  fi
  if ! docker image inspect "$base" >/dev/null 2>&1; then
    echo "$(basename "$0"): making $base with debootstrap (log: $work/debootstrap.log)"
    rootfs=$(mktemp -d /var/tmp/linecast-rootfs.XXXXXX)
    debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian \
      >"$work/debootstrap.log" 2>&1
    # The image's own apt lists come from its first `apt-get update`.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" -c . | docker import - "$base" >/dev/null
    rm -rf "$rootfs"
  fi
}

docker_down() {
  if [ -n "$dockerd_pid" ]; then
    kill "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
  fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

passed=0
failed=0
check() {  # check NAME COMMAND...
  if "${@:2}"; then
    echo "$(basename "$0" .sh): ok   $1"
    passed=$((passed + 1))
  else
    echo "$(basename "$0" .sh): FAIL $1"
    failed=$((failed + 1))
  fi
}
