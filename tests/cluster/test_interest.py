"""Interest propagation (docs/PROTOCOL.md, "Cluster"): a
node publishes a message to Redis only when another node wants its
channel, and a PONG after a SUB that adds a Redis name waits until every
other node that received the advertisement acknowledged it, so that no publisher
skips the channel after that PONG.

What Redis holds, per node <id> (the `nodes` fixture's ids: n0, n1, n2):
the SET linecast:interest:<id> of its Redis names (`c<channel>`,
`p<glob>`), the counter linecast:interest-seq:<id>, and its member in
the ZSET linecast:nodes (score: Redis's time in ms of its last heartbeat).
A node silent for 3 s is dropped by the others."""

import os
import signal
import time
import urllib.request

import redis as redis_py

import cluster
from cluster import LineClient, publisher, resp_messages, resp_subscriber, stats, subscriber, wait_cluster_up
from harness import read_text, wait_until

NODES_KEY = "linecast:nodes"
INTEREST_CHANNEL = "linecast:interest"
RETAINED_CHANNEL = "linecast:retained"
IDS = ("n0", "n1", "n2")  # the node ids conftest's `nodes` gives a, b, c


def interest_key(node_id):
    return f"linecast:interest:{node_id}"


def seq_key(node_id):
    return f"linecast:interest-seq:{node_id}"


def skipped(server):
    """linecast_cluster_skipped_total from /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{server.http_port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("linecast_cluster_skipped_total "):
                return int(float(line.split(" ", 1)[1]))
    raise AssertionError(f"no linecast_cluster_skipped_total in the /metrics of {server.log}")


def wait_skipped(server, count, timeout=5):
    """Until the node's skipped count is at least `count` (the publishing
    thread's PONG may come before thread 0 has decided on the run); then the
    count itself."""
    try:
        wait_until(lambda: skipped(server) >= count, timeout)
    except AssertionError:
        raise AssertionError(f"cluster_skipped {skipped(server)} after {timeout}s, not {count}, on {server.log}")
    return skipped(server)


def redis_publishes(redis):
    """PUBLISH commands Redis has run (INFO commandstats), those of scripts included."""
    for line in redis.command("INFO", "commandstats").splitlines():
        if line.startswith("cmdstat_publish:"):
            fields = dict(f.split("=", 1) for f in line.split(":", 1)[1].split(","))
            return int(fields["calls"])
    return 0


def live_nodes(redis):
    return set(redis.command("ZRANGE", NODES_KEY, "0", "-1"))


def interest_of(redis, node_id):
    return set(redis.command("SMEMBERS", interest_key(node_id)))


def keys_of(redis, node_id):
    """Which of the node's two keys Redis holds."""
    return {key for key in (interest_key(node_id), seq_key(node_id)) if redis.command("EXISTS", key) == 1}


def wait_registered(redis, ids=IDS, timeout=10):
    wait_until(lambda: live_nodes(redis) >= set(ids), timeout, f"{ids} in {NODES_KEY}")


def publish_until_skipped(server, client, channel, timeout):
    """Publishes `channel` probe0, probe1, ... through `client` (on
    `server`), one per round trip, until the node skips one; returns how
    many were sent."""
    deadline = time.monotonic() + timeout
    sent = 0
    while time.monotonic() < deadline:
        before = skipped(server)
        client.send(f"PUB {channel} probe{sent}\n")
        client.sync()
        sent += 1
        try:
            wait_until(lambda: skipped(server) > before, 0.3)
            return sent
        except AssertionError:
            continue
    raise AssertionError(f"{server.log} still publishes {channel} after {timeout}s ({sent} probes):\n"
                         f"{read_text(server.log)[-3000:]}")


def wait_settled(redis, server, timeout=10):
    """Until every node is registered, `server` has read the heartbeat set
    since (each node does every second) and loaded their sets, and skips a
    message on a channel nobody holds: its view of the other nodes' interest
    is complete. While it is not, the node publishes everything (ignorance
    costs a PUBLISH, never a message), which would let the tests below pass
    without the feature, or make a count of skipped messages fall short."""
    wait_registered(redis)
    time.sleep(1.5)
    probe = LineClient(server)
    publish_until_skipped(server, probe, "probe.nobody", timeout)
    probe.close()


def timed_sub(server, pattern, timeout=10):
    """A client whose SUB got its PONG, and the seconds the PONG took."""
    client = LineClient(server)
    started = time.monotonic()
    client.send(f"SUB {pattern}\nPING timed\n")
    line = client.line(timeout=timeout)
    assert line == "PONG timed", line
    return client, time.monotonic() - started


