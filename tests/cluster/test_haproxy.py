"""Clients through a real HAProxy (TCP mode, round robin) in front of the
three nodes: consecutive connections land on different nodes, and every
subscriber still gets every message exactly once, in order."""

import pytest

from cluster import (Behind, HAProxy, http_publish, publisher, resp_subscriber, stats, subscriber,
                     wait_subscriptions)
from harness import wait_until


def spread(make, nodes, limit=12):
    """Clients made through the balancer until every node holds one (round
    robin is not strictly one per node under HAProxy's threads)."""
    clients = []
    while any(stats(n)["subscriptions"] == 0 for n in nodes):
        assert len(clients) < limit, "the balancer did not reach every node"
        clients.append(make())
    return clients


@pytest.fixture
def proxy(tmp_path, nodes):
    p = HAProxy(tmp_path, nodes)
    yield Behind(p)
    p.stop()


def test_line_subscribers_on_every_node_through_the_balancer(redis, nodes, proxy):
    subs = spread(lambda: subscriber(proxy, "lb.x"), nodes)
    wait_subscriptions(redis, channels=3, patterns=0, nodes=nodes)
    publisher(proxy, *[("lb.x", f"m{i}") for i in range(300)])
    for sub in subs:
        assert sub.lines(300) == [f"MSG lb.x m{i}" for i in range(300)]
        assert sub.nothing_more()


def test_resp_and_http_through_the_balancer(redis, nodes, proxy):
    pubsubs = spread(lambda: resp_subscriber(proxy, channels=["lb.r"]), nodes)
    wait_subscriptions(redis, channels=3, patterns=0, nodes=nodes)
    for i in range(3):  # each POST on the node the balancer picks
        assert http_publish(proxy, "lb.r", f"h{i}\n") == 200
    for pubsub in pubsubs:
        got = []
        while len(got) < 3:
            message = pubsub.get_message(timeout=5)
            assert message is not None, got
            if message["type"] == "message":
                got.append(message["data"])
        # Three publishers (one per node): each one's order is kept, not
        # an order between them.
        assert sorted(got) == [b"h0", b"h1", b"h2"]
        assert pubsub.get_message(timeout=0.5) is None
        pubsub.close()


def test_a_killed_node_sends_new_clients_to_the_survivors(redis, nodes, proxy):
    a, b, c = nodes
    before = subscriber(a, "lb.k")  # on a survivor, from before the kill
    b.proc.kill()
    b.proc.wait(timeout=10)
    # New clients through the balancer: none lands on the dead node (its
    # check fails, and a connect refused before that is redispatched).
    subs = [subscriber(proxy, "lb.k") for _ in range(6)]
    wait_until(lambda: stats(a)["subscriptions"] + stats(c)["subscriptions"] == 7, 10, "7 subscriptions on a and c")
    held = sum(1 for n in (a, c) if stats(n)["subscriptions"] > 0)
    wait_subscriptions(redis, channels=held, patterns=0, nodes=(a, c))
    publisher(proxy, *[("lb.k", f"m{i}") for i in range(100)])
    for sub in [before] + subs:
        assert sub.lines(100) == [f"MSG lb.k m{i}" for i in range(100)]
        assert sub.nothing_more()
