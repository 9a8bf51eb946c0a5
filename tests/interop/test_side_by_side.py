"""linecast and a real redis-server 7.0, side by side: the same scripted
bytes go to both, and the raw replies must be identical, byte for byte.

Redis runs with --databases 1, since linecast has one channel space (so
SELECT 1 gets the same "DB index is out of range"), and, for the
authentication cases, with --requirepass (linecast with --auth-token).

A single-connection script ends with QUIT, which every state accepts, so
both replies are read to EOF. Scripts over several connections compare
each connection after each step: Redis's output until it goes quiet, then
at least as many bytes from linecast.

Where linecast knowingly differs from Redis (HELLO's client id, the
multibulk count limit, the order of an argument-less UNSUBSCRIBE's
replies), test_known_differences pins both sides down. RESP3 scripts
(after HELLO 3) compare with HELLO's id masked.
"""

import re

import pytest

from wire import Client, command, commands

TOKEN = "s3cret"
QUIT = command("QUIT")


@pytest.fixture(scope="module")
def pair(module_servers):
    return module_servers("redis", "--databases", "1"), module_servers("linecast")


@pytest.fixture(scope="module")
def auth_pair(module_servers):
    return (module_servers("redis", "--databases", "1", "--requirepass", TOKEN),
            module_servers("linecast", "--auth-token", TOKEN))


def exchange(port, data, quit=True):
    """Sends the script (and QUIT) and returns everything until EOF."""
    client = Client(port)
    try:
        try:
            client.send(data + (QUIT if quit else b""))
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed on a protocol error while we were still sending
        return client.read_until_eof()
    finally:
        client.close()


def mask_ids(data):
    """HELLO's client id, which differs between the two by design."""
    return re.sub(rb"\$2\r\nid\r\n:\d+\r\n", b"$2\r\nid\r\n:ID\r\n", data)


def assert_same_but_ids(servers, data):
    """assert_same, with HELLO's client id masked on both sides."""
    redis, linecast = servers
    expected = mask_ids(exchange(redis.port, data))
    got = mask_ids(exchange(linecast.port, data))
    assert got == expected, f"\nredis:    {expected!r}\nlinecast: {got!r}"


def assert_same(servers, data, quit=True):
    redis, linecast = servers
    expected = exchange(redis.port, data, quit)
    got = exchange(linecast.port, data, quit)
    assert got == expected, f"\nredis:    {expected!r}\nlinecast: {got!r}"
    return expected


SUBSCRIBED_REFUSED = [
    ("PUBLISH", "a", "b"), ("ECHO", "x"), ("SELECT", "0"), ("AUTH", "x"), ("AUTH", "default", "x"),
    ("HELLO",), ("HELLO", "2"), ("HELLO", "3"), ("CLIENT", "SETNAME", "x"), ("CLIENT", "GETNAME"),
]

