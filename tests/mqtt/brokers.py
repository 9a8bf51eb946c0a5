"""The brokers under test, each on 127.0.0.1 with a free port: a real
Mosquitto 2.0 (the reference, Debian's /usr/sbin/mosquitto) and
linecast-server with --mqtt-port. Shared by tests/mqtt and tests/examples.

linecast-server comes from LINECAST_SERVER (ctest sets it), else
LINECAST_BUILD_DIR/broker/linecast-server, else build/release."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

if "LINECAST_SERVER" not in os.environ and os.environ.get("LINECAST_BUILD_DIR"):
    os.environ["LINECAST_SERVER"] = str(Path(os.environ["LINECAST_BUILD_DIR"]) / "broker" / "linecast-server")

from harness import Proc, Server, accepts, free_port, server_binary, wait_until  # noqa: E402

# The io_uring pass (LINECAST_TEST_IO=uring) and LINECAST_MQTT_BROKERS=linecast
# (the sanitizer builds) test linecast alone: only linecast changes there,
# and Mosquitto's cases ran already.
if os.environ.get("LINECAST_MQTT_BROKERS"):
    BROKERS = os.environ["LINECAST_MQTT_BROKERS"].split(",")
elif os.environ.get("LINECAST_TEST_IO"):
    BROKERS = ["linecast"]
else:
    BROKERS = ["mosquitto", "linecast"]

MOSQUITTO = os.environ.get("MOSQUITTO", "/usr/sbin/mosquitto")


class Mosquitto:
    """The reference broker with its own configuration file: one listener,
    anonymous clients, nothing persisted. Started and stopped by PID."""

    kind = "mosquitto"

    def __init__(self, tmp_path):
        self.tmp_path = Path(tmp_path)
        self.proc = None

    def start(self):
        for attempt in range(4):
            self.port = free_port()
            conf = self.tmp_path / "mosquitto.conf"
            conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
                            "persistence false\nlog_dest stderr\nlog_type error\nlog_type warning\n")
            self.proc = Proc(self.tmp_path, f"mosquitto-{attempt}", [MOSQUITTO, "-c", str(conf)])
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not self.proc._dead() and not accepts(self.port):
                time.sleep(0.02)
            if not self.proc._dead() and accepts(self.port):
                return self
            self.stop()
            if "Address already in use" not in self.proc.err:
                raise AssertionError(f"mosquitto did not start:\n{self.proc.report()}")
        raise AssertionError("mosquitto found no free port")

    def stop(self):
        self.proc.stop()


class Linecast:
    """linecast-server with MQTT on a free port (the line port picked by the
    server, HTTP on a free port, as tests/examples' harness does)."""

    kind = "linecast"

    def __init__(self, tmp_path, args=()):
        self.tmp_path = Path(tmp_path)
        self.args = list(args)
        self.server = None

    def start(self):
        for _ in range(4):
            self.port = free_port()
            self.server = Server(self.tmp_path, args=["--mqtt-port", str(self.port)] + self.args,
                                 name="linecast")
            try:
                self.server.start()
            except AssertionError as e:
                if "Address already in use" in str(e):
                    continue
                raise
            wait_until(lambda: accepts(self.port), timeout=10, what="the MQTT port")
            self.line_port = self.server.port
            self.http_port = self.server.http_port
            return self
        raise AssertionError("linecast-server found no free MQTT port")

    def stop(self):
        if self.server is not None:
            self.server.stop()
            self.server = None


_mqtt_flag = None


def linecast_mqtt_missing():
    """None when linecast-server has --mqtt-port, else why its cases are skipped."""
    global _mqtt_flag
    if _mqtt_flag is None:
        binary = server_binary()
        r = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=10)
        if "--mqtt-port" in r.stdout + r.stderr:
            _mqtt_flag = ""
        else:
            _mqtt_flag = f"{binary} --help has no --mqtt-port (the mqtt branch is not merged yet)"
    return _mqtt_flag or None


def start_broker(kind, tmp_path, args=()):
    if kind == "linecast":
        missing = linecast_mqtt_missing()
        if missing:
            pytest.skip(missing)
        return Linecast(tmp_path, args).start()
    if not shutil.which(MOSQUITTO):
        pytest.fail(f"{MOSQUITTO} is required: tools/setup.sh installs mosquitto")
    return Mosquitto(tmp_path).start()
