"""linecast-server and redis-server processes for the interop tests, each on
an ephemeral loopback port and stopped by its own PID.

LINECAST_SERVER names the linecast binary (default: the release build);
REDIS_SERVER the redis-server binary (default: from PATH).
"""

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LISTENING = re.compile(rb"listening on 127\.0\.0\.1:(\d+)")


def linecast_binary():
    return os.environ.get("LINECAST_SERVER", str(REPO / "build/release/broker/linecast-server"))


def redis_binary():
    return os.environ.get("REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc):
    """Ends a process we started, by its PID: SIGTERM, then SIGKILL."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def io_args():
    """LINECAST_TEST_IO=uring runs the suite on the io_uring backend."""
    io = os.environ.get("LINECAST_TEST_IO")
    return ["--io", io] if io else []


class Linecast:
    """A linecast-server on --port 0; its port is read from its log."""

    def __init__(self, tmp_path, args):
        self.log_path = tmp_path / f"linecast-{time.monotonic_ns()}.log"
        self.args = [linecast_binary(), "--port", "0", "--http-port", "0", *io_args(), *args]
        self.proc = None
        self.port = None

    def start(self):
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            match = LISTENING.search(self.log_path.read_bytes())
            if match:
                self.port = int(match.group(1))
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        stop_process(self.proc)
        raise RuntimeError(f"linecast-server did not start: {self.log()}")

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)


class RedisServer:
    """A real redis-server on a free loopback port, persisting nothing."""

    def __init__(self, tmp_path, args):
        self.dir = tmp_path / f"redis-{time.monotonic_ns()}"
        self.dir.mkdir()
        self.args = args
        self.proc = None
        self.port = None

    def start(self):
        for _ in range(5):  # another process may take the free port first
            port = free_port()
            log = open(self.dir / "redis.log", "wb")
            self.proc = subprocess.Popen(
                [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.dir), "--daemonize", "no", *self.args],
                stdout=log, stderr=subprocess.STDOUT)
            log.close()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    self.port = port
                    return self
                except OSError:
                    time.sleep(0.02)
            stop_process(self.proc)
        raise RuntimeError("redis-server did not start: " +
                           (self.dir / "redis.log").read_text(errors="replace"))

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)
