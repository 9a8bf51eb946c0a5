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

import os
import queue
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import paho.mqtt.client as paho  # noqa: E402

from brokers import linecast_mqtt_missing, start_broker  # noqa: E402
from harness import cleanup, server_binary  # noqa: E402


def pytest_report_header(config):
    try:
        missing = linecast_mqtt_missing()
    except Exception as e:  # no binary at all: the linecast cases will fail and say so
        return f"mqtt suite: linecast-server not found ({e})"
    return f"mqtt suite: linecast cases SKIPPED: {missing}" if missing else \
        f"mqtt suite: linecast-server {server_binary()} has --mqtt-port"


# Under LINECAST_TEST_IO=uring (ctest's mqtt_uring) only linecast's backend
# changes: Mosquitto's cases ran already.
BROKERS = ["linecast"] if os.environ.get("LINECAST_TEST_IO") else ["mosquitto", "linecast"]


@pytest.fixture(params=BROKERS)
def broker(request, tmp_path):
    b = start_broker(request.param, tmp_path)
    yield b
    b.stop()


@pytest.fixture
def linecast(tmp_path):
    """linecast only: the cross-protocol tests."""
    b = start_broker("linecast", tmp_path)
    yield b
    b.stop()


@pytest.fixture(autouse=True)
def stop_leftovers():
    yield
    cleanup()
    for c in list(_clients):
        c.close()


_clients = []


class Client:
    """A paho-mqtt 1.6 client (MQTT 3.1.1) on its network thread, with the
    waits made synchronous: connect() returns after the CONNACK, subscribe()
    after the SUBACK, publish() after the PUBACK/PUBCOMP."""

    def __init__(self, broker, client_id="", clean=True, keepalive=60, will=None):
        self.c = paho.Client(client_id=client_id, clean_session=clean, protocol=paho.MQTTv311)
        self.messages = queue.Queue()
        self.connack = None
        self._acks = {}
        self._lock = threading.Condition()
        self.c.on_message = lambda c, u, m: self.messages.put(m)
        self.c.on_connect = self._on_connect
        self.c.on_subscribe = self._on_subscribe
        self.c.on_unsubscribe = lambda c, u, mid: self._ack(mid, True)
        if will:
            topic, payload, qos, retain = will
            self.c.will_set(topic, payload, qos, retain)
        self.c.connect("127.0.0.1", broker.port, keepalive)
        self.c.loop_start()
        _clients.append(self)
        with self._lock:
            assert self._lock.wait_for(lambda: self.connack is not None, 10), "no CONNACK"
        assert self.connack[1] == 0, f"CONNACK return code {self.connack[1]}"

    def _on_connect(self, c, u, flags, rc):
        with self._lock:
            self.connack = (flags.get("session present", 0), rc)
            self._lock.notify_all()

    def _on_subscribe(self, c, u, mid, granted):
        self._ack(mid, list(granted))

    def _ack(self, mid, value):
        with self._lock:
            self._acks[mid] = value
            self._lock.notify_all()

    def _wait_ack(self, mid):
        with self._lock:
            assert self._lock.wait_for(lambda: mid in self._acks, 10), "no SUBACK/UNSUBACK"
            return self._acks.pop(mid)

    @property
    def session_present(self):
        return bool(self.connack[0])

    def subscribe(self, *filters):
        """filters: (topic filter, QoS) pairs; returns the granted QoS list."""
        rc, mid = self.c.subscribe(list(filters))
        assert rc == paho.MQTT_ERR_SUCCESS
        return self._wait_ack(mid)

    def unsubscribe(self, *topics):
        rc, mid = self.c.unsubscribe(list(topics))
        assert rc == paho.MQTT_ERR_SUCCESS
        self._wait_ack(mid)

    def publish(self, topic, payload, qos=0, retain=False):
        info = self.c.publish(topic, payload, qos, retain)
        info.wait_for_publish(10)
        assert info.is_published(), f"publish {topic} at QoS {qos} not acknowledged"

    def get(self, timeout=5.0):
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message within {timeout}s") from None

    def get_many(self, n, timeout=10.0):
        deadline = time.monotonic() + timeout
        return [self.get(max(deadline - time.monotonic(), 0.01)) for _ in range(n)]

    def nothing(self, within=0.5):
        try:
            m = self.messages.get(timeout=within)
        except queue.Empty:
            return
        raise AssertionError(f"unexpected message {m.topic} {m.payload!r}")

    def close(self):
        """DISCONNECT, then the network thread stops."""
        if self.c is None:
            return
        try:
            self.c.disconnect()
        except OSError:  # a test closed the socket under paho (no DISCONNECT)
            pass
        self.c.loop_stop()
        self.c = None
        if self in _clients:
            _clients.remove(self)
