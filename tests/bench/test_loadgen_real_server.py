"""linecast-bench's publisher-only runs (-s 0) and stalled subscribers
(--stalled) against the real linecast-server: the parts the in-process fake
broker cannot show (its writes block; it never cuts a slow consumer). And
--protocol ws against the server's own /ws, not only the fake broker's.
--protocol mqtt against a Mosquitto the test starts (skipped without
/usr/sbin/mosquitto): the loadgen's MQTT client against a broker it did not
write. --subscriber-ports against three real nodes and a real redis-server.

Run by ctest as bench_loadgen_real_server, which sets LINECAST_SERVER and
LINECAST_BENCH; Debian's pytest works only with /usr/bin/python3.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

# The server helper is shared with tests/examples and tests/cli.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from harness import Server, cleanup  # noqa: E402

BIG_OUTBUF = ["--max-outbuf", "1073741824"]


@pytest.fixture(autouse=True)
def stop_leftovers():
    yield
    cleanup()


def bench(server, *flags, port=None, duration=1, drain=3):
    cmd = [os.environ["LINECAST_BENCH"], "--port", str(port or server.port), "--server-pid",
           str(server.proc.pid), "-d", str(duration), "--drain", str(drain), "-q", "--json", *flags]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + drain + 60)
    assert done.stdout, done.stderr
    return json.loads(done.stdout)


def test_publishing_to_nobody_reports_the_broker_cpu_per_message(tmp_path):
    server = Server(tmp_path, args=BIG_OUTBUF).start()
    r = bench(server, "-p", "1", "-s", "0")
    server.stop()
    assert r["ok"], r["error"]
    assert r["published"] > 1000
    assert r["delivered"] == 0 and r["expected"] == 0
    # Ended by the answered end barrier, not by the drain running out.
    assert 0 < r["ack_s"] < r["publish_s"] + 3
    assert r["server"]["cpu_ns_per_published"] > 0
    assert r["server"]["cpu_ns_per_delivered"] is None


def test_a_stalled_subscriber_held_by_the_broker_is_owed_nothing(tmp_path):
    server = Server(tmp_path, args=BIG_OUTBUF).start()
    r = bench(server, "-p", "1", "-s", "2", "--stalled", "1")
    server.stop()
    assert r["ok"], r["error"]
    assert r["connections"] == 4
    assert r["delivered"] == r["expected"] > 0
    assert r["lost"] == 0
    assert r["stalled_cut"] == 0
    # The broker's kernel holds a full socket buffer for it.
    assert r["stalled_queued_bytes"] > 0


def test_a_stalled_subscriber_cut_by_the_broker_is_reported(tmp_path):
    # Paced: the healthy subscriber may fall behind by 2 MiB (a quarter of
    # a second of the flow, for a busy CI machine's scheduling) before it
    # would be cut; 3 s of 100k msgs/s of 64 B (about 25 MB) outgrow the
    # staller's socket buffers (its small SO_RCVBUF and the broker's send
    # buffer, at most 4 MB here) and the limit.
    server = Server(tmp_path, args=["--max-line", "4096", "--max-outbuf", "2097152"]).start()
    r = bench(server, "--scenario", "latency", "--rate", "100000", "-b", "64", "-p", "1", "-s", "1",
              "--stalled", "1", duration=3)
    server.stop()
    assert r["ok"], r["error"]
    assert r["stalled_cut"] == 1
    assert r["lost"] == 0


def test_websocket_runs_deliver_everything(tmp_path):
    server = Server(tmp_path, args=BIG_OUTBUF).start()
    fanout = bench(server, "--protocol", "ws", "-p", "1", "-s", "10", "-b", "16", port=server.http_port)
    # A payload over one 64 KiB frame: the publisher's lines go out in fragments.
    big = bench(server, "--protocol", "ws", "-p", "1", "-s", "2", "-b", "100000", "-n", "200",
                port=server.http_port)
    paced = bench(server, "--protocol", "ws", "--scenario", "latency", "--rate", "5000", "-b", "64",
                  port=server.http_port)
    server.stop()
    for r in (fanout, big, paced):
        assert r["ok"], r["error"]
        assert r["protocol"] == "ws"
        assert r["delivered"] == r["expected"] > 0
        assert r["lost"] == 0


MOSQUITTO = "/usr/sbin/mosquitto"


class Mosquitto:
    """Mosquitto on a free loopback port with bench/compare's settings,
    stopped by its PID."""

    def __init__(self, tmp_path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        conf = tmp_path / "mosquitto.conf"
        conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                        "max_queued_messages 0\nmax_queued_bytes 0\nmax_inflight_messages 0\n"
                        "set_tcp_nodelay true\nlog_dest stderr\n")
        self.log = open(tmp_path / "mosquitto.log", "w")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert self.proc.poll() is None and time.monotonic() < deadline, "mosquitto did not start"
                time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def mosquitto(tmp_path):
    if not os.access(MOSQUITTO, os.X_OK):
        pytest.skip("no " + MOSQUITTO)
    broker = Mosquitto(tmp_path)
    yield broker
    broker.stop()


# Mosquitto is single-threaded and slower than the publisher: a fixed count
# of messages, and a drain that lets it catch up on a busy machine (it ends
# as soon as everything has arrived).
MQTT_DRAIN = 40


def test_mqtt_runs_against_mosquitto_deliver_everything(mosquitto):
    fanout = bench(mosquitto, "--protocol", "mqtt", "-p", "1", "-s", "10", "-b", "16", "-n", "20000",
                   duration=20, drain=MQTT_DRAIN)
    # Over 16 KiB: a three-byte remaining length, packets split across reads.
    big = bench(mosquitto, "--protocol", "mqtt", "-p", "1", "-s", "2", "-b", "20000", "-n", "300",
                duration=20, drain=MQTT_DRAIN)
    paced = bench(mosquitto, "--protocol", "mqtt", "--scenario", "latency", "--rate", "5000", "-b", "64",
                  drain=MQTT_DRAIN)
    conns = bench(mosquitto, "--protocol", "mqtt", "--scenario", "conns", "-s", "300", drain=MQTT_DRAIN)
    for r in (fanout, big, paced, conns):
        assert r["ok"], r["error"]
        assert r["protocol"] == "mqtt" and r["qos"] == 0 and r["pubacks"] == 0
        assert r["delivered"] == r["expected"] > 0
        assert r["lost"] == 0
    assert conns["mismatched_subscribers"] == 0
    assert conns["server"]["rss_per_conn_bytes"] > 0


def test_mqtt_qos1_counts_every_puback_within_the_window(mosquitto):
    # A window of 8: the publisher waits for PUBACKs hundreds of times.
    windowed = bench(mosquitto, "--protocol", "mqtt", "--qos", "1", "--inflight", "8", "-p", "2",
                     "-s", "3", "-n", "5000", duration=20, drain=MQTT_DRAIN)
    open_window = bench(mosquitto, "--protocol", "mqtt", "--qos", "1", "-p", "1", "-s", "1",
                        "-n", "20000", duration=20, drain=MQTT_DRAIN)
    for r in (windowed, open_window):
        assert r["ok"], r["error"]
        assert r["qos"] == 1
        assert r["pubacks"] == r["published"] > 0
        assert r["delivered"] == r["expected"] > 0
        assert r["lost"] == 0
        assert r["ack_s"] > 0
    assert windowed["published"] == 5000


def test_subscriber_ports_drive_a_real_cluster_across_nodes(tmp_path):
    """--subscriber-ports against three real nodes sharing a real
    redis-server (tests/cluster's helpers): the publisher on node a, the
    subscribers on b and c, every message delivered across nodes, after
    --settle let the nodes SUBSCRIBE in Redis."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cluster"))
    import cluster
    if not os.path.exists(cluster.REDIS_SERVER):
        pytest.skip("no redis-server")
    redis = cluster.Redis(tmp_path).start()
    try:
        a, b, c = (cluster.node(tmp_path, redis.port, name, args=BIG_OUTBUF) for name in "abc")
        cluster.wait_cluster_up(a, b, c)
        r = bench(a, "-p", "1", "-s", "4", "-b", "16", "--subscriber-ports", f"{b.port},{c.port}",
                  "--settle", "2")  # SUBSCRIBEs reach Redis after the PONGs: slack for a busy machine
        assert r["ok"], r["error"]
        assert r["target"] == f"127.0.0.1:{a.port} -> 127.0.0.1:{b.port},127.0.0.1:{c.port}"
        assert r["settle_s"] >= 2
        assert r["delivered"] == r["expected"] == 4 * r["published"] > 0
        # The messages crossed Redis to both b and c; a sent them all.
        assert cluster.stats(a)["cluster_published_total"] >= r["published"]
        assert cluster.stats(b)["cluster_received_total"] == r["published"]
        assert cluster.stats(c)["cluster_received_total"] == r["published"]
    finally:
        cleanup()
        redis.stop()
