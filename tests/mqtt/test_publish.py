"""PUBLISH at QoS 0, 1 and 2 in both directions, SUBSCRIBE, UNSUBSCRIBE,
PINGREQ (OASIS MQTT 3.1.1 sections 3.3 to 3.12, 4.3 and 4.6)."""

import pytest

import mqttraw as raw
from paho_client import Client


@pytest.mark.parametrize("sub_qos", [0, 1, 2])
@pytest.mark.parametrize("pub_qos", [0, 1, 2])
def test_qos_matrix_in_order(broker, pub_qos, sub_qos):
    """Delivered at min(published QoS, granted QoS) (3.8.4), in the order
    published on one topic [MQTT-4.6.0-5]; the SUBACK grants what was asked
    (OASIS lets a server grant less; linecast's contract grants up to 2)."""
    sub = Client(broker)
    assert sub.subscribe(("qos/matrix", sub_qos)) == [sub_qos]
    pub = Client(broker)
    payloads = [f"m{i}".encode() for i in range(30)]
    for p in payloads:
        pub.publish("qos/matrix", p, qos=pub_qos)
    got = sub.get_many(len(payloads))
    assert [m.payload for m in got] == payloads
    assert {(m.topic, m.qos, m.retain) for m in got} == {("qos/matrix", min(pub_qos, sub_qos), False)}
    sub.nothing()


@pytest.mark.parametrize("qos", [1, 2])
def test_publish_acknowledged_with_its_packet_id(broker, qos):
    """[MQTT-4.3.2-2] PUBACK, [MQTT-4.3.3-2] PUBREC then PUBCOMP after PUBREL,
    each carrying the PUBLISH's packet identifier."""
    c = raw.RawClient(broker.port)
    c.connect("acker")
    c.send(raw.publish("acks/t", b"x", qos=qos, packet_id=4242))
    if qos == 1:
        assert c.expect(raw.PUBACK).body == b"\x10\x92"
    else:
        assert c.expect(raw.PUBREC).body == b"\x10\x92"
        c.send(raw.ack(raw.PUBREL, 4242))
        p = c.expect(raw.PUBCOMP)
        assert (p.flags, p.body) == (0, b"\x10\x92")
    c.close()


def test_qos2_duplicate_before_pubrel_is_delivered_once(broker):
    """[MQTT-4.3.3-2]: until PUBREL, a PUBLISH with the same packet id is
    answered with PUBREC again and MUST NOT be delivered twice."""
    sub = Client(broker)
    sub.subscribe(("dup/t", 2))
    c = raw.RawClient(broker.port)
    c.connect("dup-publisher")
    c.send(raw.publish("dup/t", b"once", qos=2, packet_id=7))
    assert c.expect(raw.PUBREC).packet_id == 7
    c.send(raw.publish("dup/t", b"once", qos=2, packet_id=7, dup=True))
    assert c.expect(raw.PUBREC).packet_id == 7
    c.send(raw.ack(raw.PUBREL, 7))
    assert c.expect(raw.PUBCOMP).packet_id == 7
    assert sub.get().payload == b"once"
    sub.nothing(1.0)
    c.close()


@pytest.mark.parametrize("qos", [1, 2])
def test_server_to_client_flow_by_hand(broker, qos):
    """The server's side of QoS 1 (PUBLISH, PUBACK) and QoS 2 (PUBLISH,
    PUBREC, PUBREL with flags 0010, PUBCOMP); packet ids non-zero [MQTT-2.3.1-1]."""
    c = raw.RawClient(broker.port)
    c.connect("hand-sub")
    assert c.subscribe(("hand/t", qos)) == [qos]
    pub = Client(broker)
    pub.publish("hand/t", b"first", qos=qos)
    pub.publish("hand/t", b"second", qos=qos)
    # The server may send the second PUBLISH before the first's PUBREL
    # (several messages in flight), so packets are handled as they come.
    delivered, completed = [], 0
    while completed < 2:
        p = c.read()
        if p.kind == raw.PUBLISH:
            assert (p.topic, p.qos, p.dup, p.retain) == (b"hand/t", qos, False, False)
            assert p.publish_id != 0
            delivered.append(p.payload)
            c.send(raw.ack(raw.PUBACK if qos == 1 else raw.PUBREC, p.publish_id))
            completed += qos == 1
        else:
            assert p.kind == raw.PUBREL and qos == 2, p
            assert p.flags == 0x02, "PUBREL flags 0010 [MQTT-3.6.1-1]"
            c.send(raw.ack(raw.PUBCOMP, p.packet_id))
            completed += 1
    assert delivered == [b"first", b"second"]
    assert c.sync() == []
    c.close()


