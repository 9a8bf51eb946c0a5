#!/usr/bin/python3
"""What batching a turn's messages into envelopes saves through Redis
(--cluster): a real redis-server and two linecast nodes on loopback; one
line-protocol publisher on node A sends N messages to one channel as fast
as it can, one subscriber on node B counts them. Prints the rate at B and
how many PUBLISH commands Redis ran for them (INFO commandstats).

  bench/cluster_batching.py SERVER [SERVER2 ...] [--messages N]

With several server binaries (e.g. one built without batching) the runs
alternate A, B, A, B so the machine's load hits both alike. Bounded: each
run stops after 60 s whatever it received."""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "cluster"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "examples"))

import cluster  # noqa: E402
from harness import cleanup  # noqa: E402


def publish_calls(redis):
    info = redis.command("INFO", "commandstats")
    found = re.search(r"cmdstat_publish:calls=(\d+)", info)
    return int(found.group(1)) if found else 0


def run(binary, messages, tmp):
    os.environ["LINECAST_SERVER"] = binary
    redis = cluster.Redis(tmp).start()
    try:
        # As bench/compare: a subscriber that falls behind is not cut.
        a = cluster.node(tmp, redis.port, "a", args=["--max-outbuf", "1GiB"])
        b = cluster.node(tmp, redis.port, "b", args=["--max-outbuf", "1GiB"])
        cluster.wait_cluster_up(a, b)
        sub = cluster.subscriber(b, "bench.x")
        cluster.wait_subscriptions(redis, channels=1, patterns=0)
        before = publish_calls(redis)
        payload = b"x" * 64
        line = b"PUB bench.x " + payload + b"\n"
        chunk = line * 1000
        pub = socket.create_connection(("127.0.0.1", a.port))
        start = time.monotonic()
        sent = 0
        received = 0
        sub.sock.setblocking(False)
        deadline = start + 60
        while received < messages and time.monotonic() < deadline:
            if sent < messages:
                pub.sendall(chunk)
                sent += 1000
            try:
                data = sub.sock.recv(1 << 20)
                received += data.count(b"\n")
            except BlockingIOError:
                if sent >= messages:
                    time.sleep(0.001)
        elapsed = time.monotonic() - start
        calls = publish_calls(redis) - before
        pub.close()
        if received < messages:
            for server in (a, b):
                print("".join(line + "\n" for line in cluster.read_text(server.log).splitlines()
                              if "cluster" in line or "slow" in line))
        return received, elapsed, calls
    finally:
        cleanup()
        redis.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("servers", nargs="+")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"load: {os.getloadavg()}")
    for round_ in range(args.rounds):
        for binary in args.servers:
            with tempfile.TemporaryDirectory() as tmp:
                received, elapsed, calls = run(binary, args.messages, tmp)
            print(f"round {round_} {binary}: {received} messages in {elapsed:.2f} s = "
                  f"{received / elapsed:,.0f} msg/s, {calls} PUBLISH commands "
                  f"({args.messages / max(calls, 1):.1f} messages published per command)")
    print(f"load: {os.getloadavg()}")


if __name__ == "__main__":
    main()
