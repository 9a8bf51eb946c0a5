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


@pytest.fixture
def nodes(tmp_path, redis):
    """Three linecast nodes sharing one channel space through `redis`."""
    started = [cluster.node(tmp_path, redis.port, f"n{i}") for i in range(3)]
    cluster.wait_cluster_up(*started)
    yield started
    cleanup()
    # Under a sanitizer build (LINECAST_SERVER pointing at build/tsan), a
    # report lands in the node's log: fail the test that caused it.
    for server in started:
        text = cluster.read_text(server.log)
        assert "Sanitizer" not in text, text
