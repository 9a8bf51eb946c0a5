"""Sessions (OASIS MQTT 3.1.1 sections 3.1.2.4, 3.1.4, 3.2.2.2, 4.1, 4.4):
take-over, the session-present flag, persistent sessions' offline queueing
and redelivery."""

import mqttraw as raw
from paho_client import Client


def test_session_take_over_closes_the_first_connection(broker):
    """[MQTT-3.1.4-2]: a CONNECT with a client id already connected
    disconnects the existing client."""
    first = raw.RawClient(broker.port)
    first.connect("twin")
    second = raw.RawClient(broker.port)
    assert second.connect("twin") == (False, 0)
    assert first.closed_within(3)
    assert second.subscribe(("twin/t", 1)) == [1]
    Client(broker).publish("twin/t", b"to the second", qos=1)
    assert second.expect(raw.PUBLISH).payload == b"to the second"
    second.close()


def test_take_over_keeps_a_persistent_session(broker):
    """The session state of a persistent session belongs to the client id:
    the new connection finds its subscriptions (session present 1)."""
    first = raw.RawClient(broker.port)
    first.connect("keeper", clean=False)
    first.subscribe(("keeper/t", 1))
    second = raw.RawClient(broker.port)
    assert second.connect("keeper", clean=False) == (True, 0)
    assert first.closed_within(3)
    Client(broker).publish("keeper/t", b"x", qos=1)
    assert second.expect(raw.PUBLISH).payload == b"x"
    second.close()


def test_session_present_flag(broker):
    """[MQTT-3.2.2-1]: clean session 1 -> 0; [MQTT-3.2.2-2]: clean 0 with a
    stored session -> 1; [MQTT-3.2.2-3]: clean 0 without one -> 0;
    [MQTT-3.1.2-6]: clean session 1 discards the stored session."""
    def connect(clean):
        c = raw.RawClient(broker.port)
        result = c.connect("sp", clean=clean)
        c.send(raw.DISCONNECT_PACKET)
        assert c.closed_within(3)
        return result

    assert connect(False) == (False, 0)
    assert connect(False) == (True, 0)
    assert connect(True) == (False, 0)
    assert connect(False) == (False, 0)
    assert connect(False) == (True, 0)


def test_offline_messages_are_queued_for_a_persistent_session(broker):
    """[MQTT-3.1.2-5]: QoS 1 and 2 messages that arrive while the client is
    disconnected are part of its session and delivered when it reconnects,
    each topic in order [MQTT-4.6.0-6] (no order across topics); QoS 0 ones MAY be kept (Mosquitto drops them by
    default)."""
    dev = Client(broker, client_id="pi-1", clean=False)
    assert dev.subscribe(("home/q1", 1), ("home/q2", 2)) == [1, 2]
    dev.close()
    pub = Client(broker)
    expected = []
    for i in range(10):
        pub.publish("home/q1", f"one-{i}".encode(), qos=1)
        pub.publish("home/q2", f"two-{i}".encode(), qos=2)
        pub.publish("home/q1", f"zero-{i}".encode(), qos=0)
        expected += [("home/q1", f"one-{i}".encode(), 1), ("home/q2", f"two-{i}".encode(), 2)]
    again = Client(broker, client_id="pi-1", clean=False)
    assert again.session_present
    got = []
    try:
        while True:
            m = again.get(1.5)
            got.append((m.topic, m.payload, m.qos))
    except AssertionError:
        pass
    for topic in ("home/q1", "home/q2"):
        assert [g for g in got if g[0] == topic and g[2] > 0] == [e for e in expected if e[0] == topic]
    zeros = [g for g in got if g[2] == 0]
    assert zeros in ([], [("home/q1", f"zero-{i}".encode(), 0) for i in range(10)])
    # The subscriptions survived too: live messages arrive without resubscribing.
    pub.publish("home/q2", b"live", qos=2)
    assert again.get().payload == b"live"


def test_clean_session_gets_nothing_queued(broker):
    dev = Client(broker, client_id="pi-2", clean=False)
    dev.subscribe(("home/c", 1))
    dev.close()
    Client(broker).publish("home/c", b"missed", qos=1)
    fresh = Client(broker, client_id="pi-2", clean=True)
    assert not fresh.session_present
    fresh.nothing(1.0)