# name -> script for one connection; QUIT is appended.
SCRIPTS = {
    "arity subscribe psubscribe": commands(("SUBSCRIBE",), ("PSUBSCRIBE",), ("subscribe",)),
    "arity publish": commands(("PUBLISH",), ("PUBLISH", "a"), ("PUBLISH", "a", "b", "c")),
    "arity ping": commands(("PING", "a", "b"), ("PING", "a", "b", "c")),
    "arity echo": commands(("ECHO",), ("ECHO", "a", "b")),
    "arity auth": commands(("AUTH",), ("AUTH", "a", "b", "c"), ("AUTH", "a", "b", "c", "d")),
    "arity select": commands(("SELECT",), ("SELECT", "0", "1")),
    "arity reset": commands(("RESET", "x"), ("RESET", "x", "y")),
    "arity client": commands(("CLIENT",), ("CLIENT", "SETNAME"), ("CLIENT", "SETNAME", "a", "b"),
                             ("CLIENT", "GETNAME", "x"), ("client", "getname", "x", "y")),
    "hello options": commands(("HELLO", "2", "SETNAME"), ("HELLO", "2", "AUTH", "default"),
                              ("HELLO", "x"), ("HELLO", "1"), ("HELLO", "4"), ("HELLO", "-1"),
                              ("HELLO", "3", "bogus"), ("HELLO", "2", "SETNAME", "a b"),
                              ("HELLO", "2", "AUTH", "nobody", "pw")),
    "unknown commands with arguments": commands(
        ("FOO",), ("FOO", "a", "b"), ("nosuchcommand", "x" * 200), ("FOO", "a" * 100, "b" * 100, "c"),
        ("F" * 200, "x"), ("BAR", "line\r\nbreak", "tab\there"), ("BAZ", b"nul\x00byte", "after"),
        ("",), ("", "x"), ("SUBSCRIBEX", "a")),
    "unknown subcommands": commands(("CLIENT", "FOO"), ("client", "bar", "x", "y"),
                                    ("CLIENT", "x" * 200), ("Client", "SetNameX", "n")),
    "normal mode commands": commands(
        ("PING",), ("PING", "hi"), ("PING", ""), ("ECHO", "hello"), ("ECHO", ""),
        ("ECHO", bytes(range(256))), ("SELECT", "0"), ("SELECT", "1"), ("SELECT", "-1"),
        ("SELECT", "x"), ("SELECT", "00"), ("SELECT", "99999999999"), ("CLIENT", "GETNAME"),
        ("CLIENT", "SETNAME", "worker-1"), ("CLIENT", "GETNAME"), ("CLIENT", "SETNAME", "a b"),
        ("CLIENT", "SETNAME", "caf\u00e9"), ("CLIENT", "SETNAME", ""), ("CLIENT", "GETNAME"),
        ("PUBLISH", "nobody.listens", "x"), ("PUBLISH", "", ""), ("RESET",), ("PING",)),
    "auth without a password": commands(("AUTH", "x"), ("AUTH", "default", "anything"),
                                        ("AUTH", "someone", "x"), ("PING",)),
    "case insensitive": commands(("ping",), ("Ping", "x"), ("eChO", "y"), ("client", "GETNAME"),
                                 ("CLIENT", "setname", "n"), ("Client", "GetName"), ("publish", "c", "m"),
                                 ("Select", "0"), ("reset",), ("quit",)),
    "every command refused while subscribed": commands(
        ("SUBSCRIBE", "a"), *SUBSCRIBED_REFUSED,
        ("PUBLISH", "a"), ("ECHO",), ("CLIENT",), ("CLIENT", "FOO"), ("FOO", "bar"),  # checked first
        ("PING",), ("PING", "x"), ("SUBSCRIBE", "b"), ("PSUBSCRIBE", "p*"), ("PUNSUBSCRIBE", "p*"),
        ("UNSUBSCRIBE", "a", "b"), ("PING",), ("PUBLISH", "a", "b")),
    "refused while subscribed to a pattern only": commands(
        ("PSUBSCRIBE", "x*"), ("PUBLISH", "a", "b"), ("ECHO", "x"), ("PING",),
        ("PUNSUBSCRIBE",), ("ECHO", "free again")),
    "subscription counts across channels and patterns": commands(
        ("SUBSCRIBE", "a", "b", "a"), ("PSUBSCRIBE", "p*", "a", "q?"), ("SUBSCRIBE", "a"),
        ("UNSUBSCRIBE", "x", "a"), ("PUNSUBSCRIBE", "q?", "zz", "q?"), ("SUBSCRIBE", "c"),
        ("UNSUBSCRIBE", "b"), ("PUNSUBSCRIBE", "p*"), ("PUNSUBSCRIBE",), ("UNSUBSCRIBE",),
        ("UNSUBSCRIBE",), ("PUNSUBSCRIBE",), ("PING",)),
    "unsubscribe without subscriptions": commands(
        ("UNSUBSCRIBE",), ("PUNSUBSCRIBE",), ("UNSUBSCRIBE", "x", "y"), ("PUNSUBSCRIBE", "z"),
        ("PSUBSCRIBE", "k*"), ("UNSUBSCRIBE",), ("SUBSCRIBE", "k"), ("PUNSUBSCRIBE",),
        ("UNSUBSCRIBE",), ("PING",)),
    "ping in both modes": commands(
        ("PING",), ("PING", "x"), ("SUBSCRIBE", "a"), ("PING",), ("PING", "x"), ("PING", ""),
        ("PING", "a", "b"), ("UNSUBSCRIBE",), ("PING",), ("PING", "x")),
    "reset": commands(
        ("CLIENT", "SETNAME", "n"), ("SUBSCRIBE", "a"), ("PSUBSCRIBE", "b*"), ("RESET",),
        ("CLIENT", "GETNAME"), ("PING",), ("ECHO", "normal mode"), ("SUBSCRIBE", "c"),
        ("RESET",), ("UNSUBSCRIBE",), ("PUNSUBSCRIBE",)),
    "empty requests are ignored": b"*0\r\n*-1\r\n*-5\r\n" + command("PING") + b"*0\r\n",
    "pipelined in one write": b"".join(
        [command("PING", str(i)) for i in range(50)] +
        [command("ECHO", "e" * i) for i in range(50)] +
        [command("SUBSCRIBE", f"ch{i}") for i in range(20)] +
        [command("PING")] + [command("UNSUBSCRIBE", f"ch{i}") for i in range(20)] +
        [command("PUBLISH", "ch", "x")]),
    "inline commands in resp mode": command("PING") + (
        b"ECHO \"a b\"\r\nPING\r\n\r\n   \r\necho 'x y' \"\\x41\\n\"\nSUBSCRIBE s1 s2\r\n"
        b"PING\r\nUNSUBSCRIBE s1\r\nPUNSUBSCRIBE\r\nUNSUBSCRIBE\r\nping\n"),
    "bytes after bulk data are not checked": b"*1\r\n$4\r\nPINGxx" + command("PING"),
    "length split from its data": b"*1\r\n$3\r\n$12345678901234567890\r\n",
    "binary channels and payloads": commands(
        ("SUBSCRIBE", b"with space", b"\x00\xff", b"new\nline"), ("UNSUBSCRIBE", b"\x00\xff"),
        ("PSUBSCRIBE", b"[\x00-\x10]*"), ("UNSUBSCRIBE", "with space", b"new\nline"),
        ("PUNSUBSCRIBE",)),
}

