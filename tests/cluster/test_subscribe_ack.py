"""PONG after SUB waits for Redis (docs/PROTOCOL.md, "Cluster"): once a
subscriber has its PONG, a message published on any node reaches it, with
no sleep in between. Without the wait, Redis often has not yet processed
the node's SUBSCRIBE when the other node's PUBLISH arrives, and the
message is lost."""

import time

from cluster import LineClient, publisher, stats, wait_cluster_up

ROUNDS = 50


def test_pong_after_sub_means_messages_from_any_node_arrive(redis, nodes):
    a, b, c = nodes
    pubs = {a: LineClient(a), c: LineClient(c)}
    for i in range(ROUNDS):
        # Fresh names each round: every SUB needs a new Redis subscription,
        # a channel (SUBSCRIBE) or a pattern (PSUBSCRIBE) in turn.
        pattern = f"ack.{i}" if i % 2 == 0 else f"ackp.{i}.*"
        channel = f"ack.{i}" if i % 2 == 0 else f"ackp.{i}.x"
        sub = LineClient(b)
        sub.send(f"SUB {pattern}\n")
        sub.sync()
        pub = pubs[a if i % 2 == 0 else c]
        pub.send(f"PUB {channel} r{i}\n")
        pub.sync()
        assert sub.line(timeout=5) == f"MSG {channel} r{i}", f"round {i}"
        sub.close()


def test_a_sub_sharing_a_subscription_still_in_flight_waits_for_it(redis, nodes):
    """The later SUBs add no Redis subscription (the first's is on its way):
    their PONGs still mean subscribed, on the first's reactor thread and on
    the other (connections go to the threads in turn)."""
    a, b, _ = nodes
    pub = LineClient(a)
    for i in range(3):
        first, later = LineClient(b), [LineClient(b), LineClient(b)]
        # Redis holds the first's SUBSCRIBE back for 300 ms.
        assert redis.command("CLIENT", "PAUSE", "300") == "+OK"
        started = time.monotonic()
        # An unknown verb is answered at once: the SUB before it ran, and
        # nothing waited for Redis.
        first.send(f"SUB shared.{i}\nNOSUCHVERB\n")
        assert first.line(timeout=5).startswith("-ERR unknown command")
        for client in later:
            client.send(f"SUB shared.{i}\n")
            client.sync()
        assert time.monotonic() - started >= 0.2
        pub.send(f"PUB shared.{i} s{i}\n")
        pub.sync()
        for client in [first] + later:
            assert client.line(timeout=5) == f"MSG shared.{i} s{i}", f"round {i}"
            client.close()


def test_pong_waits_while_redis_holds_the_subscribe_back(redis, nodes):
    """Redis paused (CLIENT PAUSE): the node's SUBSCRIBE waits in Redis, and
    so does the PONG; a PUB sent after the PONG then always finds the
    subscription. Without the wait the PONG came at once and the PUB raced
    the SUBSCRIBE inside Redis."""
    a, b, _ = nodes
    pub = LineClient(a)
    for i in range(3):
        sub = LineClient(b)
        assert redis.command("CLIENT", "PAUSE", "300") == "+OK"
        started = time.monotonic()
        sub.send(f"SUB paused.{i}\n")
        sub.sync()
        assert time.monotonic() - started >= 0.2
        pub.send(f"PUB paused.{i} p{i}\n")
        pub.sync()
        assert sub.line(timeout=5) == f"MSG paused.{i} p{i}"
        sub.close()


def test_commands_after_a_waiting_ping_keep_their_order(redis, nodes):
    a, b, _ = nodes
    sub = LineClient(b)
    sub.send("SUB order.x\nPING one\nPUB order.x local\nPING two\n")
    assert sub.lines(3) == ["PONG one", "MSG order.x local", "PONG two"]
    publisher(a, ("order.x", "remote"))
    assert sub.line(timeout=5) == "MSG order.x remote"


def test_without_redis_pong_after_sub_comes_at_once(redis, nodes):
    _, b, _ = nodes
    redis.stop()
    wait_cluster_up(b, up=0)
    sub = LineClient(b)
    started = time.monotonic()
    sub.send("SUB down.x\n")
    sub.sync()
    assert time.monotonic() - started < 1.0
    assert stats(b)["cluster_up"] == 0
