"""PUBSUB over the whole channel space (docs/PROTOCOL.md, "Redis clients,
revision 4 additions"): line-protocol subscriptions count beside Redis
ones, patterns of the two syntaxes count apart, and with several reactor
threads every count and every shard-channel message covers all of them.
redis-py asks the questions, as a dashboard would."""

import pytest
import redis

from wire import Client, command


def line_client(port, *lines):
    """A line-protocol subscriber; returns once its PING is answered."""
    c = Client(port, b"".join(l.encode() + b"\n" for l in lines) + b"PING\n")
    assert c.read_until(b"PONG\n").endswith(b"PONG\n")
    return c


@pytest.mark.parametrize("threads", ["1", "2"])
def test_counts_cover_every_protocol_and_thread(start_linecast, threads):
    server = start_linecast("--threads", threads)
    # Connections are handed to the threads in turn: with two threads,
    # these land on both.
    line = line_client(server.port, "SUB news.a", "SUB news.*", "SUB sport")
    resp = Client(server.port, command("SUBSCRIBE", "news.a") + command("PSUBSCRIBE", "news.*", "x?"))
    assert resp.read_at_least(3 * 30)  # three confirmations
    shard = Client(server.port, command("SSUBSCRIBE", "room.1"))
    assert shard.read_until(b":1\r\n")

    for _ in range(3):  # from connections on every thread
        r = redis.Redis(host="127.0.0.1", port=server.port)
        assert r.pubsub_numsub("news.a", "sport", "none") == [(b"news.a", 2), (b"sport", 1), (b"none", 0)]
        # line news.* and Redis news.* are two patterns; x? is the third.
        assert r.pubsub_numpat() == 3
        assert sorted(r.pubsub_channels()) == [b"news.a", b"sport"]
        assert r.pubsub_channels("news.*") == [b"news.a"]
        assert r.execute_command("PUBSUB", "SHARDCHANNELS") == [b"room.1"]
        assert r.execute_command("PUBSUB", "SHARDNUMSUB", "room.1") == [b"room.1", 1]
        # Shard channels are their own namespace.
        assert r.publish("room.1", "not for shards") == 0
        r.close()

    r = redis.Redis(host="127.0.0.1", port=server.port)
    assert r.execute_command("SPUBLISH", "room.1", "hello") == 1
    assert shard.read_until(b"hello\r\n").endswith(b"*3\r\n$8\r\nsmessage\r\n$6\r\nroom.1\r\n$5\r\nhello\r\n")
    # A PUBLISH reaches both protocols and both threads, counted as Redis counts.
    assert r.publish("news.a", "x") == 3  # line once (two matching subs), RESP channel + pattern
    line.close()
    resp.close()
    shard.close()
    r.close()


def test_counts_drop_when_subscribers_leave(start_linecast):
    server = start_linecast("--threads", "2")
    line = line_client(server.port, "SUB gone.soon")
    r = redis.Redis(host="127.0.0.1", port=server.port)
    assert r.pubsub_numsub("gone.soon") == [(b"gone.soon", 1)]
    line.close()
    for _ in range(100):
        if r.pubsub_numsub("gone.soon") == [(b"gone.soon", 0)]:
            break
    assert r.pubsub_numsub("gone.soon") == [(b"gone.soon", 0)]
    assert r.pubsub_channels() == []
    r.close()


def test_info_counts_every_protocol_and_thread(start_linecast):
    server = start_linecast("--threads", "2")
    line = line_client(server.port, "SUB news.a", "SUB news.>")
    resp = Client(server.port, command("SSUBSCRIBE", "s") + command("PSUBSCRIBE", "p*"))
    assert resp.read_until(b"p*\r\n:1\r\n")
    r = redis.Redis(host="127.0.0.1", port=server.port)
    info = r.info()
    assert info["redis_version"] == "7.0.15" and info["linecast_version"]
    assert info["connected_clients"] == 3 and info["blocked_clients"] == 0
    assert info["total_connections_received"] >= 3
    assert (info["pubsub_channels"], info["pubsub_patterns"], info["pubsubshard_channels"]) == (1, 2, 1)
    assert set(r.info("clients")) == {"connected_clients", "maxclients", "blocked_clients"}
    assert r.info("keyspace") == {}
    line.close()
    resp.close()
    r.close()
