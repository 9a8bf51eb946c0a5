"""linecast only: MQTT and the other protocols share one channel space
(PROTOCOL.md "MQTT 3.1.1": room1/tv/volume is room1.tv.volume, '+' is '*',
'#' is '>'; a message from another protocol reaches MQTT at the granted QoS
capped at 1, without the retain flag except for retained messages on
subscribe)."""

import socket
import time
import urllib.error
import urllib.request

import pytest
import redis

import mqttraw as raw
from brokers import start_broker
from harness import http_publish
from paho_client import Client, close_clients


class LineClient:
    """A plain-socket line-protocol client."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buffer = b""

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def readline(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
            chunk = self.sock.recv(65536)
            assert chunk, "the server closed the line connection"
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def sync(self):
        """PING/PONG: earlier SUBs are active; returns the lines before PONG."""
        self.send("PING sync")
        lines = []
        while (line := self.readline()) != "PONG sync":
            lines.append(line)
        return lines

    def close(self):
        self.sock.close()


def test_http_publish_reaches_an_mqtt_subscriber(linecast):
    sub = Client(linecast)
    assert sub.subscribe(("room1/tv", 2)) == [2]
    assert http_publish(f"http://127.0.0.1:{linecast.http_port}", "room1.tv", "hello\n") == 1
    m = sub.get()
    # Capped at QoS 1, no retain flag (PROTOCOL.md).
    assert (m.topic, m.payload, m.qos, m.retain) == ("room1/tv", b"hello", 1, False)


def test_mqtt_publish_reaches_a_line_subscriber(linecast):
    line = LineClient(linecast.line_port)
    line.send("SUB room1.>")
    assert line.sync() == []
    pub = Client(linecast)
    for qos in (0, 1, 2):
        pub.publish("room1/tv/volume", f"4{qos}".encode(), qos=qos)
    assert [line.readline() for _ in range(3)] == \
        ["MSG room1.tv.volume 40", "MSG room1.tv.volume 41", "MSG room1.tv.volume 42"]
    line.close()


def test_line_publish_reaches_mqtt_wildcards(linecast):
    sub = Client(linecast)
    sub.subscribe(("room1/+/volume", 0), ("room2/#", 1))
    line = LineClient(linecast.line_port)
    line.send("PUB room1.tv.volume 7")
    line.send("PUB room1.tv.power on")
    line.send("PUB room2 itself")  # 'room2/#' matches 'room2' too
    line.send("PUB room2.a.b deep")
    line.sync()
    got = sorted((m.topic, m.payload, m.qos) for m in sub.get_many(3))
    assert got == [("room1/tv/volume", b"7", 0), ("room2", b"itself", 1), ("room2/a/b", b"deep", 1)]
    sub.nothing()
    line.close()


def test_line_retain_is_read_by_mqtt_with_the_retain_flag(linecast):
    line = LineClient(linecast.line_port)
    line.send("RETAIN room1.tv.power on")
    line.sync()
    sub = Client(linecast)
    sub.subscribe(("room1/tv/power", 1))
    m = sub.get()
    assert (m.topic, m.payload, m.retain, m.qos) == ("room1/tv/power", b"on", True, 1)
    line.close()


def test_mqtt_retained_message_is_seen_by_http_and_line(linecast):
    Client(linecast).publish("room1/tv/input", b"hdmi1", qos=1, retain=True)
    with urllib.request.urlopen(f"http://127.0.0.1:{linecast.http_port}/retained/room1.tv.input",
                                timeout=5) as r:
        assert r.read() == b"hdmi1"
    line = LineClient(linecast.line_port)
    line.send("SUB room1.tv.*")
    assert line.sync() == ["MSG room1.tv.input hdmi1"]
    # An empty retained MQTT message clears it for everyone.
    Client(linecast).publish("room1/tv/input", b"", qos=1, retain=True)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"http://127.0.0.1:{linecast.http_port}/retained/room1.tv.input", timeout=5)
    assert e.value.code == 404
    line.close()


def test_redis_subscriber_gets_an_mqtt_publish(linecast):
    r = redis.Redis(host="127.0.0.1", port=linecast.line_port, socket_timeout=5)
    ps = r.pubsub()
    ps.subscribe("room1.tv.volume")
    ps.psubscribe("room1.*")
    deadline = time.monotonic() + 5
    confirmations = 0
    while confirmations < 2 and time.monotonic() < deadline:
        m = ps.get_message(timeout=1)
        confirmations += bool(m and m["type"] in ("subscribe", "psubscribe"))
    assert confirmations == 2
    Client(linecast).publish("room1/tv/volume", b"42", qos=1)
    got = []
    while len(got) < 2 and time.monotonic() < deadline + 5:
        m = ps.get_message(timeout=1)
        if m and m["type"] in ("message", "pmessage"):
            got.append((m["type"], m["channel"], m["data"]))
    assert sorted(got) == [("message", b"room1.tv.volume", b"42"), ("pmessage", b"room1.tv.volume", b"42")]
    ps.close()
    r.close()


def test_http_publish_is_queued_for_an_offline_persistent_session(linecast):
    dev = Client(linecast, client_id="pi-offline", clean=False)
    dev.subscribe(("room1/tv/#", 1))
    dev.close()
    base = f"http://127.0.0.1:{linecast.http_port}"
    assert http_publish(base, "room1.tv.volume", "1\n2\n3\n") == 3
    again = Client(linecast, client_id="pi-offline", clean=False)
    assert again.session_present
    got = again.get_many(3)
    assert [(m.topic, m.payload, m.qos) for m in got] == [("room1/tv/volume", p, 1) for p in (b"1", b"2", b"3")]


def test_topics_that_are_not_channels_stay_among_mqtt_clients(linecast):
    """Spaces, Unicode, empty levels, '$' first levels: MQTT clients only;
    an MQTT payload with '\\n' is not delivered to line subscribers."""
    line = LineClient(linecast.line_port)
    line.send("SUB >")
    line.sync()
    sub = Client(linecast)
    sub.subscribe(("#", 1), ("$app/#", 1))
    pub = Client(linecast)
    odd = ["room 1/tv", "ünï/x", "a//b", "/lead", "trail/", "$app/x"]
    for t in odd:
        pub.publish(t, t.encode(), qos=1)
    pub.publish("room1/multi", b"two\nlines", qos=1)
    pub.publish("room1/last", b"end", qos=1)
    got = sorted(m.topic for m in sub.get_many(len(odd) + 2))
    assert got == sorted(odd + ["room1/multi", "room1/last"])
    assert line.readline() == "MSG room1.last end"
    assert line.sync() == []
    line.close()


def test_dollar_channel_from_the_line_protocol_is_not_an_mqtt_topic(linecast):
    """PROTOCOL.md: a topic whose first level starts with '$' is never a
    channel, so the line channel '$app.x' does not reach '$app/x'."""
    sub = Client(linecast)
    sub.subscribe(("$app/#", 1), ("plain/t", 1))
    line = LineClient(linecast.line_port)
    line.send("PUB $app.x nope")
    line.send("PUB plain.t yes")
    line.sync()
    assert sub.get().payload == b"yes"
    sub.nothing()
    line.close()


def test_mqtt_stats_and_metrics_list_mqtt_connections(linecast):
    Client(linecast, client_id="metrics-dev", clean=False).subscribe(("m/t", 1))
    with urllib.request.urlopen(f"http://127.0.0.1:{linecast.http_port}/metrics", timeout=5) as r:
        text = r.read().decode()
    assert 'linecast_connections{protocol="mqtt"}' in text
    assert "linecast_mqtt_sessions" in text


@pytest.fixture
def small_linecast(tmp_path):
    """linecast with a queue of 5 per offline session and 2 messages in flight."""
    b = start_broker("linecast", tmp_path, args=["--mqtt-max-queued", "5", "--mqtt-max-inflight", "2"])
    yield b
    close_clients()
    b.stop()


def metric(broker, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{broker.http_port}/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no metric {name}")


def test_offline_queue_keeps_the_newest_max_queued(small_linecast):
    """--mqtt-max-queued 5: beyond it the oldest are dropped and counted."""
    dev = Client(small_linecast, client_id="pi-queue", clean=False)
    dev.subscribe(("q/t", 1))
    dev.close()
    pub = Client(small_linecast)
    for i in range(8):
        pub.publish("q/t", f"{i}".encode(), qos=1)
    again = Client(small_linecast, client_id="pi-queue", clean=False)
    assert [m.payload for m in again.get_many(5)] == [b"3", b"4", b"5", b"6", b"7"]
    again.nothing(1.0)
    assert metric(small_linecast, "linecast_mqtt_dropped_total") >= 3


def test_inflight_window(small_linecast):
    """--mqtt-max-inflight 2: at most two unacknowledged QoS 1 messages on the
    wire; each PUBACK lets the next one go, in order."""
    c = raw.RawClient(small_linecast.port)
    c.connect("window")
    c.subscribe(("w/t", 1))
    pub = Client(small_linecast)
    for i in range(5):
        pub.publish("w/t", f"{i}".encode(), qos=1)
    first = [c.expect(raw.PUBLISH), c.expect(raw.PUBLISH)]
    assert [p.payload for p in first] == [b"0", b"1"]
    c.assert_no_packet(1.0)
    got = []
    for p in first:
        c.send(raw.ack(raw.PUBACK, p.publish_id))
    while len(got) < 3:
        p = c.expect(raw.PUBLISH)
        got.append(p.payload)
        c.send(raw.ack(raw.PUBACK, p.publish_id))
    assert got == [b"2", b"3", b"4"]
    c.close()


def test_mqtt_over_websocket(linecast):
    """PROTOCOL.md: GET /mqtt with subprotocol 'mqtt' on the HTTP port speaks
    MQTT over WebSocket (paho's websockets transport)."""
    ws = Client(linecast, websocket_port=linecast.http_port)
    assert ws.subscribe(("room1/ws/+", 1)) == [1]
    assert http_publish(f"http://127.0.0.1:{linecast.http_port}", "room1.ws.x", "over ws\n") == 1
    m = ws.get()
    assert (m.topic, m.payload, m.qos) == ("room1/ws/x", b"over ws", 1)
    tcp = Client(linecast)
    tcp.subscribe(("room1/ws/y", 2))
    ws.publish("room1/ws/y", b"from ws", qos=2)
    assert tcp.get().payload == b"from ws"
