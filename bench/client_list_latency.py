#!/usr/bin/python3
"""What CLIENT LIST costs other clients: with N idle connections open, a
1->1 latency probe (linecast-bench --scenario latency, 64 B at --rate msgs/s)
runs twice, once quiet and once while another connection asks CLIENT LIST
every --every seconds; the same on redis-server for comparison. Prints a
markdown table: the probe's p50/p99/p99.9/max with and without, and how long
each CLIENT LIST took and how big its answer was.

  bench/client_list_latency.py [--conns 10000] [--rate 10000] [--seconds 10]
                               [--every 0.1] [--linecast-threads N] [--build-dir DIR]

Loopback only; every loop is bounded by count and time; it stops only the
servers it started, by their PIDs.
"""

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def resp(*words):
    out = b"*%d\r\n" % len(words)
    for w in words:
        w = w.encode() if isinstance(w, str) else w
        out += b"$%d\r\n%s\r\n" % (len(w), w)
    return out


def read_bulk(sock, buffer):
    """One bulk (RESP2) reply; returns (its size, the bytes after it)."""
    while b"\r\n" not in buffer:
        buffer += sock.recv(1 << 20)
    head, _, rest = buffer.partition(b"\r\n")
    if not head.startswith(b"$"):
        raise RuntimeError(f"not a bulk reply: {head[:80]!r}")
    size = int(head[1:])
    while len(rest) < size + 2:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("closed in the middle of a reply")
        rest += chunk
    return size, rest[size + 2:]


def open_idle(port, count):
    """count RESP connections, each PINGed once so the server holds it."""
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(resp("PING"))
        socks.append(s)
    for s in socks:
        got = b""
        while not got.endswith(b"\r\n"):
            got += s.recv(64)
    return socks


def asker(port, every, stop, times, sizes):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    rest = b""
    deadline = time.monotonic() + 600
    while not stop.is_set() and time.monotonic() < deadline:
        start = time.monotonic()
        s.sendall(resp("CLIENT", "LIST"))
        size, rest = read_bulk(s, rest)
        times.append(time.monotonic() - start)
        sizes.append(size)
        stop.wait(every)
    s.close()


def probe(bench, port, protocol, rate, seconds):
    out = subprocess.run([bench, "--protocol", protocol, "--port", str(port), "--scenario", "latency",
                          "-p", "1", "-s", "1", "-b", "64", "--rate", str(rate), "-d", str(seconds),
                          "--drain", "3", "--json", "-q"],
                         capture_output=True, text=True, timeout=seconds + 120)
    result = json.loads(out.stdout)
    if not result.get("ok"):
        raise SystemExit(f"latency probe failed: {result.get('error')}")
    return result["latency_us"], result["send_lag_us"]


def measure(name, command, port, protocol, args, bench):
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, server)
        began = time.monotonic()
        idle = open_idle(port, args.conns)
        connect_s = time.monotonic() - began
        rows = []
        for asking in (False, True):
            stop = threading.Event()
            times, sizes = [], []
            thread = threading.Thread(target=asker, args=(port, args.every, stop, times, sizes))
            if asking:
                thread.start()
            latency, lag = probe(bench, port, protocol, args.rate, args.seconds)
            stop.set()
            if asking:
                thread.join(30)
            rows.append((asking, latency, lag, times, sizes))
        for s in idle:
            s.close()
        return name, connect_s, rows
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conns", type=int, default=10000)
    parser.add_argument("--rate", type=int, default=10000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--every", type=float, default=0.1)
    parser.add_argument("--linecast-threads", default=None)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build/release"))
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.conns + 100 > hard:
        raise SystemExit(f"--conns {args.conns} needs more than the {hard} descriptors allowed")
    server = os.path.join(args.build_dir, "broker/linecast-server")
    bench = os.path.join(args.build_dir, "bench/linecast-bench")
    results = []
    port = free_port()
    command = [server, "--port", str(port), "--http-port", "0", "--max-conns", str(args.conns + 100),
               "--max-outbuf", "64MiB", "--log-level", "warn"]
    if args.linecast_threads:
        command += ["--threads", args.linecast_threads]
    results.append(measure("linecast" + (f" --threads {args.linecast_threads}" if args.linecast_threads else ""),
                           command, port, "linecast", args, bench))
    port = free_port()
    results.append(measure("redis-server", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                            "--appendonly", "no", "--maxclients", str(args.conns + 100)],
                           port, "resp", args, bench))
    print(f"{args.conns} idle connections; probe 1->1 64 B at {args.rate} msgs/s for {args.seconds} s; "
          f"CLIENT LIST every {args.every} s from one more connection during the second run.")
    print()
    print("| server | CLIENT LIST | probe p50 us | p99 | p99.9 | max | send lag p99.9 | CLIENT LIST calls "
          "| its time p50 / max ms | reply |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for name, connect_s, rows in results:
        for asking, latency, lag, times, sizes in rows:
            calls = len(times)
            took = (f"{statistics.median(times) * 1e3:.1f} / {max(times) * 1e3:.1f}" if times else "-")
            reply = f"{statistics.median(sizes) / 1e6:.2f} MB" if sizes else "-"
            print(f"| {name} | {'every ' + str(args.every) + ' s' if asking else 'none'} | {latency['p50']:.0f} "
                  f"| {latency['p99']:.0f} | {latency['p999']:.0f} | {latency['max']:.0f} | {lag['p999']:.0f} "
                  f"| {calls if asking else '-'} | {took} | {reply} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