# Scripts after which the server reports a protocol error and closes.
FATAL = {
    "multibulk without count": b"*\r\n",
    "multibulk count not a number": b"*x\r\n",
    "multibulk count with leading zero": b"*01\r\n",
    "multibulk count minus zero": b"*-0\r\n",
    "multibulk count with plus": b"*+1\r\n",
    "multibulk count with space": b"* 1\r\n",
    "multibulk count over int": b"*2147483648\r\n",
    "multibulk count over long": b"*99999999999999999999\r\n",
    "bulk length negative": b"*1\r\n$-1\r\n",
    "bulk length empty": b"*1\r\n$\r\n",
    "bulk length not a number": b"*1\r\n$abc\r\n",
    "bulk length with leading zero": b"*1\r\n$04\r\nPING\r\n",
    "bulk length over every limit": b"*1\r\n$600000000\r\n",
    "bulk without dollar": b"*1\r\nx\r\n",
    "bulk that is an empty line": b"*1\r\n\r\n",
    "bulk that is an integer": b"*2\r\n$4\r\nECHO\r\n:1\r\n",
    "error after good requests": command("PING") + command("ECHO", "x") + b"*1\r\n$-1\r\n",
    "unbalanced double quote": command("PING") + b"ECHO \"a\r\n",
    "closing quote followed by a letter": command("PING") + b"ECHO 'a'b\r\n",
    "too big mbulk count string": b"*" + b"1" * 70000,
    "too big bulk count string": b"*1\r\n$" + b"1" * 70000,
    "quit with arguments": commands(("QUIT", "a", "b"), ("PING",)),
    "quit while subscribed": commands(("SUBSCRIBE", "a"), ("QUIT",), ("PING",)),
    # RESP3 types a client may not send: requests are arrays of bulk strings
    # in RESP3 too, and Redis refuses anything else inside one.
    "bulk that is a resp3 boolean": b"*2\r\n$4\r\nECHO\r\n#t\r\n",
    "bulk that is a resp3 null": b"*2\r\n$4\r\nECHO\r\n_\r\n",
    "bulk that is a resp3 map": b"*2\r\n$4\r\nECHO\r\n%1\r\n",
    "bulk that is a resp3 double": b"*2\r\n$4\r\nECHO\r\n,1.5\r\n",
}

# Outside a multibulk, a RESP3 type byte starts an inline command, in RESP2
# and in RESP3 alike: the connection stays open.
RESP3_TYPES_INLINE = commands(("PING",)) + b"%1\r\n>2\r\n~1\r\n_\r\n#t\r\n,1.5\r\n(12\r\n" + commands(
    ("HELLO", "3")) + b"%1\r\n>1\r\n|1\r\n=5\r\n" + commands(("PING",))


def test_resp3_types_sent_as_requests(pair):
    assert_same_but_ids(pair, RESP3_TYPES_INLINE)

AUTH_SCRIPTS = {
    "noauth before auth": commands(
        ("PING",), ("PING", "x"), ("FOO", "a"), ("PUBLISH", "a"), ("PUBLISH", "a", "b"),
        ("SUBSCRIBE", "a"), ("PSUBSCRIBE", "a*"), ("UNSUBSCRIBE",), ("PUNSUBSCRIBE",),
        ("ECHO", "x"), ("SELECT", "0"), ("CLIENT", "SETNAME", "x"), ("CLIENT", "GETNAME"),
        ("CLIENT",), ("CLIENT", "FOO"), ("HELLO",), ("HELLO", "2"), ("HELLO", "x"), ("RESET",),
        ("PING",)),
    "wrongpass and auth": commands(
        ("AUTH", "wrong"), ("PING",), ("AUTH", "default", "wrong"), ("AUTH", "other", TOKEN),
        ("AUTH",), ("AUTH", "a", "b", "c"), ("HELLO", "2", "AUTH", "default", "bad"), ("PING",),
        ("AUTH", TOKEN), ("PING",), ("AUTH", "wrong"), ("PING",), ("AUTH", TOKEN), ("ECHO", "in"),
        ("RESET",), ("PING",), ("AUTH", "default", TOKEN), ("PING",), ("SUBSCRIBE", "a"),
        ("AUTH", TOKEN)),
    "authenticated requests may be long": commands(("AUTH", TOKEN), ("FOO", *["a"] * 20),
                                                   ("ECHO", "x" * 20000)),
}

AUTH_FATAL = {
    "unauthenticated multibulk length": b"*11\r\n",
    "unauthenticated bulk length": b"*2\r\n$4\r\nAUTH\r\n$16385\r\n",
    "noauth then unauthenticated length": command("PING") + b"*1\r\n$20000\r\n",
}


@pytest.mark.parametrize("name", SCRIPTS)
def test_script(pair, name):
    assert_same(pair, SCRIPTS[name])


@pytest.mark.parametrize("name", FATAL)
def test_protocol_error_closes(pair, name):
    reply = assert_same(pair, FATAL[name], quit=False)
    assert reply.count(b"-ERR") <= 1


@pytest.mark.parametrize("name", AUTH_SCRIPTS)
def test_auth_script(auth_pair, name):
    assert_same(auth_pair, AUTH_SCRIPTS[name])


@pytest.mark.parametrize("name", AUTH_FATAL)
def test_auth_protocol_error_closes(auth_pair, name):
    assert_same(auth_pair, AUTH_FATAL[name], quit=False)


def test_too_big_inline_request(module_servers):
    """Redis caps an inline line at 64 KiB, linecast at --max-line."""
    servers = (module_servers("redis", "--databases", "1"),
               module_servers("linecast", "--max-line", "65536"))
    assert_same(servers, command("PING") + b"ECHO " + b"a" * 70000, quit=False)