def test_unacknowledged_qos1_is_redelivered_with_dup(broker):
    """[MQTT-4.4.0-1]: on reconnect with clean session 0, unacknowledged
    PUBLISH packets are re-sent with their original packet id and DUP 1
    [MQTT-3.3.1-1]."""
    c = raw.RawClient(broker.port)
    c.connect("redeliver1", clean=False)
    c.subscribe(("rd/t", 1))
    Client(broker).publish("rd/t", b"ack me", qos=1)
    p = c.expect(raw.PUBLISH)
    assert not p.dup
    c.close()  # no PUBACK
    again = raw.RawClient(broker.port)
    assert again.connect("redeliver1", clean=False) == (True, 0)
    r = again.expect(raw.PUBLISH)
    assert (r.payload, r.qos, r.dup, r.publish_id) == (b"ack me", 1, True, p.publish_id)
    again.send(raw.ack(raw.PUBACK, r.publish_id))
    assert again.sync() == []
    again.close()


def test_unreceived_qos2_is_redelivered_with_dup(broker):
    c = raw.RawClient(broker.port)
    c.connect("redeliver2", clean=False)
    c.subscribe(("rd2/t", 2))
    Client(broker).publish("rd2/t", b"exactly once", qos=2)
    p = c.expect(raw.PUBLISH)
    c.close()  # no PUBREC
    again = raw.RawClient(broker.port)
    again.connect("redeliver2", clean=False)
    r = again.expect(raw.PUBLISH)
    assert (r.payload, r.qos, r.dup, r.publish_id) == (b"exactly once", 2, True, p.publish_id)
    again.send(raw.ack(raw.PUBREC, r.publish_id))
    assert again.expect(raw.PUBREL).packet_id == r.publish_id
    again.send(raw.ack(raw.PUBCOMP, r.publish_id))
    assert again.sync() == []
    again.close()


def test_pubrel_is_resent_after_pubrec(broker):
    """[MQTT-4.4.0-1]: a QoS 2 message whose PUBREC arrived goes on with
    PUBREL on reconnect (the PUBLISH is not sent again)."""
    c = raw.RawClient(broker.port)
    c.connect("redeliver3", clean=False)
    c.subscribe(("rd3/t", 2))
    Client(broker).publish("rd3/t", b"half way", qos=2)
    p = c.expect(raw.PUBLISH)
    c.send(raw.ack(raw.PUBREC, p.publish_id))
    assert c.expect(raw.PUBREL).packet_id == p.publish_id
    c.close()  # no PUBCOMP
    again = raw.RawClient(broker.port)
    again.connect("redeliver3", clean=False)
    rel = again.expect(raw.PUBREL)
    assert (rel.flags, rel.packet_id) == (0x02, p.publish_id)
    again.send(raw.ack(raw.PUBCOMP, p.publish_id))
    assert again.sync() == []
    again.close()


def test_inbound_qos2_state_survives_reconnect(broker):
    """[MQTT-4.3.3-2] across a reconnect: the server that sent PUBREC keeps
    the packet id; the client's re-sent PUBLISH (DUP) is not delivered twice,
    its PUBREL completes the flow."""
    sub = Client(broker)
    sub.subscribe(("in2/t", 2))
    c = raw.RawClient(broker.port)
    c.connect("in2", clean=False)
    c.send(raw.publish("in2/t", b"one", qos=2, packet_id=11))
    assert c.expect(raw.PUBREC).packet_id == 11
    c.close()
    again = raw.RawClient(broker.port)
    again.connect("in2", clean=False)
    again.send(raw.publish("in2/t", b"one", qos=2, packet_id=11, dup=True))
    assert again.expect(raw.PUBREC).packet_id == 11
    again.send(raw.ack(raw.PUBREL, 11))
    assert again.expect(raw.PUBCOMP).packet_id == 11
    assert sub.get().payload == b"one"
    sub.nothing(1.0)
    again.close()
