"""The MQTT interoperability suite: every generic test runs against a real
Mosquitto 2.0 (the reference broker, Debian's /usr/sbin/mosquitto) and
against linecast-server with --mqtt-port, each on 127.0.0.1 with a free
port. The assertions follow the OASIS MQTT 3.1.1 standard; where it leaves a
choice open, the test accepts every conforming answer and says so.

linecast-server comes from LINECAST_SERVER (ctest sets it), else
LINECAST_BUILD_DIR/broker/linecast-server, else build/release. Until the
server has --mqtt-port, its cases are skipped with that reason (pytest -rs
shows it); once it has the flag, they run.

Run by hand:
  LINECAST_BUILD_DIR=build/release /usr/bin/python3 -m pytest -rs tests/mqtt
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from brokers import BROKERS, linecast_mqtt_missing, start_broker  # noqa: E402
from paho_client import close_clients  # noqa: E402
from harness import cleanup, server_binary  # noqa: E402


def pytest_report_header(config):
    try:
        missing = linecast_mqtt_missing()
    except Exception as e:  # no binary at all: the linecast cases will fail and say so
        return f"mqtt suite: linecast-server not found ({e})"
    return f"mqtt suite: linecast cases SKIPPED: {missing}" if missing else \
        f"mqtt suite: linecast-server {server_binary()} has --mqtt-port"


@pytest.fixture(params=BROKERS)
def broker(request, tmp_path):
    b = start_broker(request.param, tmp_path)
    yield b
    close_clients()
    b.stop()


@pytest.fixture
def linecast(tmp_path):
    """linecast only: the cross-protocol tests."""
    b = start_broker("linecast", tmp_path)
    yield b
    close_clients()
    b.stop()


@pytest.fixture(autouse=True)
def stop_leftovers():
    yield
    cleanup()
    close_clients()