def run_steps(servers, connections, steps):
    """Each step sends bytes on one connection; after it, every connection's
    output must match. Returns Redis's outputs, per step and connection."""
    redis, linecast = servers
    rs = [Client(redis.port) for _ in range(connections)]
    ls = [Client(linecast.port) for _ in range(connections)]
    seen = []
    try:
        for step, (index, data) in enumerate(steps):
            rs[index].send(data)
            ls[index].send(data)
            # Every request in these scripts gets a reply, and Redis writes
            # all its clients' output in the same loop turn: once the
            # sender's reply is here, so are the pushes to the others.
            first = rs[index].read_at_least(1, settle=0.3)
            outputs = []
            for i in range(connections):
                expected = first if i == index else rs[i].read_until_idle(0.3)
                got = ls[i].read_at_least(len(expected))
                assert got == expected, (f"step {step}, connection {i}:\n"
                                         f"redis:    {expected!r}\nlinecast: {got!r}")
                outputs.append(expected)
            seen.append(outputs)
        return seen
    finally:
        for c in rs + ls:
            c.close()


def test_publish_counts_and_deliveries(pair):
    seen = run_steps(pair, 5, [
        (0, command("SUBSCRIBE", "news", "sport")),
        (1, command("PSUBSCRIBE", "n*")),
        (2, commands(("SUBSCRIBE", "news"), ("PSUBSCRIBE", "ne?s"))),
        (3, command("PSUBSCRIBE", "*")),
        (4, command("PUBLISH", "news", "hello")),
        (4, command("PUBLISH", "sport", "goal")),
        (4, command("PUBLISH", "nothing", "x")),
        (4, command("PUBLISH", "", "empty channel")),  # `*` does not match ""
        (4, command("PUBLISH", "news", b"bin\x00\r\nary")),
        (2, command("UNSUBSCRIBE", "news")),
        (4, command("PUBLISH", "news", "again")),
    ])
    assert seen[4][4] == b":5\r\n"


def test_pipelined_publishes(pair):
    publishes = b"".join(command("PUBLISH", "seq", str(i)) for i in range(200))
    seen = run_steps(pair, 2, [(0, command("SUBSCRIBE", "seq")), (1, publishes)])
    assert seen[1][1] == b":1\r\n" * 200


def test_subscriber_that_quits_is_no_longer_counted(pair):
    # The subscriber reads EOF but keeps its socket open: linecast, which
    # waits for the client's FIN before it closes (docs/ARCHITECTURE.md,
    # lingering), must not count it meanwhile. (CI at ef17cd6 caught the
    # race when the subscriber did close first.)
    subs = []
    for server in pair:
        sub = Client(server.port, commands(("SUBSCRIBE", "gone"), ("QUIT",)))
        sub.read_until_eof()
        subs.append(sub)
    try:
        run_steps(pair, 1, [(0, command("PUBLISH", "gone", "x"))])
    finally:
        for sub in subs:
            sub.close()


def test_known_differences(pair):
    """Where linecast knowingly differs from Redis 7.0 (docs/PROTOCOL.md)."""
    redis, linecast = pair

    # HELLO's id is the connection's id: Redis counts clients from 1,
    # linecast's ids are its own (and every other byte is Redis's).
    for version in ("2", "3"):
        r = exchange(redis.port, command("HELLO", version))
        l = exchange(linecast.port, command("HELLO", version))
        assert r != l and mask_ids(r) == mask_ids(l)

    # A multibulk count is at most 1048576 (Redis 7.0 accepts up to INT_MAX
    # and waits; linecast could never hold that many strings anyway).
    assert exchange(linecast.port, b"*1048577\r\n", quit=False) == (
        b"-ERR Protocol error: invalid multibulk length\r\n")
    waiting = Client(linecast.port, b"*1048576\r\n")
    assert waiting.read_until_idle(0.3) == b"" and not waiting.eof
    waiting.close()

    # UNSUBSCRIBE without arguments walks a hash table in both: the same
    # replies and counts, the names in an order of their own.
    script = commands(("SUBSCRIBE", "a", "b", "c"), ("UNSUBSCRIBE",))

    def unsubscribes(port):
        frames = exchange(port, script).split(b"*3\r\n")
        return [f.split(b"\r\n") for f in frames if f.startswith(b"$11\r\nunsubscribe")]

    r, l = unsubscribes(redis.port), unsubscribes(linecast.port)
    assert sorted(f[3] for f in l) == sorted(f[3] for f in r) == [b"a", b"b", b"c"]
    assert [f[4] for f in l] == [f[4] for f in r] == [b":2", b":1", b":0"]


# RESP3, after HELLO 3: pushes, nulls, no subscribed mode; and back.
RESP3_SCRIPTS = {
    "resp3 hello and back": commands(("HELLO", "3"), ("HELLO",), ("CLIENT", "GETNAME"), ("HELLO", "2"),
                                     ("CLIENT", "GETNAME"), ("HELLO", "3", "SETNAME", "me"),
                                     ("CLIENT", "GETNAME"), ("HELLO", "3", "AUTH", "default", "x")),
    "resp3 subscribed keeps every command": commands(
        ("HELLO", "3"), ("SUBSCRIBE", "a", "b"), ("PSUBSCRIBE", "a*"), ("PING",), ("PING", "x"),
        ("ECHO", "x"), ("SELECT", "0"), ("CLIENT", "SETNAME", "n"), ("CLIENT", "GETNAME"),
        ("PUBLISH", "a", "hi"), ("PUBLISH", "b", "there"), ("PUNSUBSCRIBE", "a*"),
        ("UNSUBSCRIBE", "a"), ("UNSUBSCRIBE", "b"), ("UNSUBSCRIBE",), ("PUNSUBSCRIBE",)),
    "resp3 hello 2 restores subscribed mode": commands(
        ("HELLO", "3"), ("SUBSCRIBE", "a"), ("HELLO", "2"), ("ECHO", "x"), ("HELLO", "3"), ("PING",),
        ("RESET",), ("CLIENT", "GETNAME")),
    "resp3 errors": commands(("HELLO", "3"), ("FOO", "x"), ("PUBLISH", "a"), ("SUBSCRIBE",),
                             ("HELLO", "4"), ("HELLO", "3", "bogus"), ("SELECT", "1")),
}


