"""A paho-mqtt 1.6 client with synchronous waits, for tests (tests/mqtt and
tests/examples)."""

import queue
import threading
import time

import paho.mqtt.client as paho

_clients = []


def close_clients():
    """Disconnects every client a test left connected."""
    for c in list(_clients):
        c.close()


class Client:
    """A paho-mqtt 1.6 client (MQTT 3.1.1) on its network thread, with the
    waits made synchronous: connect() returns after the CONNACK, subscribe()
    after the SUBACK, publish() after the PUBACK/PUBCOMP."""

    def __init__(self, broker, client_id="", clean=True, keepalive=60, will=None, websocket_port=None):
        """websocket_port: MQTT over WebSocket (path /mqtt) on that port instead of TCP."""
        self.c = paho.Client(client_id=client_id, clean_session=clean, protocol=paho.MQTTv311,
                             transport="websockets" if websocket_port else "tcp")
        if websocket_port:
            self.c.ws_set_options(path="/mqtt")
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
        self.c.connect("127.0.0.1", websocket_port or broker.port, keepalive)
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
