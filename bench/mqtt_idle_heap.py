#!/usr/bin/python3
"""Heap bytes per idle MQTT connection of a running linecast-server.

Opens N MQTT 3.1.1 connections to --port (client ids and topics shaped like
linecast-bench's conns scenario: "lcb<pid>-0-<i>" and "bench/<i:06>"), each
subscribing to its own topic at QoS 1, waits for every SUBACK, and reads
the server's glibc heap (malloc_stats(), called through gdb, which
attaches for a moment; it prints to the server's stderr, so that must go
to the file --log names) and RSS before and after. Prints the differences
per connection, then closes everything.

    bench/mqtt_idle_heap.py --pid PID --port P --log SERVER_STDERR [-n 10000]

malloc_stats' "in use bytes" counts chunks in use including glibc's
8-byte size header and the rounding to 16 B, so it is what the objects really cost on
the heap; RSS adds the pages the heap's free space and the stacks touch.
Kernel socket buffers are not in RSS. Loopback only; bounded in count and
time (30 s per phase).
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import time


def heap_in_use(pid, log):
    """glibc's "in use bytes" over every arena (malloc_stats(), which the
    server prints to its stderr: `log` is where that goes)."""
    before = os.path.getsize(log)
    subprocess.run(["gdb", "-q", "-batch", "-p", str(pid), "-ex", "call (void) malloc_stats()"],
                   capture_output=True, text=True, timeout=60, check=True)
    with open(log) as f:
        f.seek(before)
        text = f.read()
    found = re.findall(r"Total \(incl. mmap\):\s*system bytes\s*=\s*(\d+)\s*in use bytes\s*=\s*(\d+)", text)
    if not found:
        raise RuntimeError(f"no malloc_stats output in {log}: {text[-500:]}")
    return int(found[-1][1])


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def encode_length(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(s):
    b = s.encode()
    return len(b).to_bytes(2, "big") + b


def connect_packet(client_id):
    body = utf8("MQTT") + bytes([4, 0x02]) + (0).to_bytes(2, "big") + utf8(client_id)
    return bytes([0x10]) + encode_length(len(body)) + body


def subscribe_packet(topic):
    body = (1).to_bytes(2, "big") + utf8(topic) + bytes([1])
    return bytes([0x82]) + encode_length(len(body)) + body


def read_exact(sock, n, deadline):
    data = b""
    while len(data) < n:
        if time.monotonic() > deadline:
            raise TimeoutError("no reply in time")
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("server closed a connection")
        data += chunk
    return data


def open_clients(port, count, deadline):
    """Connects `count` clients in batches, each CONNECT then SUBSCRIBE,
    and waits for CONNACK (4 bytes) and SUBACK (5 bytes)."""
    socks = []
    batch = 200
    pid = os.getpid()
    for start in range(0, count, batch):
        group = []
        for i in range(start, min(count, start + batch)):
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            s.sendall(connect_packet(f"lcb{pid}-0-{i}") + subscribe_packet(f"bench/{i:06}"))
            group.append(s)
        for s in group:
            reply = read_exact(s, 9, deadline)
            if reply[0] != 0x20 or reply[3] != 0 or reply[4] != 0x90 or reply[8] != 1:
                raise RuntimeError(f"unexpected CONNACK/SUBACK {reply.hex()}")
        socks.extend(group)
    return socks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True, help="the file the server's stderr goes to")
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("--hold", type=float, default=0,
                    help="seconds to keep the clients connected after measuring")
    args = ap.parse_args()
    time.sleep(1.5)  # let the server's cron settle
    heap0, rss0 = heap_in_use(args.pid, args.log), rss_bytes(args.pid)
    socks = open_clients(args.port, args.n, time.monotonic() + 30)
    time.sleep(2.5)  # past the 1 s idle buffer release
    heap1, rss1 = heap_in_use(args.pid, args.log), rss_bytes(args.pid)
    n = args.n
    print(f"connections {n}")
    print(f"heap in use: {heap0} -> {heap1}: {(heap1 - heap0) / n:.1f} B per connection")
    print(f"RSS: {rss0} -> {rss1}: {(rss1 - rss0) / n:.1f} B per connection")
    time.sleep(min(args.hold, 120))
    for s in socks:
        s.close()


if __name__ == "__main__":
    sys.exit(main())