@pytest.mark.parametrize("name", sorted(RESP3_SCRIPTS))
def test_resp3_scripts_match_redis(pair, name):
    assert_same_but_ids(pair, RESP3_SCRIPTS[name])


def test_resp3_and_resp2_subscribers_of_one_channel(pair):
    """Each subscriber gets the framing of its own protocol version."""
    for port in (p.port for p in pair):
        two = Client(port, command("SUBSCRIBE", "mixed"))
        three = Client(port, commands(("HELLO", "3"), ("SUBSCRIBE", "mixed")))
        two.read_at_least(len(b"*3\r\n$9\r\nsubscribe\r\n$5\r\nmixed\r\n:1\r\n"))
        three.read_until_idle(0.3)
        assert exchange(port, command("PUBLISH", "mixed", "x")) == b":2\r\n+OK\r\n"
        frame = b"3\r\n$7\r\nmessage\r\n$5\r\nmixed\r\n$1\r\nx\r\n"
        assert two.read_at_least(len(frame) + 1) == b"*" + frame
        assert three.read_at_least(len(frame) + 1) == b">" + frame
        two.close()
        three.close()


# PUBSUB introspection and shard channels (revision 4). Each script runs on
# a fresh server pair, so the counts start from nothing on both.
PUBSUB_SCRIPTS = {
    "pubsub arity and help": commands(
        ("PUBSUB",), ("PUBSUB", "HELP"), ("PUBSUB", "FOO"), ("pubsub", "foo", "bar"),
        ("PUBSUB", "CHANNELS", "a", "b"), ("PUBSUB", "SHARDCHANNELS", "a", "b"), ("PUBSUB", "NUMPAT", "x"),
        ("PUBSUB", "HELP", "x"), ("PUBSUB", "NUMSUB"), ("PUBSUB", "SHARDNUMSUB"), ("PUBSUB", "NUMPAT"),
        ("PUBSUB", "CHANNELS"), ("PUBSUB", "SHARDCHANNELS")),
    "shard arity": commands(("SSUBSCRIBE",), ("SPUBLISH", "a"), ("SPUBLISH", "a", "b", "c"),
                            ("SUNSUBSCRIBE",), ("SPUBLISH", "nobody", "x")),
    "shard subscribe counts apart": commands(
        ("SUBSCRIBE", "a"), ("SSUBSCRIBE", "s1", "s2", "s1"), ("PSUBSCRIBE", "p*"), ("SUNSUBSCRIBE", "s1"),
        ("UNSUBSCRIBE",), ("SPUBLISH", "s2", "x"), ("PUBSUB", "NUMPAT"), ("SUNSUBSCRIBE",), ("SUNSUBSCRIBE",),
        ("PUNSUBSCRIBE",), ("PUBSUB", "NUMPAT")),
    "shard in resp3": commands(
        ("HELLO", "3"), ("SSUBSCRIBE", "s"), ("SPUBLISH", "s", "hi"), ("PUBLISH", "s", "not shard"),
        ("PUBSUB", "SHARDCHANNELS"), ("PUBSUB", "SHARDNUMSUB", "s", "t"), ("PUBSUB", "NUMSUB", "s"),
        ("PUBSUB", "CHANNELS"), ("SUNSUBSCRIBE",), ("SUNSUBSCRIBE",)),
    "pubsub counts in resp3": commands(
        ("HELLO", "3"), ("SUBSCRIBE", "news.a", "news.b"), ("PSUBSCRIBE", "news.*", "x?"),
        ("PSUBSCRIBE", "news.*"), ("PUBSUB", "NUMPAT"), ("PUBSUB", "NUMSUB", "news.a", "news.c"),
        ("PUBSUB", "CHANNELS", "news.[a]"), ("PUBSUB", "CHANNELS", "zzz*")),
}


@pytest.mark.parametrize("name", sorted(PUBSUB_SCRIPTS))
def test_pubsub_scripts_match_redis(module_servers, name):
    assert_same_but_ids((module_servers("redis", "--databases", "1"), module_servers("linecast")),
                        PUBSUB_SCRIPTS[name])