def test_a_channel_only_one_node_holds_is_not_published(redis, nodes):
    a, _, _ = nodes
    local = subscriber(a, "solo.x")
    wait_settled(redis, a)
    skipped_before, publishes_before = skipped(a), redis_publishes(redis)
    pub = LineClient(a)
    # One PUB per round trip: published, each would be a PUBLISH of its own,
    # so Redis's count tells them apart from the advertisements' few.
    for i in range(100):
        pub.send(f"PUB solo.x s{i}\n")
        pub.sync()
    # Then many in one write (runs of several messages): counted per message.
    pub.send("".join(f"PUB solo.x b{i}\n" for i in range(1000)))
    pub.sync()
    expected = [f"MSG solo.x s{i}" for i in range(100)] + [f"MSG solo.x b{i}" for i in range(1000)]
    assert local.lines(1100) == expected
    assert local.nothing_more()
    assert wait_skipped(a, skipped_before + 1100) == skipped_before + 1100
    grown = redis_publishes(redis) - publishes_before
    assert grown < 5, f"Redis ran {grown} PUBLISHes for 1100 messages no other node wants"
    assert stats(a)["cluster_skipped_total"] == skipped(a)  # /stats says the same


def test_after_a_remote_pong_every_message_is_published(redis, nodes):
    a, b, c = nodes
    local = subscriber(a, "both.x")
    wait_settled(redis, a)
    pub = LineClient(a)
    # The race of 3.3, many times: a fresh name on B, A's message right after
    # B's PONG.
    for i in range(20):
        remote, _ = timed_sub(b, f"fresh.{i}")
        pub.send(f"PUB fresh.{i} f{i}\n")
        pub.sync()
        assert remote.line(timeout=5) == f"MSG fresh.{i} f{i}", f"round {i}"
        remote.close()
    remote, _ = timed_sub(b, "both.x")
    skipped_before, published_before = skipped(a), stats(a)["cluster_published_total"]
    n = 2000
    pub.send("".join(f"PUB both.x m{i}\n" for i in range(n)))
    pub.sync()
    expected = [f"MSG both.x m{i}" for i in range(n)]
    assert remote.lines(n) == expected
    assert local.lines(n) == expected
    assert remote.nothing_more() and local.nothing_more()
    wait_until(lambda: stats(a)["cluster_published_total"] >= published_before + n, 5, "A's published count")
    assert stats(a)["cluster_published_total"] == published_before + n
    assert skipped(a) == skipped_before


def test_resp_payloads_with_a_newline_are_skipped_and_published_alike(redis, nodes):
    """A payload holding a newline takes the other publish path (any bytes,
    not a line-protocol route)."""
    a, b, _ = nodes
    wait_settled(redis, a)
    r_pub = redis_py.Redis(host="127.0.0.1", port=a.port, socket_timeout=10)
    before = skipped(a)
    for i in range(10):
        r_pub.publish("nl.x", b"two\nlines %d" % i)
    assert wait_skipped(a, before + 10) == before + 10
    line, _ = timed_sub(b, "nl.x")  # the name on B, acknowledged by A
    pubsub = resp_subscriber(b, channels=["nl.x"])  # shares it
    before = skipped(a)
    payloads = [b"two\nlines", b"plain"]
    for payload in payloads:
        r_pub.publish("nl.x", payload)
    assert resp_messages(pubsub, 2) == payloads
    assert line.line(timeout=5) == "MSG nl.x plain"  # the other one is not a line
    assert skipped(a) == before
    pubsub.close()


def test_after_the_remote_unsubscribe_the_channel_is_skipped_again(redis, nodes):
    a, b, _ = nodes
    local = subscriber(a, "gone.x")
    remote = subscriber(b, "gone.x")
    wait_settled(redis, a)
    pub = publisher(a, ("gone.x", "first"))
    assert remote.line(timeout=5) == "MSG gone.x first"
    assert local.line() == "MSG gone.x first"
    remote.send("UNSUB gone.x\n")
    remote.sync()
    # A removal reaches A lazily (a stale "wanted" costs a PUBLISH, not a
    # message): probe until A skips the channel, at most a few seconds.
    sent = publish_until_skipped(a, pub, "gone.x", 5)
    assert local.lines(sent) == [f"MSG gone.x probe{i}" for i in range(sent)]
    before = skipped(a)
    pub.send("".join(f"PUB gone.x after{i}\n" for i in range(200)))
    pub.sync()
    assert local.lines(200) == [f"MSG gone.x after{i}" for i in range(200)]
    assert wait_skipped(a, before + 200) == before + 200
    assert remote.nothing_more()


