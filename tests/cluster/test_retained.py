"""Retained messages live in Redis in cluster mode (docs/PROTOCOL.md,
"Cluster"): one hash, linecast:retained, channel -> payload; every node
keeps what any node retains, a node loads the hash when it connects, and a
RETAIN is refused while Redis is unreachable."""

import http.client
import socket
import sys
import time
from pathlib import Path

from cluster import LineClient, node, subscriber, wait_cluster_up
from harness import free_port, wait_until

HASH = "linecast:retained"


def http_request(server, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=5)
    try:
        conn.request(method, path, body=body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def retained_on(server, channel):
    status, body = http_request(server, "GET", f"/retained/{channel}")
    return body.decode() if status == 200 else None


def test_a_retain_on_one_node_is_in_redis_and_served_by_every_node(redis, nodes):
    a, b, c = nodes
    pub = LineClient(a)
    pub.send("RETAIN tv.volume 42\n")
    pub.sync()  # after the PONG, Redis holds it
    assert redis.command("HGET", HASH, "tv.volume") == "42"
    # The other nodes heard of it through Redis: a new subscriber gets it.
    for server in (b, c):
        wait_until(lambda server=server: retained_on(server, "tv.volume") == "42", 5)
        sub = LineClient(server)
        sub.send("SUB tv.>\n")
        assert sub.line() == "MSG tv.volume 42"
        sub.close()
    # Replaced over HTTP on another node, cleared by the empty RETAIN.
    assert http_request(b, "POST", "/pub/tv.volume?retain=1", b"43")[0] == 200
    wait_until(lambda: redis.command("HGET", HASH, "tv.volume") == "43", 5)
    wait_until(lambda: retained_on(a, "tv.volume") == "43", 5)
    pub.send("RETAIN tv.volume\n")
    pub.sync()
    assert redis.command("HEXISTS", HASH, "tv.volume") == 0
    wait_until(lambda: retained_on(c, "tv.volume") is None, 5)


def test_delete_on_one_node_clears_everywhere(redis, nodes):
    a, b, _ = nodes
    pub = LineClient(a)
    pub.send("RETAIN door.state open\n")
    pub.sync()
    wait_until(lambda: retained_on(b, "door.state") == "open", 5)
    assert http_request(b, "DELETE", "/retained/door.state")[0] == 204
    wait_until(lambda: redis.command("HEXISTS", HASH, "door.state") == 0, 5)
    wait_until(lambda: retained_on(a, "door.state") is None, 5)


def test_a_node_started_later_loads_the_hash(tmp_path, redis, nodes):
    a, _, _ = nodes
    pub = LineClient(a)
    pub.send("RETAIN late.x before\n")
    pub.sync()
    # Written by something else than a node: the hash is the truth.
    assert redis.command("HSET", HASH, "late.y", "direct") == 1
    late = node(tmp_path, redis.port, "n-late")
    wait_cluster_up(late)
    wait_until(lambda: retained_on(late, "late.y") == "direct", 5)
    sub = LineClient(late)
    sub.send("SUB late.*\n")
    assert sorted(sub.lines(2)) == ["MSG late.x before", "MSG late.y direct"]


def test_without_redis_retain_is_refused_and_not_published(redis, nodes):
    a, b, _ = nodes
    local = subscriber(a, "out.r")
    redis.stop()
    wait_cluster_up(a, b, up=0)
    pub = LineClient(a)
    pub.send("RETAIN out.r v1\n")
    assert pub.line() == "-ERR cluster unavailable"
    assert http_request(a, "POST", "/pub/out.r?retain=1", b"v2")[0] == 503
    assert http_request(a, "DELETE", "/retained/out.r")[0] == 503
    pub.send("PUB out.r plain\n")  # a plain publish still works locally
    assert local.line() == "MSG out.r plain"
    assert local.nothing_more()
    assert retained_on(a, "out.r") is None

    # Back (an empty Redis: nothing saved): RETAIN works again, and a value
    # written into the hash while the nodes were away is loaded at the
    # reconnect.
    redis.start()
    redis.command("HSET", HASH, "back.z", "from-redis")
    redis.command("CLIENT", "KILL", "TYPE", "normal")  # the nodes reconnect (and reload)
    wait_cluster_up(a, b, up=1)
    wait_until(lambda: retained_on(b, "back.z") == "from-redis", 5)
    pub = LineClient(a)
    pub.send("RETAIN out.r v3\n")
    pub.sync()
    assert redis.command("HGET", HASH, "out.r") == "v3"
    assert local.line() == "MSG out.r v3"
    wait_until(lambda: retained_on(b, "out.r") == "v3", 5)


def test_acknowledgements_wait_until_redis_stored_the_value(redis, nodes):
    """Redis paused (CLIENT PAUSE): the HSET waits in Redis, and so do the
    PONG after RETAIN and the HTTP answers; once they come, Redis has it."""
    a, b, _ = nodes
    pub = LineClient(a)
    for method, path, body, status, stored in (
            ("LINE", "RETAIN acked.line v1\n", None, None, ("acked.line", "v1")),
            ("POST", "/pub/acked.http?retain=1", b"v2", 200, ("acked.http", "v2")),
            ("DELETE", "/retained/acked.http", None, 204, ("acked.http", None))):
        assert redis.command("CLIENT", "PAUSE", "300") == "+OK"
        started = time.monotonic()
        if method == "LINE":
            pub.send(path)
            pub.sync()
        else:
            assert http_request(b, method, path, body)[0] == status
        assert time.monotonic() - started >= 0.2, method
        assert redis.command("HGET", HASH, stored[0]) == stored[1], method
    # A request pipelined behind a held answer waits with it, in order.
    assert redis.command("CLIENT", "PAUSE", "300") == "+OK"
    with socket.create_connection(("127.0.0.1", b.http_port), timeout=5) as s:
        s.sendall(b"POST /pub/acked.pipe?retain=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\np1"
                  b"GET /retained/acked.pipe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := s.recv(65536):
            received += chunk
    first, second = received.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"200 ") and b'"published":1' in first
    assert second.startswith(b"200 ") and second.endswith(b"\r\n\r\np1")


def test_mqtt_puback_of_a_retained_message_waits_until_redis_stored_it(tmp_path, redis, nodes):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mqtt"))
    import mqttraw  # noqa: E402

    mqtt_port = free_port()
    server = node(tmp_path, redis.port, "n-mqtt", ["--mqtt-port", str(mqtt_port)])
    wait_cluster_up(server)
    client = mqttraw.RawClient(mqtt_port)
    assert client.connect("retainer") == (False, 0)
    for qos, kind in ((1, mqttraw.PUBACK), (2, mqttraw.PUBREC)):
        assert redis.command("CLIENT", "PAUSE", "300") == "+OK"
        started = time.monotonic()
        client.send(mqttraw.publish("mq/ret", f"q{qos}".encode(), qos=qos, retain=True, packet_id=qos))
        # A PINGREQ behind it is answered after it, in order.
        client.send(mqttraw.packet(mqttraw.PINGREQ, 0))
        assert client.expect(kind).packet_id == qos
        assert time.monotonic() - started >= 0.2
        client.expect(mqttraw.PINGRESP)
        assert redis.command("HGET", HASH, "mq.ret") == f"q{qos}"
    client.close()