# MULTI/EXEC/DISCARD, WAIT, CONFIG, CLIENT ID/NO-EVICT (revision 4).
SERVER_SCRIPTS = {
    "transactions": commands(("EXEC",), ("DISCARD",), ("MULTI",), ("MULTI",), ("PING",), ("ECHO", "x"),
                             ("PUBLISH", "a", "b"), ("EXEC",), ("EXEC",), ("MULTI", "x"), ("EXEC", "x"),
                             ("DISCARD", "x")),
    "transaction spoiled by a refused command": commands(
        ("MULTI",), ("FOO",), ("PING",), ("EXEC",), ("MULTI",), ("PUBLISH", "a"), ("EXEC",), ("MULTI",),
        ("CLIENT", "FOO"), ("EXEC",), ("MULTI",), ("EXEC", "x"), ("EXEC",), ("PING",)),
    "transaction runs queued commands unchecked": commands(
        ("MULTI",), ("SUBSCRIBE", "a", "b"), ("PING",), ("PUBLISH", "a", "b"), ("EXEC",), ("PING",),
        ("MULTI",)),
    "transaction with reset, discard, select, hello": commands(
        ("MULTI",), ("RESET",), ("EXEC",), ("MULTI",), ("DISCARD",), ("EXEC",), ("MULTI",), ("SELECT", "1"),
        ("PING",), ("EXEC",), ("MULTI",), ("HELLO", "3"), ("PING",), ("SUBSCRIBE", "x"),
        ("PUBLISH", "x", "y"), ("EXEC",)),
    "client reply off, on, skip": commands(
        ("CLIENT", "REPLY", "OFF"), ("PING",), ("ECHO", "x"), ("FOO",), ("CLIENT", "REPLY", "ON"), ("PING",),
        ("CLIENT", "REPLY", "SKIP"), ("PING",), ("PING",), ("CLIENT", "REPLY", "x"), ("CLIENT", "REPLY"),
        ("CLIENT", "REPLY", "OFF"), ("CLIENT", "REPLY", "SKIP"), ("PING",), ("CLIENT", "REPLY", "ON")),
    "client reply off keeps pushes": commands(
        ("CLIENT", "REPLY", "OFF"), ("SUBSCRIBE", "a"), ("PSUBSCRIBE", "b*"), ("PING",), ("CLIENT", "REPLY", "ON"),
        ("PING",), ("UNSUBSCRIBE",), ("PUNSUBSCRIBE",), ("HELLO", "3"), ("CLIENT", "REPLY", "OFF"),
        ("SUBSCRIBE", "a"), ("PUBLISH", "a", "x"), ("SSUBSCRIBE", "s"), ("SPUBLISH", "s", "y"), ("PING",),
        ("CLIENT", "REPLY", "ON"), ("PING",)),
    "client reply inside exec": commands(("MULTI",), ("CLIENT", "REPLY", "OFF"), ("PING",), ("EXEC",), ("PING",),
                                         ("CLIENT", "REPLY", "ON"), ("PING",)),
    "info of unknown sections": commands(("INFO", "foo"), ("HELLO", "3"), ("INFO", "foo"), ("INFO", "x", "y")),
    "wait": commands(("WAIT", "0", "0"), ("WAIT", "1", "1"), ("WAIT", "x", "0"), ("WAIT", "0", "x"),
                     ("WAIT", "0", "-1"), ("WAIT", "0"), ("WAIT", "-1", "0")),
    "config and client": commands(
        ("CONFIG", "GET", "maxclients"), ("CONFIG", "GET", "MAXCLIENTS"), ("CONFIG", "GET", "MaxClient?"),
        ("CONFIG", "GET", "maxclients", "MAXCLIENTS"), ("CONFIG", "GET", "foo"),
        ("CONFIG", "GET"), ("CONFIG", "SET", "foo", "bar"), ("CONFIG", "SET", "a"), ("CONFIG", "FOO"),
        ("CONFIG",), ("HELLO", "3"), ("CONFIG", "GET", "maxclients"), ("CLIENT", "ID", "x"),
        ("CLIENT", "NO-EVICT", "on"), ("CLIENT", "NO-EVICT", "OFF"), ("CLIENT", "NO-EVICT", "x"),
        ("CLIENT", "NO-EVICT")),
    "client list and kill refusals": commands(
        ("CLIENT", "LIST", "TYPE", "foo"), ("CLIENT", "LIST", "TYPE"), ("CLIENT", "LIST", "ID", "abc"),
        ("CLIENT", "LIST", "x", "y"), ("CLIENT", "LIST", "TYPE", "master"), ("CLIENT", "LIST", "TYPE", "Replica"),
        ("CLIENT", "LIST", "ID", "999999", "-1"), ("CLIENT", "KILL"), ("CLIENT", "KILL", "1.2.3.4:5"),
        ("CLIENT", "KILL", "foo", "bar"), ("CLIENT", "KILL", "ID", "0"), ("CLIENT", "KILL", "ID", "x"),
        ("CLIENT", "KILL", "ID", "999999"), ("CLIENT", "KILL", "TYPE", "foo"), ("CLIENT", "KILL", "TYPE", "master"),
        ("CLIENT", "KILL", "USER", "nosuch"), ("CLIENT", "KILL", "SKIPME", "maybe"),
        ("CLIENT", "KILL", "ID", "1", "TYPE"), ("CLIENT", "KILL", "ADDR", "1.2.3.4:5", "SKIPME", "no"),
        ("CLIENT", "KILL", "LADDR", "1.2.3.4:5"), ("CLIENT", "INFO", "x"), ("HELLO", "3"),
        ("CLIENT", "LIST", "TYPE", "master"), ("CLIENT", "LIST", "ID", "999999"), ("CLIENT", "KILL", "ID", "999999")),
}


@pytest.mark.parametrize("name", sorted(SERVER_SCRIPTS))
def test_server_command_scripts_match_redis(pair, name):
    assert_same_but_ids(pair, SERVER_SCRIPTS[name])