def test_a_stopped_node_holds_a_pong_back_until_it_is_dropped(redis, nodes):
    a, b, c = nodes
    own = subscriber(c, "c.own")
    wait_settled(redis, a)
    os.kill(c.proc.pid, signal.SIGSTOP)
    try:
        remote, waited = timed_sub(b, "stopped.x")
        # C beat at most ~1 s before its stop and is dropped 3 s after its
        # last beat: not before ~2 s; the PONG's own bound is ~6 s.
        assert 1.8 <= waited <= 7.5, f"PONG after {waited:.2f}s\n{read_text(b.log)[-3000:]}"
        publisher(a, ("stopped.x", "after"))
        assert remote.line(timeout=5) == "MSG stopped.x after"
        # The PONG came because n2 was dropped (and swept from Redis in the
        # same turn), not because the wait for its ack timed out (~5 s).
        wait_until(lambda: "n2" not in live_nodes(redis), 0.5, f"n2 out of {NODES_KEY} at the PONG")
        wait_until(lambda: not keys_of(redis, "n2"), 0.5, "n2's keys deleted")
        # No longer waited for: the next new name is quick.
        _, again = timed_sub(b, "stopped.y")
        assert again < 1.0, (f"PONG after {again:.2f}s with n2 already dropped (the first after {waited:.2f}s)\n"
                             f"{read_text(b.log)[-3000:]}")
        os.kill(c.proc.pid, signal.SIGCONT)
        # Alive after all: at its next heartbeat it finds itself dropped and
        # advertises its whole set again.
        wait_until(lambda: "n2" in live_nodes(redis) and interest_of(redis, "n2") == {"cc.own"}, 5,
                   "n2 back in Redis with its set")
        # A new name's PONG on C: A has applied C's advertisements up to it,
        # the whole set included.
        fresh, _ = timed_sub(c, "c.fresh")
        publisher(a, ("c.own", "o"), ("c.fresh", "f"))
        assert own.line(timeout=5) == "MSG c.own o"
        assert fresh.line(timeout=5) == "MSG c.fresh f"
    finally:
        os.kill(c.proc.pid, signal.SIGCONT)
        c.stop(expect_clean=False)


def test_a_killed_node_is_dropped_and_no_longer_waited_for(redis, nodes):
    a, b, c = nodes
    subscriber(c, "kill.x")  # so that n2 has a set to delete
    wait_registered(redis)
    assert keys_of(redis, "n2") == {interest_key("n2"), seq_key("n2")}
    c.proc.kill()
    c.proc.wait(timeout=10)
    killed = time.monotonic()
    wait_until(lambda: "n2" not in live_nodes(redis) and not keys_of(redis, "n2"), 8,
               f"n2 out of {NODES_KEY}, its keys deleted")
    gone_after = time.monotonic() - killed
    assert gone_after <= 6.5, f"n2 dropped {gone_after:.2f}s after its death"
    assert live_nodes(redis) >= {"n0", "n1"}
    time.sleep(1.2)  # a heartbeat period: every survivor has read the set since
    for i in range(4):
        sub_node, pub_node = (a, b) if i % 2 == 0 else (b, a)
        client, waited = timed_sub(sub_node, f"after.kill.{i}")
        assert waited < 1.0, f"round {i}: PONG after {waited:.2f}s\n{read_text(sub_node.log)[-3000:]}"
        publisher(pub_node, (f"after.kill.{i}", "k"))
        assert client.line(timeout=5) == f"MSG after.kill.{i} k"


def test_a_stopping_node_removes_itself_at_once(redis, nodes):
    a, b, c = nodes
    subscriber(c, "leaving.x")
    wait_registered(redis)
    assert c.stop() == 0
    # Removed by itself before it exited, not swept by the others 3 s later.
    wait_until(lambda: "n2" not in live_nodes(redis) and not keys_of(redis, "n2"), 0.5,
               "n2 gone from Redis right after its graceful stop")
    _, waited = timed_sub(b, "after.stop")
    assert waited < 1.0, f"PONG after {waited:.2f}s"


