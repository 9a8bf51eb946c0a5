import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster  # noqa: E402
from harness import cleanup  # noqa: E402


@pytest.fixture
def redis(tmp_path):
    server = cluster.Redis(tmp_path).start()
    yield server
    server.stop()


def running(make):
    """Three nodes made by make(i), up; after the test, stopped, and a
    sanitizer report in a node's log (LINECAST_SERVER pointing at
    build/tsan) fails the test that caused it."""
    started = [make(i) for i in range(3)]
    cluster.wait_cluster_up(*started)
    yield started
    cleanup()
    for server in started:
        text = cluster.read_text(server.log)
        assert "Sanitizer" not in text, text


@pytest.fixture
def nodes(tmp_path, redis):
    """Three linecast nodes sharing one channel space through `redis`."""
    yield from running(lambda i: cluster.node(tmp_path, redis.port, f"n{i}"))


@pytest.fixture
def mqtt_nodes(tmp_path, redis):
    """Three nodes as `nodes`, each with MQTT on a port of its own."""
    yield from running(lambda i: cluster.mqtt_node(tmp_path, redis.port, f"m{i}"))
