"""Retained messages (OASIS MQTT 3.1.1 section 3.3.1.3)."""

import pytest

import mqttraw as raw
from paho_client import Client


@pytest.mark.parametrize("qos", [1, 2])
def test_retained_message_reaches_a_later_subscriber_with_the_retain_flag(broker, qos):
    """[MQTT-3.3.1-5]: stored; [MQTT-3.3.1-6]: sent to a new subscription;
    [MQTT-3.3.1-8]: with RETAIN 1. Delivered at min(stored QoS, granted)."""
    pub = Client(broker)
    pub.publish("ret/tv/volume", b"42", qos=qos, retain=True)
    sub = Client(broker)
    sub.subscribe(("ret/tv/volume", 2))
    m = sub.get()
    assert (m.topic, m.payload, m.retain, m.qos) == ("ret/tv/volume", b"42", True, qos)
    sub.nothing()
    low = Client(broker)
    low.subscribe(("ret/tv/volume", 0))
    m = low.get()
    assert (m.payload, m.retain, m.qos) == (b"42", True, 0)


def test_live_messages_carry_no_retain_flag(broker):
    """[MQTT-3.3.1-9]: a message sent because it matches an established
    subscription has RETAIN 0, however the publisher set it."""
    sub = Client(broker)
    sub.subscribe(("live/t", 1))
    Client(broker).publish("live/t", b"v", qos=1, retain=True)
    m = sub.get()
    assert (m.payload, m.retain) == (b"v", False)


def test_only_the_last_retained_message_is_kept(broker):
    pub = Client(broker)
    for v in (b"1", b"2", b"3"):
        pub.publish("last/t", v, qos=1, retain=True)
    sub = Client(broker)
    sub.subscribe(("last/t", 1))
    assert sub.get().payload == b"3"
    sub.nothing()


def test_empty_retained_message_clears(broker):
    """[MQTT-3.3.1-10]: a zero-byte retained PUBLISH removes the retained
    message; [MQTT-3.3.1-11]: it is not stored. It is delivered to current
    subscribers as usual (without the retain flag)."""
    pub = Client(broker)
    pub.publish("clear/t", b"on", qos=1, retain=True)
    current = Client(broker)
    current.subscribe(("clear/t", 1))
    assert current.get().payload == b"on"
    pub.publish("clear/t", b"", qos=1, retain=True)
    m = current.get()
    assert (m.payload, m.retain) == (b"", False)
    later = Client(broker)
    later.subscribe(("clear/t", 1))
    later.nothing(1.0)


def test_retained_qos_0_replaces_the_previous_one(broker):
    """[MQTT-3.3.1-7]: a retained QoS 0 message discards the one retained
    before; the server SHOULD keep the new one but MAY discard it."""
    pub = Client(broker)
    pub.publish("q0/t", b"old", qos=1, retain=True)
    pub.publish("q0/t", b"new", qos=0, retain=True)
    pub.publish("q0/sync", b"", qos=1)  # the QoS 0 message was read before this one's PUBACK
    sub = Client(broker)
    sub.subscribe(("q0/t", 1))
    try:
        m = sub.get(1.0)
    except AssertionError:
        return  # discarded: allowed
    assert (m.payload, m.retain, m.qos) == (b"new", True, 0)


def test_retained_messages_through_wildcards(broker):
    pub = Client(broker)
    pub.publish("wild/a/x", b"ax", qos=1, retain=True)
    pub.publish("wild/b/x", b"bx", qos=1, retain=True)
    pub.publish("wild/b/y", b"by", qos=1, retain=True)
    sub = Client(broker)
    sub.subscribe(("wild/+/x", 1))
    got = sub.get_many(2)
    assert sorted((m.topic, m.payload, m.retain) for m in got) == \
        [("wild/a/x", b"ax", True), ("wild/b/x", b"bx", True)]
    sub.nothing()
    everything = Client(broker)
    everything.subscribe(("wild/#", 1))
    assert sorted(m.payload for m in everything.get_many(3)) == [b"ax", b"bx", b"by"]


def test_resubscribing_sends_the_retained_message_again(broker):
    """[MQTT-3.8.4-3]: a SUBSCRIBE replacing an existing subscription re-sends
    the matching retained messages."""
    Client(broker).publish("again/t", b"r", qos=1, retain=True)
    c = raw.RawClient(broker.port)
    c.connect("again")
    c.subscribe(("again/t", 0))
    assert c.expect(raw.PUBLISH).retain
    c.subscribe(("again/t", 0), packet_id=2)
    p = c.expect(raw.PUBLISH)
    assert (p.payload, p.retain) == (b"r", True)
    c.close()


def test_retained_message_on_subscribe_by_hand(broker):
    """[MQTT-3.8.4-1]: a SUBACK answers the SUBSCRIBE; the retained message
    comes with RETAIN 1 at min(stored, granted) QoS. The server may send it
    before the SUBACK (3.8.4 permits PUBLISH packets first; Mosquitto sends
    the SUBACK first), so either order passes."""
    Client(broker).publish("order/t", b"r", qos=2, retain=True)
    c = raw.RawClient(broker.port)
    c.connect("order")
    c.send(raw.subscribe(3, ("order/t", 1)))
    packets = [c.read(), c.read()]
    assert sorted(p.kind for p in packets) == [raw.PUBLISH, raw.SUBACK]
    p = next(p for p in packets if p.kind == raw.PUBLISH)
    assert (p.payload, p.retain, p.qos) == (b"r", True, 1)
    c.send(raw.ack(raw.PUBACK, p.publish_id))
    assert c.sync() == []
    c.close()