def test_the_advertised_set_holds_the_nodes_redis_names(redis, nodes):
    a, b, c = nodes
    wait_registered(redis)
    assert redis.command("PUBSUB", "NUMSUB", INTEREST_CHANNEL)[1] == 3
    seq_before = int(redis.command("GET", seq_key("n1")) or 0)
    client = subscriber(b, "a.b", "x.*")
    # The PONG waited for the advertisement's answer: it is in Redis now.
    names = interest_of(redis, "n1")
    assert names == {"ca.b", "px.*"}, names
    assert not any(name[1:] in (RETAINED_CHANNEL, INTEREST_CHANNEL) for name in names)
    assert int(redis.command("GET", seq_key("n1"))) > seq_before
    # x.> is the same Redis glob as x.*: nothing new.
    client.send("SUB x.>\n")
    client.sync()
    assert interest_of(redis, "n1") == {"ca.b", "px.*"}
    for other in ("n0", "n2"):
        assert interest_of(redis, other) == set(), other
    # Every node beats in Redis's clock.
    seconds, micros = redis.command("TIME")
    now_ms = int(seconds) * 1000 + int(micros) // 1000
    beats = redis.command("ZRANGE", NODES_KEY, "0", "-1", "WITHSCORES")
    scores = {beats[i]: float(beats[i + 1]) for i in range(0, len(beats), 2)}
    assert set(scores) == set(IDS), scores
    for node_id, score in scores.items():
        assert now_ms - 3000 <= score <= now_ms + 100, (node_id, score, now_ms)
    client.send("UNSUB a.b\nUNSUB x.*\nUNSUB x.>\n")
    client.sync()
    wait_until(lambda: interest_of(redis, "n1") == set(), 5, "n1's set emptied")


def test_after_redis_restarts_empty_the_nodes_advertise_again(redis, nodes):
    a, b, c = nodes
    old = subscriber(b, "rs.old")
    assert "crs.old" in interest_of(redis, "n1")
    redis.stop()
    wait_cluster_up(a, b, c, up=0)
    redis.start()  # the same port, nothing saved: empty
    wait_cluster_up(a, b, c, up=1)
    wait_registered(redis)
    wait_until(lambda: "crs.old" in interest_of(redis, "n1"), 10, "n1's set advertised again")
    wait_settled(redis, a)  # A's view is complete again, so it decides
    # A new name on B: its PONG comes after A acknowledged it, and so every
    # earlier advertisement of B's (its reset with rs.old) as well.
    new, _ = timed_sub(b, "rs.new")
    pub = publisher(a, ("rs.old", "o1"), ("rs.new", "n1"))
    assert old.line(timeout=5) == "MSG rs.old o1"
    assert new.line(timeout=5) == "MSG rs.new n1"
    pub.send("PUB rs.old o2\n")
    pub.sync()
    assert old.line(timeout=5) == "MSG rs.old o2"
    assert old.nothing_more() and new.nothing_more()


def test_a_redis_user_without_eval_gets_a_cluster_that_skips_nothing(tmp_path, redis):
    """The advertisement and the heartbeat are Lua scripts: where the ACL
    refuses EVAL, no node's view completes, so nothing is skipped and every
    message still crosses (docs/PROTOCOL.md, "Cluster"); the refusal is
    logged once, not every second."""
    redis.command("ACL", "SETUSER", "noeval", "on", ">pw", "~*", "&*", "+@all", "-eval", "-evalsha")
    url = f"redis://noeval:pw@127.0.0.1:{redis.port}"
    a, b = (cluster.node(tmp_path, redis.port, f"ne{i}", url=url) for i in range(2))
    try:
        wait_cluster_up(a, b)
        local = subscriber(a, "plain.x")
        remote, _ = timed_sub(b, "plain.x")
        time.sleep(2.5)  # two heartbeats refused
        pub = publisher(a, *(("plain.x", f"m{i}") for i in range(200)))
        expected = [f"MSG plain.x m{i}" for i in range(200)]
        assert remote.lines(200) == expected
        assert local.lines(200) == expected
        solo = subscriber(a, "alone.x")
        pub.send("".join(f"PUB alone.x n{i}\n" for i in range(50)))
        pub.sync()
        assert solo.lines(50) == [f"MSG alone.x n{i}" for i in range(50)]
        assert skipped(a) == 0 and skipped(b) == 0
        for server in (a, b):
            log = read_text(server.log)
            assert log.count("WARN cluster: redis refused") == 1, log[-3000:]
    finally:
        for server in (a, b):
            server.stop()