def test_server_command_differences(pair):
    """Where the answers are linecast's own by design (docs/PROTOCOL.md)."""
    redis, linecast = pair
    # CLIENT ID: linecast's connection id (HELLO's too), not Redis's counter.
    ids = exchange(linecast.port, commands(("CLIENT", "ID"), ("HELLO", "2")))
    client_id = ids.split(b"\r\n")[0][1:]
    assert b"$2\r\nid\r\n:" + client_id + b"\r\n" in ids
    # One hard output limit for every class of client: --max-outbuf.
    limit = exchange(linecast.port, command("CONFIG", "GET", "client-output-buffer-limit"))
    value = b"normal 8388608 0 0 slave 8388608 0 0 pubsub 8388608 0 0"
    assert limit == (b"*2\r\n$26\r\nclient-output-buffer-limit\r\n$%d\r\n%s\r\n+OK\r\n"
                     % (len(value), value))
    # Redis applies CONFIG SET; linecast changes nothing at run time.
    assert exchange(redis.port, command("CONFIG", "SET", "maxclients", "10000")) == b"+OK\r\n+OK\r\n"
    assert exchange(linecast.port, command("CONFIG", "SET", "maxclients", "10000")) == (
        b"-ERR Unknown option or number of arguments for CONFIG SET - 'maxclients'\r\n+OK\r\n")
    # CLIENT SETINFO is Redis 7.2's (client libraries send it at connect).
    assert exchange(linecast.port, commands(
        ("CLIENT", "SETINFO", "lib-name", "redis-py"), ("CLIENT", "SETINFO", "LIB-VER", "5.0.1"),
        ("CLIENT", "SETINFO", "lib-name", "a b"), ("CLIENT", "SETINFO", "foo", "x"))) == (
        b"+OK\r\n+OK\r\n-ERR lib-name cannot contain spaces, newlines or special characters.\r\n"
        b"-ERR Unrecognized option 'foo'\r\n+OK\r\n")


# COMMAND, COMMAND COUNT / INFO / DOCS (revision 4). Redis lists its ~240
# commands and a container's subcommands in the order of a hash table with
# a random seed, so only replies about single commands that linecast offers
# in full compare byte for byte; COUNT, the lists of everything and the
# containers are checked apart (test_command_differences).
OFFERED_COMMANDS = [
    "publish", "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ping", "reset", "echo", "auth",
    "hello", "select", "client", "ssubscribe", "sunsubscribe", "spublish", "pubsub", "multi", "exec",
    "discard", "wait", "config", "info", "command", "quit"]
OFFERED_SUBCOMMANDS = {
    "client": ["setname", "getname", "id", "info", "list", "kill", "no-evict", "setinfo", "reply"],
    "pubsub": ["channels", "numsub", "numpat", "shardchannels", "shardnumsub", "help"],
    "config": ["get", "set"],
    "command": ["count", "info", "docs"],
}
# Those Redis 7.0 describes as linecast does; CLIENT SETINFO is 7.2's.
SAME_AS_REDIS = [c for c in OFFERED_COMMANDS if c not in OFFERED_SUBCOMMANDS] + [
    f"{c}|{s}" for c, subs in OFFERED_SUBCOMMANDS.items() for s in subs if (c, s) != ("client", "setinfo")]


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
@pytest.mark.parametrize("name", SAME_AS_REDIS)
def test_command_info_and_docs_of_each_command_match_redis(pair, name, resp3):
    hello = command("HELLO", "3") if resp3 else b""
    assert_same_but_ids(pair, hello + commands(("COMMAND", "INFO", name), ("COMMAND", "DOCS", name)))


COMMAND_SCRIPTS = {
    "command info of several": commands(
        ("COMMAND", "INFO", "publish", "subscribe", "ping", "nosuch", "SPUBLISH", "Client|SetName"),
        ("COMMAND", "INFO", "", "client|", "|list", "publish|x", "client|id|x", "pubsub|nosuch"),
        ("command", "info", "ssubscribe", "sunsubscribe")),
    "command docs of several": commands(
        ("COMMAND", "DOCS", "publish", "nosuch", "subscribe", "HELLO", "config|GET"), ("COMMAND", "DOCS", "nosuch"),
        ("COMMAND", "DOCS", "client|kill", "client|list", "client|info", "auth", "info")),
    "command errors": commands(
        ("COMMAND", "FOO"), ("COMMAND", "COUNT", "x"), ("COMMAND", "count", "a", "b"), ("COMMAND", "FOO", "x")),
    "command refused while subscribed": commands(
        ("SUBSCRIBE", "a"), ("COMMAND",), ("COMMAND", "COUNT"), ("COMMAND", "INFO", "publish"),
        ("COMMAND", "DOCS"), ("COMMAND", "FOO"), ("UNSUBSCRIBE",), ("COMMAND", "INFO", "ping")),
    "command queued in multi": commands(
        ("MULTI",), ("COMMAND", "INFO", "publish"), ("COMMAND", "DOCS", "echo"), ("EXEC",), ("MULTI",),
        ("COMMAND", "FOO"), ("EXEC",)),
    "command in resp3": commands(
        ("HELLO", "3"), ("COMMAND", "INFO", "publish", "nosuch", "spublish"),
        ("COMMAND", "DOCS", "hello", "nosuch", "client|kill"), ("SUBSCRIBE", "a"),
        ("COMMAND", "INFO", "subscribe"), ("COMMAND", "COUNT", "x"), ("COMMAND", "FOO")),
}


@pytest.mark.parametrize("name", sorted(COMMAND_SCRIPTS))
def test_command_scripts_match_redis(pair, name):
    assert_same_but_ids(pair, COMMAND_SCRIPTS[name])


