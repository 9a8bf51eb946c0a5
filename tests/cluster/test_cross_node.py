"""Messages cross nodes exactly once and in order, for every protocol."""

import asyncio
import http.client
import threading

import redis as redis_py
import websockets

from cluster import (LineClient, http_publish, publisher, resp_subscriber, stats, subscriber,
                     wait_subscriptions)

N = 500


def test_line_messages_reach_every_node_once_in_order(redis, nodes):
    a, b, c = nodes
    subscribers = [subscriber(server, "orders.eu") for server in nodes]
    wait_subscriptions(redis, channels=3, patterns=0)
    publisher(a, *[("orders.eu", f"m{i}") for i in range(N)])
    expected = [f"MSG orders.eu m{i}" for i in range(N)]
    for client in subscribers:
        # The publisher's own node delivers at once and drops its echo: once.
        assert client.lines(N) == expected
        assert client.nothing_more()
    assert stats(a)["cluster_published_total"] == N
    for other in (b, c):
        assert stats(other)["cluster_received_total"] == N


def test_two_publishers_on_two_nodes_keep_their_own_order(redis, nodes):
    a, b, c = nodes
    sub = subscriber(c, "mix")
    wait_subscriptions(redis, channels=1, patterns=0)
    pa, pb = LineClient(a), LineClient(b)
    for i in range(200):
        pa.send(f"PUB mix a{i}\n")
        pb.send(f"PUB mix b{i}\n")
    pa.sync()
    pb.sync()
    got = [line.split(" ", 2)[2] for line in sub.lines(400)]
    assert [m for m in got if m.startswith("a")] == [f"a{i}" for i in range(200)]
    assert [m for m in got if m.startswith("b")] == [f"b{i}" for i in range(200)]
    assert sub.nothing_more()


def test_wildcard_subscriber_sees_one_publishers_channels_in_order(redis, nodes):
    a, b, _ = nodes
    sub = subscriber(b, "ch.>")
    wait_subscriptions(redis, channels=0, patterns=1)
    publisher(a, *[(f"ch.{i % 3}", f"m{i}") for i in range(300)])
    assert sub.lines(300) == [f"MSG ch.{i % 3} m{i}" for i in range(300)]


def test_resp_publish_and_subscribe_across_nodes(redis, nodes):
    a, b, _ = nodes
    pubsub = resp_subscriber(b, channels=["news"])
    wait_subscriptions(redis, channels=1, patterns=0)
    r_pub = redis_py.Redis(host="127.0.0.1", port=a.port, socket_timeout=10)
    # Any bytes cross, a newline included (RESP subscribers take them).
    payloads = [b"plain", b"two\nlines", b"\x00\xff bin"] + [b"n%d" % i for i in range(100)]
    for p in payloads:
        r_pub.publish("news", p)
    got = []
    while len(got) < len(payloads):
        message = pubsub.get_message(timeout=5)
        assert message is not None, f"got only {got}"
        if message["type"] == "message":
            assert message["channel"] == b"news"
            got.append(message["data"])
    assert got == payloads
    assert pubsub.get_message(timeout=0.5) is None
    pubsub.close()


def test_http_publish_reaches_line_and_resp_subscribers_elsewhere(redis, nodes):
    a, b, c = nodes
    line = subscriber(b, "sensors.t1")
    pubsub = resp_subscriber(c, patterns=["sensors.*"])
    wait_subscriptions(redis, channels=1, patterns=1)
    assert http_publish(a, "sensors.t1", "21.5\n22.0\n") == 200
    assert line.lines(2) == ["MSG sensors.t1 21.5", "MSG sensors.t1 22.0"]
    got = []
    while len(got) < 2:
        message = pubsub.get_message(timeout=5)
        assert message is not None
        if message["type"] == "pmessage":
            assert message["pattern"] == b"sensors.*"
            got.append(message["data"])
    assert got == [b"21.5", b"22.0"]
    pubsub.close()


def test_unsubscribe_is_reference_counted_in_redis(redis, nodes):
    a, b, _ = nodes
    first, second = subscriber(b, "rc.x"), subscriber(b, "rc.x")
    wait_subscriptions(redis, channels=1, patterns=0)  # one SUBSCRIBE for both
    first.send("UNSUB rc.x\n")
    first.sync()
    publisher(a, ("rc.x", "still"))
    assert second.line() == "MSG rc.x still"
    second.close()
    wait_subscriptions(redis, channels=0, patterns=0)  # the last one gone


def websocket_subscriber(url, pattern, count):
    """A WebSocket line-protocol subscriber on its own thread (Debian's
    websockets is asyncio only): `ready` is set once its SUB took effect,
    `frames` holds the first `count` messages."""
    ready = threading.Event()
    frames = []

    async def session():
        async with websockets.connect(url, open_timeout=10) as ws:
            await ws.send(f"SUB {pattern}\nPING ready")
            assert await asyncio.wait_for(ws.recv(), 10) == "PONG ready"
            ready.set()
            while len(frames) < count:
                frames.append(await asyncio.wait_for(ws.recv(), 10))

    thread = threading.Thread(target=lambda: asyncio.run(session()), daemon=True)
    thread.start()
    assert ready.wait(10)
    return thread, frames


def test_server_sent_events_and_websocket_subscribers_get_other_nodes_messages(redis, nodes):
    a, b, c = nodes
    stream = http.client.HTTPConnection("127.0.0.1", b.http_port, timeout=10)
    stream.request("GET", "/sub/sse.>")
    response = stream.getresponse()
    assert response.status == 200
    thread, frames = websocket_subscriber(f"ws://127.0.0.1:{c.http_port}/ws", "sse.>", 20)
    wait_subscriptions(redis, channels=0, patterns=2)
    publisher(a, *[("sse.t", f"v{i}") for i in range(20)])
    events = []
    while len(events) < 20:
        line = response.fp.readline().decode().rstrip("\n")
        if line.startswith("data: "):
            events.append(line[len("data: "):])
    assert events == [f"sse.t v{i}" for i in range(20)]
    thread.join(15)
    assert frames == [f"MSG sse.t v{i}" for i in range(20)]
    stream.close()
