"""The parts of the cluster tests: a real redis-server (Debian's) on a free
loopback port, real linecast-server nodes started with --cluster, and plain
clients (a line-protocol socket, redis-py, http.client). Every process is
started and stopped by its PID; every wait has a deadline."""

import http.client
import json
import os
import socket
import sys
import time
from pathlib import Path

import redis as redis_py

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from harness import Proc, Server, accepts, free_port, read_text, wait_until  # noqa: E402, F401

REDIS_SERVER = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")
INTEREST_CHANNEL = "linecast:interest"
NODE_CHANNELS = "linecast:node:*"
REDIS_SENTINEL = os.environ.get("REDIS_SENTINEL", "/usr/bin/redis-sentinel")


class Redis:
    """redis-server on 127.0.0.1:port, nothing saved; restartable on the
    same port (a node reconnects to the address it was given). `args`:
    more options (e.g. --replicaof)."""

    def __init__(self, tmp_path, port=None, args=()):
        self.tmp_path = Path(tmp_path)
        self.port = port or free_port()
        self.args = list(args)
        self.proc = None
        self.starts = 0

    def start(self):
        self.starts += 1
        self.proc = Proc(self.tmp_path, f"redis-{self.port}-{self.starts}",
                         [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--daemonize", "no", "--dir", str(self.tmp_path)] + self.args)
        wait_until(lambda: self._pings() or self.proc._dead(), 10, f"redis-server on {self.port}")
        assert not self.proc._dead(), self.proc.report()
        return self

    def _pings(self):
        try:
            return self.command("PING") == "+PONG"
        except OSError:
            return False

    def command(self, *args):
        """One command in RESP, its reply (enough for the replies the tests
        read: status, integers, bulk strings, arrays of them)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
            s.sendall(encode(args))
            return read_reply(s.makefile("rb"))

    def stop(self):
        if self.proc is not None:
            self.proc.stop()
        self.proc = None


class Sentinel(Redis):
    """A real Redis Sentinel on 127.0.0.1:port watching `master` as `name`
    (quorum 2 unless told), quick to act: down after 500 ms. It rewrites its own config
    file, so each has one of its own in tmp_path."""

    def __init__(self, tmp_path, master_port, name="mymaster", port=None, quorum=2):
        super().__init__(tmp_path, port)
        self.name = name
        self.config = self.tmp_path / f"sentinel-{self.port}.conf"
        self.config.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndaemonize no\ndir {self.tmp_path}\n"
            f"sentinel monitor {name} 127.0.0.1 {master_port} {quorum}\n"
            f"sentinel down-after-milliseconds {name} 500\n"
            f"sentinel failover-timeout {name} 5000\n")

    def start(self):
        self.starts += 1
        self.proc = Proc(self.tmp_path, f"sentinel-{self.port}-{self.starts}", [REDIS_SENTINEL, str(self.config)])
        wait_until(lambda: self._pings() or self.proc._dead(), 10, f"redis-sentinel on {self.port}")
        assert not self.proc._dead(), self.proc.report()
        return self

    def master(self):
        """SENTINEL MASTER's fields, as a dict."""
        fields = self.command("SENTINEL", "MASTER", self.name)
        return dict(zip(fields[::2], fields[1::2]))


def encode(args):
    out = f"*{len(args)}\r\n".encode()
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(b), b)
    return out


def read_reply(f):
    line = f.readline()
    if not line:
        raise OSError("redis closed")
    kind, rest = line[:1], line[1:-2].decode()
    if kind in (b"+", b"-"):
        return line[:-2].decode()
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode()
    if kind == b"*":
        return [read_reply(f) for _ in range(int(rest))]
    raise OSError(f"unexpected reply {line!r}")


def node(tmp_path, redis_port, name, args=(), url=None):
    """A linecast-server node of the cluster on free ports; two reactor
    threads (LINECAST_TEST_THREADS changes it), so that messages from Redis
    cross the Interconnect and a thread other than 0 hands its messages to
    the backplane. `url`: another --cluster than redis_port's."""
    threads = os.environ.get("LINECAST_TEST_THREADS", "2")
    return Server(tmp_path, name=name,
                  args=["--cluster", url or f"redis://127.0.0.1:{redis_port}", "--node-id", name,
                        "--threads", threads, "--log-level", "debug"] + list(args)).start()


def mqtt_node(tmp_path, redis_port, name, args=()):
    """A node with MQTT on a free port (server.mqtt_port)."""
    for _ in range(4):
        port = free_port()
        try:
            server = node(tmp_path, redis_port, name, ["--mqtt-port", str(port)] + list(args))
        except AssertionError as e:
            if "Address already in use" in str(e):
                continue
            raise
        server.mqtt_port = port
        wait_until(lambda: accepts(port), 10, "the MQTT port")
        return server
    raise AssertionError("no free MQTT port")


def resp_messages(pubsub, n, kind="message", field="data"):
    """The `field` of the next n messages of that kind (subscribe
    confirmations skipped)."""
    got = []
    while len(got) < n:
        message = pubsub.get_message(timeout=5)
        assert message is not None, got
        if message["type"] == kind:
            got.append(message[field])
    return got


def stats(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=5)
    try:
        conn.request("GET", "/stats")
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def http_publish(server, channel, body):
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=5)
    try:
        conn.request("POST", f"/pub/{channel}", body=body.encode())
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def healthz(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def wait_cluster_up(*servers, up=1, timeout=15):
    for s in servers:
        wait_until(lambda s=s: stats(s)["cluster_up"] == up, timeout, f"cluster_up={up} on {s.log}")


class LineClient:
    """The line protocol over a plain socket."""

    def __init__(self, server):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        self.buffer = b""

    def send(self, text):
        self.sock.sendall(text.encode() if isinstance(text, str) else text)

    def sync(self):
        """PING/PONG: every earlier command took effect on this node."""
        self.send("PING sync\n")
        line = self.line()
        assert line == "PONG sync", line

    def line(self, timeout=10):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line within {timeout}s (have {self.buffer[:200]!r})")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError(f"connection closed (have {self.buffer[:200]!r})")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def lines(self, n, timeout=20):
        return [self.line(timeout) for _ in range(n)]

    def nothing_more(self, wait=0.5):
        """True when no more bytes arrive within `wait` seconds."""
        if self.buffer:
            return False
        self.sock.settimeout(wait)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return True
        self.buffer += chunk
        return not chunk

    def close(self):
        self.sock.close()


RETAINED_CHANNEL = "linecast:retained"


def redis_subscriptions(redis):
    """(channels, patterns) Redis holds over all its clients (CLIENT LIST's
    sub= and psub=) for the nodes' clients: how a test knows the nodes'
    SUBSCRIBEs arrived. Not counted: the channels of retained values, of
    interest advertisements and each node's own, which every node holds
    for itself."""
    listing = redis.command("CLIENT", "LIST")
    subs = pats = 0
    for line in listing.splitlines():
        fields = dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
        if fields.get("name", "").startswith("sentinel-"):
            continue  # a Sentinel's own __sentinel__:hello
        subs += int(fields.get("sub", 0))
        pats += int(fields.get("psub", 0))
    subs -= redis.command("PUBSUB", "NUMSUB", RETAINED_CHANNEL)[1]
    subs -= redis.command("PUBSUB", "NUMSUB", INTEREST_CHANNEL)[1]
    subs -= len(redis.command("PUBSUB", "CHANNELS", NODE_CHANNELS))  # each node's own
    return subs, pats


def wait_subscriptions(redis, channels, patterns, timeout=10, nodes=()):
    """Until Redis holds exactly that; on a timeout the message says what
    Redis and each of `nodes` held."""
    try:
        wait_until(lambda: redis_subscriptions(redis) == (channels, patterns), timeout)
    except AssertionError:
        held = [(s.log.name, stats(s)["subscriptions"], stats(s)["cluster_up"]) for s in nodes]
        raise AssertionError(f"redis holds {redis_subscriptions(redis)}, not {(channels, patterns)}; "
                             f"nodes (log, subscriptions, cluster_up): {held}")


def subscriber(server, *patterns):
    """A line-protocol client whose SUB of the patterns took effect on its node."""
    client = LineClient(server)
    client.send("".join(f"SUB {p}\n" for p in patterns))
    client.sync()
    return client


def publisher(server, *messages):
    """A line-protocol client that published (channel, payload) pairs, in order."""
    client = LineClient(server)
    client.send("".join(f"PUB {ch} {payload}\n" for ch, payload in messages))
    client.sync()
    return client


def resp_subscriber(server, channels=(), patterns=()):
    """A redis-py pubsub on the node, its (P)SUBSCRIBEs confirmed."""
    pubsub = redis_py.Redis(host="127.0.0.1", port=server.port, socket_timeout=10).pubsub()
    if channels:
        pubsub.subscribe(*channels)
    if patterns:
        pubsub.psubscribe(*patterns)
    for _ in range(len(channels) + len(patterns)):
        assert pubsub.get_message(timeout=5)["type"] in ("subscribe", "psubscribe")
    return pubsub


def until_marker(client, marker="MSG end.marker end"):
    """The lines before the marker line."""
    got = []
    while (line := client.line()) != marker:
        got.append(line)
    return got


HAPROXY = os.environ.get("HAPROXY", "/usr/sbin/haproxy")


class HAProxy:
    """A real HAProxy in TCP mode, round robin over the nodes' line ports
    (and another frontend over their HTTP ports): what clients of a
    cluster connect to."""

    def __init__(self, tmp_path, servers):
        self.tmp_path = Path(tmp_path)
        self.port = free_port()
        self.http_port = free_port()
        config = self.tmp_path / "haproxy.cfg"
        backends = "".join(f"    server n{i} 127.0.0.1:{s.port}\n" for i, s in enumerate(servers))
        http_backends = "".join(f"    server n{i} 127.0.0.1:{s.http_port}\n" for i, s in enumerate(servers))
        # Nodes with MQTT: a third frontend over their MQTT ports.
        self.mqtt_port = None
        mqtt = ""
        if all(getattr(s, "mqtt_port", None) for s in servers):
            self.mqtt_port = free_port()
            mqtt_backends = "".join(f"    server n{i} 127.0.0.1:{s.mqtt_port}\n" for i, s in enumerate(servers))
            mqtt = (f"frontend mqtt\n    bind 127.0.0.1:{self.mqtt_port}\n    default_backend mqtt_nodes\n"
                    f"backend mqtt_nodes\n    balance roundrobin\n{mqtt_backends}")
        # Health checks every 100 ms (a dead node is down after one failed
        # check) and, before that, a refused connect retried on another
        # node: what a production HAProxy in front of a cluster does.
        config.write_text(
            "defaults\n    mode tcp\n    timeout connect 5s\n    timeout client 60s\n    timeout server 60s\n"
            "    retries 3\n    option redispatch 1\n    default-server check inter 100ms fall 1 rise 1\n"
            f"frontend line\n    bind 127.0.0.1:{self.port}\n    default_backend nodes\n"
            f"backend nodes\n    balance roundrobin\n{backends}"
            f"frontend http\n    bind 127.0.0.1:{self.http_port}\n    default_backend http_nodes\n"
            f"backend http_nodes\n    balance roundrobin\n{http_backends}" + mqtt)
        self.proc = Proc(self.tmp_path, "haproxy", [HAPROXY, "-db", "-f", str(config)])
        wait_until(lambda: self._accepts() or self.proc._dead(), 10, "haproxy to listen")
        assert not self.proc._dead(), self.proc.report()

    def _accepts(self):
        # Every frontend: a test may start with any of them.
        return all(accepts(port) for port in (self.port, self.http_port, self.mqtt_port) if port)

    def stop(self):
        self.proc.stop()


class Behind:
    """What a client needs of a server (its ports), for HAProxy's."""

    def __init__(self, proxy):
        self.port = proxy.port
        self.http_port = proxy.http_port
        self.mqtt_port = proxy.mqtt_port
