"""Shared helpers for tests/examples and tests/cli: a real linecast-server on
loopback ports, HTTP publishing, and waiting on files with bounded deadlines.

The binaries come from the environment (ctest sets them):
  LINECAST_SERVER  path of linecast-server
  LINECAST_CLI     path of linecast-cli
Run by hand: LINECAST_SERVER=build/cli/broker/linecast-server \
  LINECAST_CLI=build/cli/tools/linecast-cli /usr/bin/python3 -m pytest -s tests/examples
"""

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

# Every Server and Proc a test starts, so that cleanup() can stop what a
# failing test left running (a reconnecting subscriber would run for ever).
_live = []
_started = 0


def cleanup():
    """Stops every process the harness started that is still running."""
    while _live:
        thing = _live.pop()
        try:
            if isinstance(thing, Server):
                thing.stop(expect_clean=False)
            else:
                thing.stop()
        except Exception as e:  # keep stopping the others
            print(f"cleanup: {e}")


def _binary(env_name, *candidates):
    path = os.environ.get(env_name)
    if path:
        return path
    for candidate in candidates:
        full = REPO / candidate
        if full.exists():
            return str(full)
    raise RuntimeError(f"set {env_name} to the path of the binary (ctest does)")


def server_binary():
    return _binary("LINECAST_SERVER", "build/cli/broker/linecast-server",
                   "build/release/broker/linecast-server")


def io_args():
    """LINECAST_TEST_IO=uring runs the suite on the io_uring backend."""
    io = os.environ.get("LINECAST_TEST_IO")
    return ["--io", io] if io else []


def cli_binary():
    return _binary("LINECAST_CLI", "build/cli/tools/linecast-cli",
                   "build/release/tools/linecast-cli")


def free_port():
    """A port that was free a moment ago (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accepts(port):
    """Whether something listens on 127.0.0.1:port now."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def wait_until(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def load_example(name):
    """An examples/python module, imported as a Django project would."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / "python" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_text(path):
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


class Server:
    """linecast-server on 127.0.0.1. port=0 lets it pick the line port;
    a test that restarts the server on the same ports passes them in."""

    def __init__(self, tmp_path, port=0, http_port=None, args=(), name="server"):
        self.tmp_path = Path(tmp_path)
        self.requested_port = port
        self._pick_http_port = http_port is None
        self.http_port = http_port if http_port is not None else free_port()
        self.args = list(args)
        global _started
        _started += 1
        # One log per start: a restarted server must not find its predecessor's lines.
        self.log = self.tmp_path / f"{name}-{_started}.log"
        self.proc = None
        self.port = None

    def start(self):
        # The HTTP port was free when we picked it; a test running beside
        # this one may take it before the server binds it (the HTTP API has
        # no "any port"), so a port we picked is picked again on that error.
        for _ in range(4):
            try:
                return self._start_once()
            except AssertionError as e:
                if not (self._pick_http_port and "Address already in use" in str(e)):
                    raise
                self.http_port = free_port()
        return self._start_once()

    def _start_once(self):
        cmd = [server_binary(), "--port", str(self.requested_port),
               "--http-port", str(self.http_port)] + io_args() + self.args
        # stderr goes to a file we poll: an undrained pipe could block the server.
        self._log_file = open(self.log, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=self._log_file)
        _live.append(self)
        try:
            text = wait_until(self._ready, timeout=10, what=f"server start ({self.log})")
        except AssertionError:
            self.stop()
            raise AssertionError(f"server did not start:\n{read_text(self.log)}")
        self.port = int(text)
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"server exited {self.proc.returncode}:\n{read_text(self.log)}")
        log = read_text(self.log)
        lines = re.findall(r"(?<!http )(?<!mqtt )listening on 127\.0\.0\.1:(\d+)", log)
        http = re.findall(r"http listening on 127\.0\.0\.1:(\d+)", log)
        if lines and http and int(http[-1]) == self.http_port:
            return lines[-1]
        return None

    def stop(self, expect_clean=True):
        """SIGTERM and wait (bounded); returns the exit code."""
        if self.proc is None:
            return None
        code = self.proc.poll()
        if code is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                code = self.proc.wait(timeout=10)
        self._log_file.close()
        self.proc = None
        if expect_clean:
            assert code == 0, f"server exited {code}:\n{read_text(self.log)}"
        return code

    @property
    def http_url(self):
        return f"http://127.0.0.1:{self.http_port}"

    def publish(self, channel, *lines, token=None):
        """POST /pub/<channel> with one message per line; returns N of {"published":N}."""
        return http_publish(self.http_url, channel, "\n".join(lines) + "\n", token=token)

    def stats(self, token=None):
        request = urllib.request.Request(self.http_url + "/stats")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())


def http_publish(base_url, channel, body, token=None):
    quoted = urllib.request.quote(channel, safe="")
    request = urllib.request.Request(f"{base_url}/pub/{quoted}", data=body.encode(), method="POST")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
        return json.loads(response.read())["published"]


class Proc:
    """A background process whose stdout and stderr go to files, so the test
    can poll them and nothing blocks on a full pipe."""

    def __init__(self, tmp_path, name, cmd, env=None, stdin=subprocess.DEVNULL, cwd=None):
        self.name = name
        self.out_path = Path(tmp_path) / f"{name}.out"
        self.err_path = Path(tmp_path) / f"{name}.err"
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self.proc = subprocess.Popen(cmd, stdin=stdin, stdout=self._out, stderr=self._err,
                                     env=full_env, cwd=cwd)
        _live.append(self)

    @property
    def out(self):
        return read_text(self.out_path)

    @property
    def err(self):
        return read_text(self.err_path)

    def lines(self):
        return self.out.splitlines()

    def wait_err(self, text, timeout=20, count=1):
        wait_until(lambda: self.err.count(text) >= count or self._dead(), timeout,
                   f"{self.name} to print {text!r} on stderr")
        assert self.err.count(text) >= count, self.report()

    def wait_lines(self, n, timeout=20):
        wait_until(lambda: len(self.lines()) >= n or self._dead(), timeout,
                   f"{self.name} to print {n} lines")
        return self.lines()

    def _dead(self):
        return self.proc.poll() is not None

    def wait(self, timeout=20):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # Say what the program had printed: a bare timeout tells nothing.
            self.stop()
            raise AssertionError(f"{self.name} did not exit within {timeout} s:\n{self.report()}")
        finally:
            self._close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._close()
        return self.proc.returncode

    def _close(self):
        for f in (self._out, self._err):
            if not f.closed:
                f.close()

    def report(self):
        return (f"--- {self.name} stdout ---\n{self.out}--- {self.name} stderr ---\n{self.err}"
                f"--- exit: {self.proc.poll()}")

    def show(self):
        """Prints what the process printed, so that `pytest -s` shows it."""
        print(f"\n{self.report()}")