def test_overlapping_subscriptions(broker, request):
    """[MQTT-3.3.5-1]: the message is delivered at the maximum QoS of the
    matching subscriptions; the server MAY send one further copy per other
    matching subscription, each at that subscription's QoS (one copy or one
    per subscription are both conforming)."""
    if broker.kind == "mosquitto":
        # Mosquitto 2.0.11 sends one copy at the QoS of the first matching
        # subscription it finds (here 1): a known deviation from OASIS.
        request.applymarker(pytest.mark.xfail(strict=False, reason="Mosquitto 2.0 breaks MQTT-3.3.5-1"))
    sub = Client(broker)
    assert sub.subscribe(("over/+", 1), ("over/#", 2)) == [1, 2]
    pub = Client(broker)
    pub.publish("over/t", b"x", qos=2)
    first = sub.get()
    copies = [first]
    try:
        copies.append(sub.get(1.0))
    except AssertionError:
        pass
    sub.nothing()
    assert all(m.payload == b"x" for m in copies)
    assert sorted(m.qos for m in copies) in ([2], [1, 2])


def test_resubscribing_replaces_the_subscription(broker):
    """[MQTT-3.8.4-3]: a SUBSCRIBE with an existing filter replaces it (one
    copy, at the new QoS)."""
    sub = Client(broker)
    assert sub.subscribe(("replace/t", 2)) == [2]
    assert sub.subscribe(("replace/t", 0)) == [0]
    Client(broker).publish("replace/t", b"x", qos=2)
    assert sub.get().qos == 0
    sub.nothing()


def test_subscribe_several_filters_in_one_packet(broker):
    """[MQTT-3.8.4-4..5]: one SUBACK with a return code per filter, in order."""
    c = raw.RawClient(broker.port)
    c.connect("multi")
    assert c.subscribe(("m/a", 2), ("m/b", 0), ("m/c", 1)) == [2, 0, 1]
    c.close()


def test_unsubscribe(broker):
    """[MQTT-3.10.4-4]: UNSUBACK with the packet id; [MQTT-3.10.4-1/2]:
    nothing more is delivered; [MQTT-3.10.4-5]: an UNSUBSCRIBE of a filter
    not held is still acknowledged."""
    c = raw.RawClient(broker.port)
    c.connect("unsub")
    c.subscribe(("u/t", 1), ("u/other", 0))
    c.send(raw.unsubscribe(9, "u/t"))
    assert c.expect(raw.UNSUBACK).body == b"\x00\x09"
    c.send(raw.unsubscribe(10, "never/subscribed"))
    assert c.expect(raw.UNSUBACK).body == b"\x00\x0a"
    pub = Client(broker)
    pub.publish("u/t", b"gone", qos=1)
    pub.publish("u/other", b"kept", qos=1)
    p = c.expect(raw.PUBLISH)
    assert (p.topic, p.payload) == (b"u/other", b"kept")
    assert c.sync() == []
    c.close()


def test_paho_unsubscribe(broker):
    sub = Client(broker)
    sub.subscribe(("pu/t", 2))
    sub.unsubscribe("pu/t")
    Client(broker).publish("pu/t", b"x", qos=2)
    sub.nothing()


def test_pingreq_gets_pingresp(broker):
    """[MQTT-3.12.4-1]."""
    c = raw.RawClient(broker.port)
    c.connect("pinger")
    c.send(raw.PINGREQ_PACKET)
    p = c.expect(raw.PINGRESP)
    assert (p.flags, p.body) == (0, b"")
    c.close()


def test_publisher_receives_its_own_message(broker):
    """MQTT 3.1.1 has no 'no local': a client subscribed to the topic it
    publishes on receives its own message."""
    c = Client(broker)
    c.subscribe(("self/t", 1))
    c.publish("self/t", b"echo", qos=1)
    assert c.get().payload == b"echo"


def test_binary_and_large_payloads(broker):
    """The payload is application bytes (3.3.3): every byte value, zero
    length, and one needing a 3-byte remaining length."""
    sub = Client(broker)
    sub.subscribe(("bin/t", 1))
    pub = Client(broker)
    payloads = [bytes(range(256)), b"", b"line\nbreak\r\n\x00", bytes(200_000)]
    for p in payloads:
        pub.publish("bin/t", p, qos=1)
    assert [m.payload for m in sub.get_many(len(payloads))] == payloads
