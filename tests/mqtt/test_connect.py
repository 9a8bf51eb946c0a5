"""CONNECT and CONNACK (OASIS MQTT 3.1.1 sections 3.1 and 3.2)."""

import mqttraw as raw
from paho_client import Client


def test_connack_accepts_a_level_4_connect(broker):
    c = raw.RawClient(broker.port)
    c.send(raw.connect("level4", clean=True))
    p = c.expect(raw.CONNACK)
    # 3.2: CONNACK is 0x20 0x02, flags 0 (no session with clean session 1, [MQTT-3.2.2-1]), code 0.
    assert (p.flags, p.body) == (0, b"\x00\x00")
    c.close()


def test_mqisdp_level_3(broker):
    """An MQTT 3.1 CONNECT ('MQIsdp', level 3). 3.1.1 does not require a
    server to speak 3.1: 'MQIsdp' is not the protocol name 'MQTT', so the
    server MAY just disconnect [MQTT-3.1.2-1], or answer CONNACK 0x01
    'unacceptable protocol version' and disconnect [MQTT-3.1.2-2], or accept
    it as MQTT 3.1 (Mosquitto does)."""
    c = raw.RawClient(broker.port)
    c.send(raw.connect("level3", name=b"MQIsdp", level=3))
    try:
        p = c.expect(raw.CONNACK)
    except raw.Closed:
        return
    assert p.body[1] in (0, 1), p
    if p.body[1] == 1:
        assert c.closed_within(3), "after CONNACK 0x01 the server disconnects [MQTT-3.1.2-2]"
    c.close()


def test_unsupported_level_gets_return_code_1_and_close(broker):
    """[MQTT-3.1.2-2]: CONNACK 0x01 for a level the server does not support, then disconnect."""
    c = raw.RawClient(broker.port)
    c.send(raw.connect("level99", level=99))
    assert c.expect(raw.CONNACK).body == b"\x00\x01"
    assert c.closed_within(3)


def test_wrong_protocol_name_is_not_accepted(broker):
    """[MQTT-3.1.2-1]: a wrong protocol name MAY close the connection; the
    server must not accept it as MQTT 3.1.1 (no CONNACK 0)."""
    c = raw.RawClient(broker.port)
    c.send(raw.connect("x", name=b"MQTX"))
    try:
        p = c.read(3)
        assert not (p.kind == raw.CONNACK and p.body[1:] == b"\x00"), p
    except raw.Closed:
        pass


def test_zero_length_client_id_with_clean_session_0_is_rejected(broker):
    """[MQTT-3.1.3-8]: CONNACK 0x02 'identifier rejected', then close."""
    c = raw.RawClient(broker.port)
    c.send(raw.connect("", clean=False))
    assert c.expect(raw.CONNACK).body == b"\x00\x02"
    assert c.closed_within(3)


def test_zero_length_client_id_with_clean_session_1_is_accepted(broker):
    """[MQTT-3.1.3-6]: the server assigns a unique id; the client works."""
    a, b = raw.RawClient(broker.port), raw.RawClient(broker.port)
    assert a.connect("", clean=True) == (False, 0)
    assert b.connect("", clean=True) == (False, 0)
    # Two anonymous clients are two sessions: the second did not take over the first.
    assert a.subscribe(("anon/t", 0)) == [0]
    b.send(raw.publish("anon/t", b"hi"))
    p = a.expect(raw.PUBLISH)
    assert (p.topic, p.payload) == (b"anon/t", b"hi")
    a.close()
    b.close()


def test_paho_connects_with_an_empty_client_id(broker):
    c = Client(broker, client_id="", clean=True)
    assert c.connack == (0, 0)
    c.close()


def test_user_name_and_password_without_authentication_configured(broker):
    """Both brokers run without authentication: credentials are accepted."""
    c = raw.RawClient(broker.port)
    assert c.connect("creds", username="u", password=b"p") == (False, 0)
    c.close()


def test_password_without_user_name_closes(broker):
    """[MQTT-3.1.2-22]: password flag 1 needs user name flag 1; a violation
    is a protocol error and the server closes the connection (4.8). Whether
    a CONNACK with a failure code comes first is not specified; it must not
    be accepted."""
    c = raw.RawClient(broker.port)
    c.send(raw.connect("nopw", password=b"p"))
    try:
        p = c.read(3)
        assert p.kind == raw.CONNACK and p.body[1] != 0, p
    except raw.Closed:
        return
    assert c.closed_within(3)


def test_reserved_connect_flag_closes(broker):
    """[MQTT-3.1.2-3]: reserved flag bit 0 must be 0, else disconnect."""
    c = raw.RawClient(broker.port)
    c.send(raw.connect("reserved", reserved=True))
    assert c.closed_within(3)


def test_will_qos_3_closes(broker):
    """[MQTT-3.1.2-14]: Will QoS 3 is invalid."""
    c = raw.RawClient(broker.port)
    c.send(raw.connect("willqos3", will=("w", b"x", 3, False)))
    assert c.closed_within(3)