def test_command_before_auth(auth_pair):
    assert_same(auth_pair, commands(("COMMAND",), ("COMMAND", "DOCS"), ("COMMAND", "FOO"),
                                    ("COMMAND", "COUNT", "x"), ("AUTH", TOKEN), ("COMMAND", "INFO", "ping")))


def parse(data, resp3_sets=False):
    """Every RESP reply in data, as Python values: a map as a dict (RESP3)
    or list (RESP2), a set as a list, a status as ('+', text)."""
    replies, pos = [], 0

    def value():
        nonlocal pos
        end = data.index(b"\r\n", pos)
        kind, rest = data[pos:pos + 1], data[pos + 1:end]
        pos = end + 2
        if kind in b"+-":
            return (kind.decode(), rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"_":
            return None
        count = int(rest)
        if kind == b"$":
            if count < 0:
                return None
            text = data[pos:pos + count].decode()
            pos += count + 2
            return text
        if count < 0:
            return None
        if kind == b"%":
            return {value(): value() for _ in range(count)}
        return [value() for _ in range(count)]

    while pos < len(data):
        replies.append(value())
    return replies


def command_reply(port, *requests):
    return parse(exchange(port, commands(*requests)))[:-1]  # QUIT's +OK


def test_command_differences(pair):
    """Where COMMAND's answers are linecast's own by design: it lists the
    commands linecast offers, and a container only the subcommands it
    answers, each described as Redis 7.0 describes it (docs/PROTOCOL.md)."""
    redis, linecast = pair
    everything, count, info_all, docs_all = command_reply(
        linecast.port, ("COMMAND",), ("COMMAND", "COUNT"), ("COMMAND", "INFO"), ("COMMAND", "DOCS"))
    names = [entry[0] for entry in everything]
    assert names == OFFERED_COMMANDS and count == len(everything) and info_all == everything
    assert docs_all[0::2] == OFFERED_COMMANDS
    redis_count, = command_reply(redis.port, ("COMMAND", "COUNT"))
    assert isinstance(redis_count, int) and redis_count > count

    # Each entry of COMMAND is the one COMMAND INFO gives for its name, and
    # Redis's but for a container's subcommands.
    for resp3 in (False, True):
        hello = [("HELLO", "3")] if resp3 else []
        for name, subs in OFFERED_SUBCOMMANDS.items():
            ours = command_reply(linecast.port, *hello, ("COMMAND", "INFO", name), ("COMMAND", "DOCS", name))
            theirs = command_reply(redis.port, *hello, ("COMMAND", "INFO", name), ("COMMAND", "DOCS", name))
            (info,), docs = ours[-2], ours[-1]
            (redis_info,), redis_docs = theirs[-2], theirs[-1]
            assert [e[0] for e in info[9]] == [f"{name}|{s}" for s in subs]
            assert info[:9] == redis_info[:9]
            redis_subs = {e[0]: e for e in redis_info[9]}
            for entry in info[9]:
                assert entry == redis_subs.get(entry[0], entry if entry[0] == "client|setinfo" else None)
            if resp3:
                doc, redis_doc = docs[name], redis_docs[name]
                assert list(doc["subcommands"]) == [f"{name}|{s}" for s in subs]
                for sub, entry in doc["subcommands"].items():
                    if sub != "client|setinfo":
                        assert entry == redis_doc["subcommands"][sub]
                del doc["subcommands"], redis_doc["subcommands"]
                assert doc == redis_doc

    # COMMAND LIST, GETKEYS, GETKEYSANDFLAGS and HELP are Redis's alone.
    assert exchange(linecast.port, commands(("COMMAND", "GETKEYS"), ("command", "help"))) == (
        b"-ERR unknown subcommand 'GETKEYS'. Try COMMAND HELP.\r\n"
        b"-ERR unknown subcommand 'help'. Try COMMAND HELP.\r\n+OK\r\n")

    # CLIENT SETINFO is Redis 7.2's: 7.0 knows nothing of it.
    assert command_reply(redis.port, ("COMMAND", "INFO", "client|setinfo")) == [[None]]
    (setinfo,), = command_reply(linecast.port, ("COMMAND", "INFO", "client|setinfo"))
    assert setinfo[:3] == ["client|setinfo", 4, [("+", "noscript"), ("+", "loading"), ("+", "stale")]]


@pytest.mark.parametrize("resp3", [False, True])
def test_client_info_has_redis_fields_in_redis_order(pair, resp3):
    """CLIENT INFO's values are each server's own; its fields are Redis
    7.0.15's, in its order, and linecast adds protocol= at the end."""
    fields = {}
    for kind, server in zip(("redis", "linecast"), pair):
        script = commands(*([("HELLO", "3")] if resp3 else []), ("CLIENT", "INFO"))
        reply = exchange(server.port, script)
        if resp3:
            reply = reply[reply.index(b"=") :]  # after HELLO's map
        assert reply.startswith(b"=" if resp3 else b"$"), reply[:40]
        body = reply.split(b"\r\n", 1)[1]
        line = body[4:] if resp3 else body
        line = line[: line.index(b"\n")].decode()
        fields[kind] = [f.split("=", 1)[0] for f in line.split(" ")]
        values = dict(f.split("=", 1) for f in line.split(" "))
        assert values["cmd"] == "client|info" and values["resp"] == ("3" if resp3 else "2")
    assert fields["linecast"] == fields["redis"] + ["protocol"]
