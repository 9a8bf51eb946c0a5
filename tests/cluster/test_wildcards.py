"""Redis's globs are looser than line patterns; the nodes re-check, so
nothing reaches a subscriber that its pattern does not match."""

import redis as redis_py

from cluster import publisher, resp_subscriber, subscriber, until_marker, wait_subscriptions


def publish_all(server, channels):
    publisher(server, *[(ch, ch) for ch in channels], ("end.marker", "end"))


def test_star_is_one_token_and_tail_is_one_or_more(redis, nodes):
    a, b, _ = nodes
    star, tail = subscriber(b, "w.*", "end.marker"), subscriber(b, "w.>", "end.marker")
    wait_subscriptions(redis, channels=1, patterns=1)  # w.* and w.> are one glob: w.*
    publish_all(a, ["w.x", "w.x.y", "wx.y", "w", "ww.x", "w.y"])
    assert until_marker(star) == ["MSG w.x w.x", "MSG w.y w.y"]
    assert until_marker(tail) == ["MSG w.x w.x", "MSG w.x.y w.x.y", "MSG w.y w.y"]


def test_glob_characters_in_line_patterns_are_literal(redis, nodes):
    a, b, _ = nodes
    sub = subscriber(b, "g[1].*", "q?.>", "end.marker")
    wait_subscriptions(redis, channels=1, patterns=2)
    # Unescaped, Redis's g[1].* would match g1.x and q?.> would match qz.x.
    publish_all(a, ["g1.x", "g[1].x", "qz.x", "q?.x.y"])
    assert until_marker(sub) == ["MSG g[1].x g[1].x", "MSG q?.x.y q?.x.y"]


def test_overlapping_subscriptions_deliver_once(redis, nodes):
    a, b, _ = nodes
    both = subscriber(b, "o.k", "o.*", ">")
    exact = subscriber(b, "o.k")
    pubsub = resp_subscriber(b, channels=["o.k"], patterns=["o.?"])
    # Node b holds SUBSCRIBE o.k and PSUBSCRIBE o.*, *, o.? : Redis sends it
    # each message four times.
    wait_subscriptions(redis, channels=1, patterns=3)
    publisher(a, ("o.k", "once"))
    assert both.line() == "MSG o.k once"
    assert exact.line() == "MSG o.k once"
    assert both.nothing_more() and exact.nothing_more()
    # RESP: one frame per matching subscription, as Redis does.
    kinds = sorted(pubsub.get_message(timeout=5)["type"] for _ in range(2))
    assert kinds == ["message", "pmessage"]
    assert pubsub.get_message(timeout=0.5) is None
    pubsub.close()


def test_resp_globs_pass_through(redis, nodes):
    a, b, _ = nodes
    pubsub = resp_subscriber(b, patterns=["h[ae]llo"])
    wait_subscriptions(redis, channels=0, patterns=1)
    assert redis.command("PUBSUB", "NUMPAT") == 1
    pub = redis_py.Redis(host="127.0.0.1", port=a.port, socket_timeout=10)
    for ch in ("hello", "hillo", "hallo"):
        pub.publish(ch, ch)
    got = []
    for _ in range(2):
        message = pubsub.get_message(timeout=5)
        got.append(message["channel"])
    assert got == [b"hello", b"hallo"]
    assert pubsub.get_message(timeout=0.5) is None
    pubsub.close()
