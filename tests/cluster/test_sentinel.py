"""--cluster sentinel://...: real Redis Sentinels (Debian's redis-sentinel)
over a real master and replica; the nodes find the master through them and
follow it when the Sentinels fail over."""

import subprocess

from cluster import (Redis, Sentinel, node, publisher, redis_subscriptions, stats, subscriber,
                     wait_cluster_up, wait_subscriptions)
from harness import cleanup, free_port, read_text, server_binary, wait_until


def sentinel_url(*sentinels, name="mymaster"):
    return "sentinel://" + ",".join(f"127.0.0.1:{s.port}" for s in sentinels) + f"/{name}"


def is_master(redis):
    # Sentinel ends a promotion with CLIENT KILL TYPE normal, which may cut
    # the connection that asks.
    try:
        return redis.command("ROLE")[0] == "master"
    except OSError:
        return False


def replication_up(replica):
    return "master_link_status:up" in replica.command("INFO", "replication")


def test_nodes_follow_a_failover(tmp_path):
    master = Redis(tmp_path).start()
    replica = Redis(tmp_path, args=["--replicaof", "127.0.0.1", str(master.port)]).start()
    try:
        wait_until(lambda: replication_up(replica), 15, "the replica in sync")
        # Started after the replica, so that their first INFO of the master
        # lists it (they ask every 10 s after that).
        sentinels = [Sentinel(tmp_path, master.port).start() for _ in range(3)]
        wait_until(lambda: all(s.master().get("num-other-sentinels") == "2" and s.master().get("num-slaves") == "1"
                               for s in sentinels), 20, "the Sentinels to know each other and the replica")
        url = sentinel_url(*sentinels)
        a, b = node(tmp_path, None, "sa", url=url), node(tmp_path, None, "sb", url=url)
        wait_cluster_up(a, b)
        sub = subscriber(b, "fo.x")
        wait_subscriptions(master, channels=1, patterns=0, nodes=(a, b))
        pub = publisher(a, ("fo.x", "before"))
        assert sub.line() == "MSG fo.x before"

        master.proc.proc.kill()  # SIGKILL, this PID only
        master.proc.wait(timeout=10)
        wait_until(lambda: is_master(replica), 30, "the Sentinels to promote the replica")
        wait_cluster_up(a, b, up=1, timeout=30)
        wait_subscriptions(replica, channels=1, patterns=0, timeout=15, nodes=(a, b))

        pub.send("".join(f"PUB fo.x after{i}\n" for i in range(20)))
        pub.sync()
        assert sub.lines(20) == [f"MSG fo.x after{i}" for i in range(20)]
        assert sub.nothing_more()
        new = f"cluster: master mymaster at 127.0.0.1:{replica.port}"
        logs = [read_text(s.log) for s in (a, b)]
        for log in logs:
            assert f"cluster: master mymaster at 127.0.0.1:{master.port}" in log and new in log, log
        # Followed through +switch-master (a node whose Sentinel link was
        # down at the switch would have learnt it by asking again).
        switch = f"switch-master mymaster from 127.0.0.1:{master.port} to 127.0.0.1:{replica.port}"
        assert any(switch in log for log in logs), logs
    finally:
        cleanup()


def test_no_sentinel_answers_serves_locally_and_retries(tmp_path):
    first, second = free_port(), free_port()
    lonely = node(tmp_path, None, "lonely", url=f"sentinel://127.0.0.1:{first},127.0.0.1:{second}/mymaster")
    try:
        sub = subscriber(lonely, "solo")
        publisher(lonely, ("solo", "here"))
        assert sub.line() == "MSG solo here"
        assert stats(lonely)["cluster_up"] == 0
        for port in (first, second):
            wait_until(lambda port=port: f"cluster: sentinel 127.0.0.1:{port} failed" in read_text(lonely.log), 5,
                       "each Sentinel's failure in the log")
        # A Sentinel comes later (on the second address): the node finds the master through it.
        master = Redis(tmp_path).start()
        Sentinel(tmp_path, master.port, port=second).start()
        wait_cluster_up(lonely, up=1, timeout=20)
        wait_subscriptions(master, channels=1, patterns=0, nodes=(lonely,))
    finally:
        cleanup()


def test_an_address_that_is_not_a_master_is_refused_and_asked_again(tmp_path):
    # A Sentinel told to watch the replica keeps naming it (as one with a
    # view from before a failover would): the node must not use it, since
    # a replica takes PUBLISH without passing it to the master's subscribers.
    master = Redis(tmp_path).start()
    replica = Redis(tmp_path, args=["--replicaof", "127.0.0.1", str(master.port)]).start()
    try:
        wait_until(lambda: replication_up(replica), 15, "the replica in sync")
        sentinel = Sentinel(tmp_path, replica.port, quorum=1).start()
        server = node(tmp_path, None, "stale", url=sentinel_url(sentinel))
        refused = f"link to redis 127.0.0.1:{replica.port} failed: not a master (ROLE: slave)"
        wait_until(lambda: refused in read_text(server.log), 10, "the ROLE refusal in the log")
        assert stats(server)["cluster_up"] == 0
        sub = subscriber(server, "st.x")
        assert redis_subscriptions(replica) == (0, 0)  # nothing subscribed there
        # The Sentinel now names the master: the node, asking again after
        # each refusal, finds it.
        assert sentinel.command("SENTINEL", "REMOVE", "mymaster") == "+OK"
        assert sentinel.command("SENTINEL", "MONITOR", "mymaster", "127.0.0.1", master.port, 1) == "+OK"
        wait_cluster_up(server, up=1, timeout=20)
        wait_subscriptions(master, channels=1, patterns=0, nodes=(server,))
        log = read_text(server.log)
        assert f"cluster: master mymaster at 127.0.0.1:{master.port}" in log
        assert f"link to redis 127.0.0.1:{replica.port} up" not in log, log
        publisher(server, ("st.x", "local"))
        assert sub.line() == "MSG st.x local"
    finally:
        cleanup()


def test_malformed_sentinel_url_names_the_flag_and_hides_the_password(tmp_path):
    for bad in ("sentinel://127.0.0.1:26379", "sentinel://u:s3cret@127.0.0.1:26379,:1/m",
                "sentinel://s3cret@127.0.0.1:26379/my master"):
        result = subprocess.run([server_binary(), "--port", "0", "--http-port", "0", "--cluster", bad],
                                capture_output=True, timeout=20)
        assert result.returncode != 0, bad
        assert b"--cluster" in result.stderr and b"s3cret" not in result.stderr, (bad, result.stderr)
