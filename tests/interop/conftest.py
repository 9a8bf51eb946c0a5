"""Fixtures for the RESP interop tests (see servers.py). Run with
/usr/bin/python3, whose Debian packages provide pytest and redis-py."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import Linecast, RedisServer  # noqa: E402


@pytest.fixture
def start_linecast(tmp_path):
    """Starts linecast-server with extra flags; all are stopped at the end."""
    started = []

    def start(*args):
        server = Linecast(tmp_path, [str(a) for a in args]).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def linecast(start_linecast):
    return start_linecast()


@pytest.fixture
def start_redis(tmp_path):
    started = []

    def start(*args):
        server = RedisServer(tmp_path, [str(a) for a in args]).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def module_servers(tmp_path_factory):
    """start("linecast" | "redis", *flags): servers shared by one test module."""
    started = []

    def start(kind, *args):
        cls = Linecast if kind == "linecast" else RedisServer
        server = cls(tmp_path_factory.mktemp(kind), [str(a) for a in args]).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
