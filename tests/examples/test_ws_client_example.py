"""examples/python/ws_client.py (python3-websockets, Debian 12's 10.4) against
the real server's GET /ws: subscribe, print, reconnect, and the token as
?token= (a wrong one is refused at the upgrade)."""

import sys

from harness import EXAMPLES, Proc, Server, free_port

WS_CLIENT = EXAMPLES / "python" / "ws_client.py"


def ws_client(tmp_path, server, *args, name="ws-client"):
    return Proc(tmp_path, name, [sys.executable, str(WS_CLIENT), "--url",
                                 f"ws://127.0.0.1:{server.http_port}/ws", *map(str, args)])


def test_ws_client_prints_what_was_published(tmp_path, server):
    client = ws_client(tmp_path, server, "--count", 3, "room1.>", "alerts.*")
    client.wait_err("subscribed to room1.> alerts.*")
    assert server.publish("room1.tv.volume", "42", "  spaced  payload") == 2
    assert server.publish("room2.lights", "on") == 1   # not subscribed to
    assert server.publish("alerts.door", "open") == 1
    assert client.wait(timeout=10) == 0, client.report()
    assert client.lines() == ["room1.tv.volume 42", "room1.tv.volume   spaced  payload", "alerts.door open"]


def test_ws_client_reconnects_after_a_server_restart(tmp_path):
    port, http_port = free_port(), free_port()
    first = Server(tmp_path, port=port, http_port=http_port).start()
    client = ws_client(tmp_path, first, "--count", 2, "--min-backoff", "0.1", "--max-backoff", "0.5",
                       "room1.tv", name="ws-client-reconnect")
    client.wait_err("subscribed to")
    first.publish("room1.tv", "before")
    client.wait_lines(1)
    first.stop()
    client.wait_err("reconnecting in")
    second = Server(tmp_path, port=port, http_port=http_port).start()
    client.wait_err("subscribed to", count=2)
    second.publish("room1.tv", "after")
    assert client.wait(timeout=10) == 0, client.report()
    assert client.lines() == ["room1.tv before", "room1.tv after"]
    second.stop()


def test_ws_client_with_a_token(tmp_path):
    server = Server(tmp_path, args=["--auth-token", "ws-secret"]).start()
    client = ws_client(tmp_path, server, "--token", "ws-secret", "--count", 1, "room1.>")
    client.wait_err("subscribed to")
    server.publish("room1.x", "with token", token="ws-secret")
    assert client.wait(timeout=10) == 0, client.report()
    assert client.lines() == ["room1.x with token"]

    wrong = ws_client(tmp_path, server, "--token", "not-it", "room1.>", name="ws-client-wrong")
    assert wrong.wait(timeout=10) == 4, wrong.report()
    assert "401" in wrong.err
    server.stop()


def test_ws_client_refuses_an_invalid_pattern(tmp_path, server):
    client = ws_client(tmp_path, server, "a..b")
    assert client.wait(timeout=10) == 1, client.report()
    assert "-ERR invalid pattern" in client.err
