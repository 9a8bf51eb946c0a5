"""MQTT 3.1.1 packets built and parsed byte by byte (OASIS standard, section
2 and 3), for the tests that a client library would not let us write: wrong
flags, packets in the wrong order, unacknowledged deliveries, the exact
CONNACK bytes.

Packet types (section 2.2.1): the first byte's high nibble."""

import socket
import struct
import time
from dataclasses import dataclass

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14


def remaining_length(n):
    """Section 2.2.3: 7 bits a byte, the high bit says another follows."""
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def string(value):
    """Section 1.5.3: a two-byte big-endian length, then the bytes."""
    data = value.encode() if isinstance(value, str) else value
    return struct.pack("!H", len(data)) + data


def packet(kind, flags, body=b""):
    return bytes([kind << 4 | flags]) + remaining_length(len(body)) + body


def connect(client_id="", clean=True, keepalive=60, will=None, username=None, password=None,
            name=b"MQTT", level=4, reserved=False):
    """will: (topic, payload, qos, retain). reserved sets the reserved bit 0."""
    flags = (0x02 if clean else 0) | (0x01 if reserved else 0)
    payload = string(client_id)
    if will:
        topic, message, qos, retain = will
        flags |= 0x04 | qos << 3 | (0x20 if retain else 0)
        payload += string(topic) + string(message)
    if username is not None:
        flags |= 0x80
        payload += string(username)
    if password is not None:
        flags |= 0x40
        payload += string(password)
    header = string(name) + bytes([level, flags]) + struct.pack("!H", keepalive)
    return packet(CONNECT, 0, header + payload)


def publish(topic, payload=b"", qos=0, retain=False, dup=False, packet_id=1):
    data = payload.encode() if isinstance(payload, str) else payload
    flags = (0x08 if dup else 0) | qos << 1 | (0x01 if retain else 0)
    body = string(topic) + (struct.pack("!H", packet_id) if qos else b"") + data
    return packet(PUBLISH, flags, body)


def ack(kind, packet_id):
    """PUBACK, PUBREC, PUBREL (flags 0010, section 3.6.1), PUBCOMP, UNSUBACK."""
    return packet(kind, 0x02 if kind == PUBREL else 0, struct.pack("!H", packet_id))


def subscribe(packet_id, *filters, flags=0x02):
    """filters: (topic filter, requested QoS byte) pairs."""
    body = struct.pack("!H", packet_id)
    for topic, qos in filters:
        body += string(topic) + bytes([qos])
    return packet(SUBSCRIBE, flags, body)


def unsubscribe(packet_id, *filters, flags=0x02):
    return packet(UNSUBSCRIBE, flags, struct.pack("!H", packet_id) + b"".join(map(string, filters)))


PINGREQ_PACKET = packet(PINGREQ, 0)
DISCONNECT_PACKET = packet(DISCONNECT, 0)


@dataclass
class Packet:
    kind: int
    flags: int
    body: bytes

    @property
    def packet_id(self):
        return struct.unpack("!H", self.body[:2])[0]

    # PUBLISH (section 3.3)
    @property
    def qos(self):
        return (self.flags >> 1) & 3

    @property
    def dup(self):
        return bool(self.flags & 0x08)

    @property
    def retain(self):
        return bool(self.flags & 0x01)

    @property
    def topic(self):
        n = struct.unpack("!H", self.body[:2])[0]
        return self.body[2:2 + n]

    @property
    def publish_id(self):
        n = struct.unpack("!H", self.body[:2])[0]
        return struct.unpack("!H", self.body[2 + n:4 + n])[0] if self.qos else None

    @property
    def payload(self):
        n = struct.unpack("!H", self.body[:2])[0]
        return self.body[2 + n + (2 if self.qos else 0):]


class Closed(Exception):
    """The server closed the connection (EOF or reset)."""


class RawClient:
    """One TCP connection speaking MQTT by hand."""

    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.pending = []  # deliveries read early (before a SUBACK), handed out first

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no packet from the server in time")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no packet from the server in time") from None
        except (ConnectionResetError, BrokenPipeError):
            raise Closed() from None
        if not chunk:
            raise Closed()
        self.buffer += chunk

    def read(self, timeout=5.0):
        """The next whole packet; Closed at EOF, TimeoutError if none in time."""
        if self.pending:
            return self.pending.pop(0)
        deadline = time.monotonic() + timeout
        while True:
            parsed = self._parse()
            if parsed:
                return parsed
            self._fill(deadline)

    def _parse(self):
        if len(self.buffer) < 2:
            return None
        length, multiplier, i = 0, 1, 1
        while True:
            if i >= len(self.buffer):
                return None
            byte = self.buffer[i]
            length += (byte & 0x7F) * multiplier
            multiplier *= 128
            i += 1
            if not byte & 0x80:
                break
        if len(self.buffer) < i + length:
            return None
        first = self.buffer[0]
        body = self.buffer[i:i + length]
        self.buffer = self.buffer[i + length:]
        return Packet(first >> 4, first & 0x0F, body)

    def expect(self, kind, timeout=5.0):
        p = self.read(timeout)
        assert p.kind == kind, f"expected packet type {kind}, got {p}"
        return p

    def connect(self, client_id="", timeout=5.0, **kw):
        """Sends CONNECT; returns (session present, return code) of the CONNACK."""
        self.send(connect(client_id, **kw))
        p = self.expect(CONNACK, timeout)
        assert p.flags == 0 and len(p.body) == 2, f"CONNACK must be 0x20 0x02 (3.2.1): {p}"
        assert p.body[0] in (0, 1), f"connect acknowledge flags bits 7-1 are reserved (3.2.2.1): {p}"
        return bool(p.body[0] & 1), p.body[1]

    def subscribe(self, *filters, packet_id=1):
        """SUBSCRIBE and its SUBACK; returns the return codes. The server may
        send matching PUBLISH packets (retained ones) before the SUBACK
        (3.8.4); those stay for the next read()."""
        self.send(subscribe(packet_id, *filters))
        early = []
        while True:
            p = self.read()
            if p.kind != PUBLISH:
                break
            early.append(p)
        assert p.kind == SUBACK, f"expected SUBACK, got {p}"
        assert p.packet_id == packet_id, "SUBACK carries the SUBSCRIBE's packet id [MQTT-3.8.4-2]"
        self.pending = early + self.pending
        return list(p.body[2:])

    def sync(self):
        """PINGREQ/PINGRESP: every packet sent before it has been read by the server.
        Deliveries that arrive first are kept in pending."""
        self.send(PINGREQ_PACKET)
        pending = []
        while True:
            p = self.read()
            if p.kind == PINGRESP:
                return pending
            pending.append(p)

    def closed_within(self, timeout):
        """True when the server closes the connection within timeout seconds
        (whatever packets it sends before); False if it is still open."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self.read(max(deadline - time.monotonic(), 0.001))
        except Closed:
            return True
        except TimeoutError:
            return False

    def assert_no_packet(self, within=0.5):
        try:
            p = self.read(within)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected packet {p}")
