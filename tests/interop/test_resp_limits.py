"""RESP connections under linecast's own limits (docs/PROTOCOL.md, "Redis
clients"): the first byte picks the protocol, --max-line bounds each bulk
string, a whole request is bounded, slow RESP subscribers are closed
without an error line, timeouts answer with RESP errors, and the metrics
count RESP traffic."""

import json
import socket
import time
import urllib.request

import pytest
import redis

from servers import free_port
from wire import Client, command, commands

TOKEN = "s3cret"


def test_first_byte_picks_the_protocol(linecast):
    line = Client(linecast.port, b"PING\r\n")
    assert line.read_until(b"PONG\n") == b"PONG\n"
    resp = Client(linecast.port, command("PING"))
    assert resp.read_until(b"+PONG\r\n") == b"+PONG\r\n"
    # Once in RESP mode, a line-protocol verb is an inline RESP command.
    resp.send(b"PUB a b\r\n")
    assert resp.read_until(b"\r\n") == b"-ERR unknown command 'PUB', with args beginning with: 'a' 'b' \r\n"
    line.close()
    resp.close()


def test_max_line_bounds_each_bulk_string(start_linecast):
    server = start_linecast("--max-line", "100")
    ok = Client(server.port, commands(("ECHO", "e" * 100), ("PUBLISH", "c" * 100, "p" * 100)))
    assert ok.read_until(b":0\r\n") == b"$100\r\n" + b"e" * 100 + b"\r\n:0\r\n"
    too_long = Client(server.port, command("PING") + b"*2\r\n$4\r\nECHO\r\n$101\r\n")
    assert too_long.read_until_eof() == b"+PONG\r\n-ERR Protocol error: invalid bulk length\r\n"
    inline = Client(server.port, command("PING") + b"ECHO " + b"i" * 95 + b"\r\n")  # 100 bytes
    assert inline.read_until(b"i\r\n") == b"+PONG\r\n$95\r\n" + b"i" * 95 + b"\r\n"
    inline.send(b"ECHO " + b"i" * 96 + b"\r\n")
    assert inline.read_until_eof() == b"-ERR Protocol error: too big inline request\r\n"


def test_whole_request_is_bounded(start_linecast):
    server = start_linecast("--max-line", "100")
    limit = 2 * 100 + 65536
    names = [("n%05d" % i) * 16 for i in range(700)]  # 96 bytes each: ~72 KiB in all
    client = Client(server.port)
    try:
        client.send(command("SUBSCRIBE", *names))
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert client.read_until_eof() == (
        b"-ERR Protocol error: request too big (max %d bytes)\r\n" % limit)


def test_slow_resp_subscriber_is_closed_without_an_error_line(start_linecast):
    server = start_linecast("--max-line", "1024", "--max-outbuf", "65536")
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(("127.0.0.1", server.port))
    slow.sendall(command("SUBSCRIBE", "flood"))
    time.sleep(0.2)
    r = redis.Redis(port=server.port, socket_timeout=10)
    payload = b"x" * 1000
    counts = []
    for _ in range(40):  # 20 MB: more than the kernel buffers hold
        pipe = r.pipeline(transaction=False)
        for _ in range(500):
            pipe.publish("flood", payload)
        counts += pipe.execute()
    assert counts[0] == 1 and counts[-1] == 0, "the subscriber was never cut"
    # It gets what the kernel already held, then EOF; never "-ERR".
    slow.settimeout(10)
    received = b""
    while True:
        data = slow.recv(65536)
        if not data:
            break
        received += data
    assert received.startswith(b"*3\r\n$9\r\nsubscribe\r\n")
    assert b"-ERR" not in received
    assert "slow consumer" in server.log()


def test_read_timeout_answers_in_resp(start_linecast):
    server = start_linecast("--read-timeout", "1")
    partial = Client(server.port, command("PING") + b"*1\r\n$4\r\nPI")
    started = time.monotonic()
    assert partial.read_until_eof(limit=5) == b"+PONG\r\n-ERR read timeout\r\n"
    assert time.monotonic() - started >= 0.9
    # A quiet subscriber between whole requests is never cut.
    quiet = Client(server.port, command("SUBSCRIBE", "q"))
    quiet.read_until(b":1\r\n")
    time.sleep(1.6)
    quiet.send(command("PING"))
    assert quiet.read_until(b"$0\r\n\r\n") == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"


def test_auth_timeout_answers_in_resp(start_linecast):
    server = start_linecast("--auth-token", TOKEN, "--auth-timeout", "1")
    late = Client(server.port, command("PING"))
    assert late.read_until_eof(limit=5) == (
        b"-NOAUTH Authentication required.\r\n-ERR authentication timeout\r\n")
    prompt = Client(server.port, command("AUTH", TOKEN))
    assert prompt.read_until(b"+OK\r\n") == b"+OK\r\n"
    time.sleep(1.5)
    prompt.send(command("PING"))
    assert prompt.read_until(b"+PONG\r\n") == b"+PONG\r\n"


def test_max_conns_rejection_is_a_resp_error(start_linecast):
    server = start_linecast("--max-conns", "1")
    first = Client(server.port, command("PING"))
    first.read_until(b"+PONG\r\n")
    # Sent at accept, before the protocol is known, as Redis sends it.
    extra = Client(server.port)
    assert extra.read_until_eof() == b"-ERR max number of clients reached\r\n"
    extra.close()
    with pytest.raises(redis.exceptions.ConnectionError):
        redis.Redis(port=server.port, socket_timeout=5).ping()
    first.close()


def test_half_close_flushes_every_reply(linecast):
    client = Client(linecast.port)
    client.send(b"".join(command("ECHO", str(i)) for i in range(1000)))
    client.sock.shutdown(socket.SHUT_WR)
    expected = b"".join(b"$%d\r\n%d\r\n" % (len(str(i)), i) for i in range(1000))
    assert client.read_until_eof() == expected


def test_metrics_count_resp_traffic(start_linecast):
    for _ in range(5):
        http_port = free_port()
        try:
            server = start_linecast("--http-port", http_port)
            break
        except RuntimeError:
            continue  # the free port was taken meanwhile

    def stats():
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/stats", timeout=10) as response:
            return json.load(response)

    line = Client(server.port, b"SUB chat\nPING\n")
    line.read_until(b"PONG\n")
    resp = Client(server.port, commands(("SUBSCRIBE", "chat"), ("PSUBSCRIBE", "c*")))
    resp.read_until(b"c*\r\n:2\r\n")
    assert stats()["subscriptions"] == 3
    r = redis.Redis(port=server.port, socket_timeout=10)
    assert r.publish("chat", "one\ntwo") == 2  # the RESP subscriber's two subscriptions
    assert r.publish("chat", "one line") == 3
    figures = stats()
    assert figures["messages_undeliverable_total"] == 1
    assert figures["messages_published_total"] == 2
    assert figures["messages_delivered_total"] == 5
    bad = Client(server.port, b"*1\r\n$x\r\n")
    bad.read_until_eof()
    assert stats()["protocol_errors_total"] == 1
    line.close()
    resp.close()
