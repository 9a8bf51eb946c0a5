"""The real redis-py (Debian python3-redis) against linecast, unchanged:
subscribe, psubscribe, get_message, publish counts, pipelined publishes,
pubsub.run_in_thread, authentication, and one channel space shared with
line-protocol clients."""

import socket
import threading
import time

import pytest
import redis

TOKEN = "s3cret"


def client(server, **kwargs):
    return redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=10, **kwargs)


def next_message(pubsub, timeout=5.0):
    """The next message of any type, waiting up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=max(0.01, deadline - time.monotonic()))
        if message is not None:
            return message
    raise AssertionError("no message within %.1f s" % timeout)


def subscribed(pubsub, count):
    """Consumes `count` (p)subscribe confirmations."""
    kinds = [next_message(pubsub)["type"] for _ in range(count)]
    assert set(kinds) <= {"subscribe", "psubscribe"}, kinds


class LineClient:
    """A line-protocol client on the same port."""

    def __init__(self, server):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        self.buffer = b""

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def line(self):
        while b"\n" not in self.buffer:
            data = self.sock.recv(65536)
            assert data, "connection closed"
            self.buffer += data
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()

    def sync(self):
        self.send("PING sync")
        assert self.line() == "PONG sync"

    def close(self):
        self.sock.close()


def test_ping_echo_and_connection_commands(linecast):
    r = client(linecast)
    assert r.ping() is True
    assert r.echo("hello") == b"hello"
    assert r.execute_command("SELECT", 0) is True
    assert r.client_getname() is None
    assert r.client_setname("worker-1") is True
    assert r.client_getname() == "worker-1"  # redis-py decodes it
    assert r.publish("nobody", "x") == 0


def test_client_name_and_db_given_at_connect(linecast):
    r = client(linecast, client_name="named", db=0, decode_responses=True)
    assert r.client_getname() == "named"


def test_unknown_commands_are_redis_errors(linecast):
    r = client(linecast)
    with pytest.raises(redis.exceptions.ResponseError,
                       match=r"^unknown command 'GET', with args beginning with: 'key' $"):
        r.get("key")
    # The connection stays usable.
    assert r.ping() is True


def test_subscribe_get_message_and_publish_count(linecast):
    r = client(linecast)
    p = r.pubsub()
    p.subscribe("news")
    assert next_message(p) == {"type": "subscribe", "pattern": None, "channel": b"news", "data": 1}
    assert r.publish("news", "hello") == 1
    assert next_message(p) == {"type": "message", "pattern": None, "channel": b"news",
                               "data": b"hello"}
    binary = bytes(range(256))
    assert r.publish("news", binary) == 1
    assert next_message(p)["data"] == binary
    p.unsubscribe("news")
    assert next_message(p) == {"type": "unsubscribe", "pattern": None, "channel": b"news",
                               "data": 0}
    assert r.publish("news", "nobody now") == 0
    p.close()


def test_psubscribe_receives_pmessages(linecast):
    r = client(linecast)
    p = r.pubsub()
    p.psubscribe("room1.*", "room[12].tv.?olume")
    subscribed(p, 2)
    assert r.publish("room1.tv.volume", "42") == 2
    got = sorted((m["pattern"], m["channel"], m["data"]) for m in (next_message(p), next_message(p)))
    assert got == [(b"room1.*", b"room1.tv.volume", b"42"),
                   (b"room[12].tv.?olume", b"room1.tv.volume", b"42")]
    assert r.publish("room3.tv.volume", "x") == 0
    assert p.get_message(timeout=0.2) is None
    p.close()


def test_publish_counts_every_matching_subscription(linecast):
    r = client(linecast)
    subs = [r.pubsub() for _ in range(3)]
    subs[0].subscribe("a.b")
    subs[1].psubscribe("a.*")
    subs[2].subscribe("a.b")
    subs[2].psubscribe("*")
    for p, n in zip(subs, (1, 1, 2)):
        subscribed(p, n)
    assert r.publish("a.b", "m") == 4
    assert r.publish("a.c", "m") == 2
    assert r.publish("b", "m") == 1
    for p in subs:
        p.close()


def test_pipelined_publishes(linecast):
    r = client(linecast)
    p = r.pubsub()
    p.subscribe("seq")
    subscribed(p, 1)
    pipe = r.pipeline(transaction=False)
    for i in range(500):
        pipe.publish("seq", str(i))
    assert pipe.execute() == [1] * 500
    received = [next_message(p)["data"] for _ in range(500)]
    assert received == [str(i).encode() for i in range(500)]
    p.close()


def test_run_in_thread(linecast):
    r = client(linecast)
    got = []
    done = threading.Event()

    def on_message(message):
        if message["data"] == b"warm-up":
            return
        got.append((message["type"], message["channel"], message["data"]))
        if len(got) == 100:
            done.set()

    p = r.pubsub(ignore_subscribe_messages=True)
    p.subscribe(**{"jobs": on_message})
    p.psubscribe(**{"events.*": on_message})
    thread = p.run_in_thread(sleep_time=0.01, daemon=True)
    try:
        # Subscriptions take effect when the server has read them: a
        # publish that counts a receiver proves it.
        deadline = time.monotonic() + 5
        while r.publish("jobs", "warm-up") + r.publish("events.x", "warm-up") < 2:
            assert time.monotonic() < deadline, "subscriptions never took effect"
            time.sleep(0.01)
        for i in range(50):
            assert r.publish("jobs", f"job {i}") == 1
            assert r.publish("events.click", f"click {i}") == 1
        assert done.wait(10), f"only {len(got)} messages"
    finally:
        thread.stop()
        thread.join(timeout=5)
    jobs = [d for t, c, d in got if c == b"jobs"]
    clicks = [d for t, c, d in got if c == b"events.click"]
    assert jobs == [f"job {i}".encode() for i in range(50)]
    assert clicks == [f"click {i}".encode() for i in range(50)]
    assert {t for t, _, _ in got} == {"message", "pmessage"}


def test_ping_in_subscribed_mode(linecast):
    r = client(linecast)
    p = r.pubsub()
    p.subscribe("a")
    subscribed(p, 1)
    p.ping("hi")
    assert next_message(p) == {"type": "pong", "pattern": None, "channel": None, "data": b"hi"}
    # redis-py's own health check (a PING while subscribed) passes too.
    p.check_health()
    p.close()


def test_unsubscribe_all_counts_down(linecast):
    r = client(linecast)
    p = r.pubsub()
    p.subscribe("a", "b", "c")
    subscribed(p, 3)
    p.unsubscribe()
    replies = [next_message(p) for _ in range(3)]
    assert sorted(m["channel"] for m in replies) == [b"a", b"b", b"c"]
    assert [m["data"] for m in replies] == [2, 1, 0]
    p.close()


def test_hello_2_describes_the_redis_it_follows(linecast):
    # Debian's redis-py (4.3) speaks RESP2 only; RESP3 clients are tested
    # with redis-cli -3 and node-redis.
    r = client(linecast)
    hello = r.execute_command("HELLO", 2)
    assert hello[0:4] == [b"server", b"redis", b"version", b"7.0.15"] and hello[4:6] == [b"proto", 2]


def test_authentication(start_linecast):
    server = start_linecast("--auth-token", TOKEN)
    with pytest.raises(redis.exceptions.AuthenticationError):
        client(server).ping()  # NOAUTH
    # redis-py 4.3 raises a plain ResponseError for WRONGPASS, as with Redis.
    with pytest.raises(redis.exceptions.ResponseError, match="^WRONGPASS invalid username-password"):
        client(server, password="wrong").ping()
    assert client(server, password=TOKEN).ping() is True
    assert client(server, username="default", password=TOKEN).ping() is True
    r = client(server, password=TOKEN)
    p = r.pubsub()
    p.subscribe("secure")
    subscribed(p, 1)
    assert r.publish("secure", "x") == 1
    assert next_message(p)["data"] == b"x"
    p.close()


def test_max_subs_counts_channels_and_patterns(start_linecast):
    server = start_linecast("--max-subs", "3")
    r = client(server)
    p = r.pubsub()
    p.subscribe("a", "b")
    p.psubscribe("c*")
    subscribed(p, 3)
    p.subscribe("d")
    with pytest.raises(redis.exceptions.ResponseError, match=r"^too many subscriptions \(max 3\)$"):
        next_message(p)
    assert r.publish("d", "x") == 0
    p.close()


def test_resp_publish_reaches_line_subscribers(linecast):
    line = LineClient(linecast)
    line.send("SUB room1.> room1.*.volume")
    line.sync()
    r = client(linecast)
    # One delivery per line connection, however many of its patterns match.
    assert r.publish("room1.tv.volume", "42") == 1
    assert line.line() == "MSG room1.tv.volume 42"
    # A wildcard token is literal for RESP: it matches no line subscription.
    assert r.publish("room1.*", "x") == 0
    # A payload with a newline cannot be a MSG line.
    assert r.publish("room1.tv", "two\nlines") == 0
    assert r.publish("room1.tv", "one line") == 1
    assert line.line() == "MSG room1.tv one line"
    line.close()


def test_line_pub_reaches_resp_channels_and_globs(linecast):
    r = client(linecast)
    p = r.pubsub()
    p.subscribe("room1.tv.volume")
    p.psubscribe("room1.*")
    subscribed(p, 2)
    line = LineClient(linecast)
    line.send("PUB room1.tv.volume 42")
    line.sync()
    first, second = next_message(p), next_message(p)
    assert first == {"type": "message", "pattern": None, "channel": b"room1.tv.volume", "data": b"42"}
    assert second == {"type": "pmessage", "pattern": b"room1.*", "channel": b"room1.tv.volume",
                      "data": b"42"}
    line.close()
    p.close()


def test_default_transactional_pipeline(linecast):
    """redis-py's pipeline() wraps its commands in MULTI/EXEC by default."""
    r = client(linecast)
    p = r.pubsub()
    p.subscribe("piped")
    assert p.get_message(timeout=5)["type"] == "subscribe"
    with r.pipeline() as pipe:
        pipe.publish("piped", "one").publish("piped", "two").echo("done")
        assert pipe.execute() == [1, 1, b"done"]
    got = [p.get_message(timeout=5) for _ in range(2)]
    assert [m["data"] for m in got] == [b"one", b"two"]
    # A command refused while queueing aborts the whole transaction.
    with r.pipeline() as pipe:
        pipe.publish("piped", "never").execute_command("NOSUCH")
        with pytest.raises(redis.exceptions.ResponseError):
            pipe.execute()
    assert p.get_message(timeout=0.3) is None
    p.close()


def test_client_list_info_and_kill_over_two_threads(start_linecast):
    """redis-py's parsers read CLIENT LIST/INFO; a kill by id reaches a
    line-protocol subscriber on the other reactor thread."""
    server = start_linecast("--threads", "2")
    line = LineClient(server)
    line.send("SUB remote.>")
    line.sync()
    r = client(server, client_name="dashboard")
    clients = r.client_list()
    assert sorted(c["protocol"] for c in clients) == ["line", "resp"]
    (subscriber,) = r.client_list(_type="pubsub")
    assert subscriber["protocol"] == "line" and subscriber["psub"] == "1"
    me = r.client_info()
    assert me["name"] == "dashboard" and me["cmd"] == "client|info" and me["resp"] == "2"
    assert r.client_kill_filter(_id=subscriber["id"]) == 1
    assert line.sock.recv(100) == b""
    assert [c["id"] for c in r.client_list()] == [str(me["id"])]
    line.close()
