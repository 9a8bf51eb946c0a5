"""MQTT across nodes: an MQTT subscriber on one node gets what any protocol
publishes on another, an MQTT client's messages reach every protocol's
subscribers elsewhere, at the right QoS, exactly once and in each
publisher's order; MQTT-only topics cross nodes among MQTT clients only."""

import sys
from pathlib import Path

import pytest
import redis as redis_py

from cluster import (Behind, HAProxy, http_publish, mqtt_node, publisher, resp_messages, resp_subscriber, stats,
                     subscriber, wait_cluster_up, wait_subscriptions, wait_until)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mqtt"))

import paho_client  # noqa: E402

N = 100


class Port:
    """What paho_client.Client needs of a broker: its MQTT port."""

    def __init__(self, server):
        self.port = server.mqtt_port


def mqtt(server, client_id="", clean=True):
    return paho_client.Client(Port(server), client_id=client_id, clean=clean)


@pytest.fixture(autouse=True)
def close_mqtt_clients():
    yield
    paho_client.close_clients()


def received(client, n):
    return [(m.topic, m.payload.decode(), m.qos) for m in client.get_many(n, timeout=20)]


def test_mqtt_subscriber_gets_line_http_resp_and_mqtt_messages_from_another_node(redis, mqtt_nodes):
    a, b, _ = mqtt_nodes
    sub = mqtt(b)
    assert sub.subscribe(("dev/+/temp", 1), ("dev/a/temp", 1)) == [1, 1]
    # "dev/+/temp": its channel image and the topic as a glob; "dev/a/temp": the channel.
    wait_subscriptions(redis, channels=1, patterns=2, nodes=mqtt_nodes)

    publisher(a, *[("dev.a.temp", f"line{i}") for i in range(N)])
    assert received(sub, N) == [("dev/a/temp", f"line{i}", 1) for i in range(N)]  # once, both filters matching

    assert http_publish(a, "dev.b.temp", "".join(f"http{i}\n" for i in range(N))) == 200
    assert received(sub, N) == [("dev/b/temp", f"http{i}", 1) for i in range(N)]

    r_pub = redis_py.Redis(host="127.0.0.1", port=a.port, socket_timeout=10)
    for i in range(N):
        r_pub.publish("dev.c.temp", f"resp{i}")
    assert received(sub, N) == [("dev/c/temp", f"resp{i}", 1) for i in range(N)]

    pub = mqtt(a)
    for i in range(N):
        pub.publish("dev/d/temp", f"mqtt{i}", qos=i % 2)
    # At the lower of the publisher's QoS and the granted one, as on one
    # node, and in order per QoS.
    got = received(sub, N)
    for qos in range(2):
        assert [m for m in got if m[2] == qos] == [("dev/d/temp", f"mqtt{i}", qos) for i in range(N) if i % 2 == qos]
    sub.nothing()
    assert stats(b)["cluster_received_total"] == 4 * N


def test_mqtt_publish_reaches_line_resp_and_mqtt_subscribers_on_other_nodes(redis, mqtt_nodes):
    a, b, c = mqtt_nodes
    line = subscriber(b, "up.>")
    pubsub = resp_subscriber(c, patterns=["up.*"])
    sub = mqtt(c)
    assert sub.subscribe(("up/#", 2)) == [2]
    # b: "up.*"; c: "up.*" once for RESP's glob and MQTT's "up/#", which
    # adds "up/*" and the channel "up".
    wait_subscriptions(redis, channels=1, patterns=3, nodes=mqtt_nodes)
    pub = mqtt(a)
    for i in range(N):
        pub.publish(f"up/x{i % 3}", f"m{i}", qos=i % 3)
    assert line.lines(N) == [f"MSG up.x{i % 3} m{i}" for i in range(N)]
    assert resp_messages(pubsub, N, "pmessage") == [f"m{i}".encode() for i in range(N)]
    # In order per QoS: a QoS 0 message may pass QoS 1/2 ones waiting for
    # the in-flight window, as on one node.
    got = received(sub, N)
    for qos in range(3):
        assert [m for m in got if m[2] == qos] == [(f"up/x{i % 3}", f"m{i}", qos) for i in range(N) if i % 3 == qos]
    assert line.nothing_more()
    assert pubsub.get_message(timeout=0.3) is None
    sub.nothing()
    pubsub.close()


