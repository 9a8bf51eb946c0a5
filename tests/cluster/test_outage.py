"""Redis away: each node keeps serving its own clients, counts what it could
not send, reconnects and subscribes again. Also the start-up cases."""

import subprocess

from cluster import (Redis, healthz, node, publisher, stats, subscriber, wait_cluster_up,
                     wait_subscriptions)
from harness import Server, free_port, read_text, server_binary, wait_until


def test_redis_stopped_and_restarted(tmp_path, redis, nodes):
    a, b, _ = nodes
    local = subscriber(a, "out.x")
    remote = subscriber(b, "out.x")
    wait_subscriptions(redis, channels=2, patterns=0)

    redis.stop()
    wait_cluster_up(a, b, up=0)
    assert healthz(a) == 200  # the node still serves
    pub = publisher(a, *[("out.x", f"gap{i}") for i in range(10)])
    # Local delivery goes on; the gap is counted, not queued.
    assert local.lines(10) == [f"MSG out.x gap{i}" for i in range(10)]
    assert stats(a)["cluster_dropped_total"] == 10
    assert remote.nothing_more()

    redis.start()  # the same port
    wait_cluster_up(a, b, up=1)
    wait_subscriptions(redis, channels=2, patterns=0)  # subscribed again
    pub.send("PUB out.x back\n")
    pub.sync()
    assert remote.line() == "MSG out.x back"
    assert local.line() == "MSG out.x back"
    assert remote.nothing_more() and local.nothing_more()
    for server in (a, b):
        log = read_text(server.log)
        assert "cluster: down" in log and log.count("cluster: up") >= 2, log


def test_a_killed_node_costs_only_its_own_connections(redis, nodes):
    a, b, c = nodes
    sub = subscriber(c, "k.x")
    wait_subscriptions(redis, channels=1, patterns=0)
    b.proc.kill()
    b.proc.wait(timeout=10)
    publisher(a, ("k.x", "alive"))
    assert sub.line() == "MSG k.x alive"


def test_cluster_pointing_at_nothing_serves_locally_and_retries(tmp_path):
    port = free_port()
    server = node(tmp_path, port, "lonely")
    sub = subscriber(server, "solo")
    publisher(server, ("solo", "here"))
    assert sub.line() == "MSG solo here"
    assert stats(server)["cluster_up"] == 0
    assert stats(server)["cluster_dropped_total"] == 1
    wait_until(lambda: "link to redis 127.0.0.1:%d failed" % port in read_text(server.log), 5,
               "the failure in the log")
    redis = Redis(tmp_path, port).start()  # Redis comes later: the node finds it
    try:
        wait_cluster_up(server, up=1, timeout=15)
        wait_subscriptions(redis, channels=1, patterns=0)
    finally:
        server.stop(expect_clean=False)
        redis.stop()


def test_malformed_url_is_a_startup_error_naming_the_flag(tmp_path):
    for bad in ("http://127.0.0.1:6379", "redis://127.0.0.1:99999", "redis://", "redis://h:1/x"):
        result = subprocess.run([server_binary(), "--port", "0", "--http-port", "0", "--cluster", bad],
                                capture_output=True, timeout=20)
        assert result.returncode != 0, bad
        assert b"--cluster" in result.stderr, (bad, result.stderr)


def test_password_file_and_auth(tmp_path):
    redis = Redis(tmp_path)
    redis.start()
    try:
        assert redis.command("CONFIG", "SET", "requirepass", "pw with space") == "+OK"
        secret = tmp_path / "pw"
        secret.write_text("pw with space\n")
        server = Server(tmp_path, name="auth", args=[
            "--cluster", f"redis://127.0.0.1:{redis.port}", "--cluster-password-file", str(secret)]).start()
        wait_cluster_up(server, up=1)
        server.stop()
        wrong = Server(tmp_path, name="wrong", args=["--cluster", f"redis://:nope@127.0.0.1:{redis.port}"]).start()
        wait_until(lambda: "refused" in read_text(wrong.log), 10, "the AUTH refusal in the log")
        assert stats(wrong)["cluster_up"] == 0
        wrong.stop()
    finally:
        redis.stop()
