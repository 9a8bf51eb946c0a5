"""linecast-bench's publisher-only runs (-s 0) and stalled subscribers
(--stalled) against the real linecast-server: the parts the in-process fake
broker cannot show (its writes block; it never cuts a slow consumer). And
--protocol ws against the server's own /ws, not only the fake broker's.

Run by ctest as bench_loadgen_real_server, which sets LINECAST_SERVER and
LINECAST_BENCH; Debian's pytest works only with /usr/bin/python3.
"""

import json
import os
import subprocess
import sys
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


def bench(server, *flags, port=None):
    cmd = [os.environ["LINECAST_BENCH"], "--port", str(port or server.port), "--server-pid",
           str(server.proc.pid), "-d", "1", "--drain", "3", "-q", "--json", *flags]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
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
    # Paced, so the healthy subscriber never falls behind the small limit;
    # 1 s of 100k msgs/s of 64 B outgrows the staller's socket buffers and
    # the limit.
    server = Server(tmp_path, args=["--max-line", "4096", "--max-outbuf", "262144"]).start()
    r = bench(server, "--scenario", "latency", "--rate", "100000", "-b", "64", "-p", "1", "-s", "1",
              "--stalled", "1")
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