def test_mqtt_only_topics_cross_nodes_to_mqtt_subscribers_only(redis, mqtt_nodes):
    a, b, _ = mqtt_nodes
    sub = mqtt(b)
    assert sub.subscribe(("a b/#", 1), ("$SYS/x", 0), ("café/+", 1), ("k/x.y", 0)) == [1, 0, 1, 0]
    line = subscriber(b, ">")
    pubsub = resp_subscriber(b, patterns=["*"])
    # "a b/#": "a b.*", "a b/*" and the channel "a b"; "café/+": two globs;
    # "$SYS/x" and "k/x.y": the topics (no channel image); ">" and "*": "*".
    wait_subscriptions(redis, channels=3, patterns=5, nodes=mqtt_nodes)

    pub = mqtt(a)
    topics = ["a b/c", "$SYS/x", "café/t", "k/x.y", "a b"]
    for i in range(N):
        pub.publish(topics[i % len(topics)], f"m{i}", qos=1)
    expected = [(topics[i % len(topics)], f"m{i}", 0 if i % 5 in (1, 3) else 1) for i in range(N)]
    got = received(sub, N)
    for qos in range(2):  # in order per QoS (see above)
        assert [m for m in got if m[2] == qos] == [m for m in expected if m[2] == qos]
    # A channel whose topic is an MQTT-only one reaches it too, as on one node.
    redis_py.Redis(host="127.0.0.1", port=a.port, socket_timeout=10).publish("a b.c", "resp")
    assert received(sub, 1) == [("a b/c", "resp", 1)]
    # Line and RESP subscribers of everything saw none of the MQTT-only topics.
    publisher(a, ("end", "marker"))
    assert line.line() == "MSG end marker"
    assert line.nothing_more()
    assert resp_messages(pubsub, 2, "pmessage", "channel") == [b"a b.c", b"end"]
    assert pubsub.get_message(timeout=0.3) is None
    sub.nothing()
    pubsub.close()


def test_mqtt_wildcards_are_exact_across_nodes(redis, mqtt_nodes):
    a, b, _ = mqtt_nodes
    plus, hash_, everything = mqtt(b), mqtt(b), mqtt(b)
    plus.subscribe(("w/+/x", 0))
    hash_.subscribe(("w/#", 0))
    everything.subscribe(("#", 0))
    wait_subscriptions(redis, channels=1, patterns=5, nodes=mqtt_nodes)
    publisher(a, ("w.a.x", "1"), ("w.a.b.x", "2"), ("w", "3"), ("w.a", "4"), ("v.a.x", "5"))
    # Two publishers: the second starts once the first's messages arrived.
    assert [m for _, m, _ in received(everything, 5)] == ["1", "2", "3", "4", "5"]
    pub = mqtt(a)
    pub.publish("w/a b/x", "6")
    pub.publish("$SYS/w", "7")
    pub.publish("w//x", "8")
    pub.publish("end", "9")
    assert [m for _, m, _ in received(everything, 3)] == ["6", "8", "9"]
    assert [m for _, m, _ in received(plus, 3)] == ["1", "6", "8"]
    assert [m for _, m, _ in received(hash_, 6)] == ["1", "2", "3", "4", "6", "8"]
    for client in (plus, hash_, everything):
        client.nothing(0.3)


def test_a_restored_persistent_session_subscribes_again_in_redis(tmp_path, redis, mqtt_nodes):
    a = mqtt_nodes[0]
    data = tmp_path / "data"
    data.mkdir()
    b = mqtt_node(tmp_path, redis.port, "persist", ["--data-dir", str(data)])
    device = mqtt(b, client_id="device-1", clean=False)
    device.subscribe(("ps/+", 1))
    device.close()
    b.stop()
    wait_subscriptions(redis, channels=0, patterns=0)
    b = mqtt_node(tmp_path, redis.port, "persist", ["--data-dir", str(data)])
    wait_cluster_up(b)
    # Nobody connected to b: the session read from --data-dir holds the filter.
    wait_subscriptions(redis, channels=0, patterns=2, nodes=[a, b])
    publisher(a, *[("ps.t", f"offline{i}") for i in range(10)])
    wait_until(lambda: stats(b)["cluster_received_total"] == 10, 10, "b to receive them")
    device = mqtt(b, client_id="device-1", clean=False)
    assert device.session_present
    assert received(device, 10) == [("ps/t", f"offline{i}", 1) for i in range(10)]


def test_mqtt_clients_through_the_balancer(tmp_path, redis, mqtt_nodes):
    proxy = HAProxy(tmp_path, mqtt_nodes)
    try:
        behind = Behind(proxy)
        subs = []
        while any(stats(n)["subscriptions"] == 0 for n in mqtt_nodes):
            assert len(subs) < 12, "the balancer did not reach every node"
            client = paho_client.Client(Port(behind), clean=True)
            client.subscribe(("lb/m", 1))
            subs.append(client)
        wait_subscriptions(redis, channels=3, patterns=0, nodes=mqtt_nodes)
        pub = paho_client.Client(Port(behind), clean=True)
        for i in range(N):
            pub.publish("lb/m", f"m{i}", qos=1)
        for client in subs:
            assert received(client, N) == [("lb/m", f"m{i}", 1) for i in range(N)]
            client.nothing(0.2)
    finally:
        paho_client.close_clients()
        proxy.stop()
