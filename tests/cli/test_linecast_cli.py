"""linecast-cli against a real linecast-server: output, errors and exit codes."""

import http.server
import socket
import subprocess
import threading

import pytest

from harness import Proc, Server, cli_binary, free_port

OK, SERVER_ERROR, USAGE, CANNOT_CONNECT, AUTH_FAILED, CONNECTION_LOST = 0, 1, 2, 3, 4, 5


def cli(*args, stdin=None, env=None, timeout=20):
    import os
    full_env = dict(os.environ)
    full_env.pop("LINECAST_TOKEN", None)
    if env:
        full_env.update(env)
    return subprocess.run([cli_binary(), *map(str, args)], input=stdin, capture_output=True,
                          env=full_env, timeout=timeout)


def start_sub(tmp_path, server, *args, name="sub", env=None):
    p = Proc(tmp_path, name, [cli_binary(), "--port", str(server.port), "sub", *map(str, args)],
             env=env)
    p.wait_err("subscribed to")
    return p


def test_sub_prints_payloads_published_over_http(tmp_path, server):
    sub = start_sub(tmp_path, server, "-n", 4, "room1.>")
    payloads = ["42", "  leading spaces", "tabs\tinside", "ünïcode ✓"]
    assert server.publish("room1.tv.volume", *payloads) == 4
    assert sub.wait(timeout=10) == OK, sub.report()
    sub.show()
    assert sub.out == "".join(p + "\n" for p in payloads), sub.report()
    assert "subscribed to room1.> on 127.0.0.1:" in sub.err


def test_sub_verbose_prints_channel_and_payload(tmp_path, server):
    sub = start_sub(tmp_path, server, "-v", "-n", 2, "room1.*.volume", "lights")
    assert server.publish("room1.tv.volume", "42") == 1
    assert server.publish("room1.tv.power", "off") == 1  # matches nothing
    assert server.publish("lights", "on") == 1
    assert sub.wait(timeout=10) == OK, sub.report()
    assert sub.lines() == ["room1.tv.volume 42", "lights on"], sub.report()


def test_pub_message_and_stdin_lines(tmp_path, server):
    sub = start_sub(tmp_path, server, "-n", 4, "news")
    r = cli("--port", server.port, "pub", "news", "one message")
    assert r.returncode == OK, r.stderr
    r = cli("--port", server.port, "pub", "-v", "news", stdin=b"line 1\n\nline 2\r\nlast, no newline")
    assert r.returncode == OK, r.stderr
    assert b"published 3 messages to news" in r.stderr
    assert sub.wait(timeout=10) == OK, sub.report()
    assert sub.lines() == ["one message", "line 1", "line 2", "last, no newline"], sub.report()


def test_pub_streams_a_large_stdin(tmp_path, server):
    n = 20000
    sub = start_sub(tmp_path, server, "-n", n, "bulk")
    body = "".join(f"message {i}\n" for i in range(n)).encode()
    r = cli("--port", server.port, "pub", "bulk", stdin=body, timeout=60)
    assert r.returncode == OK, r.stderr
    assert sub.wait(timeout=60) == OK, sub.report()[-2000:]
    assert sub.lines() == [f"message {i}" for i in range(n)]


@pytest.mark.parametrize("channel, error", [
    ("a..b", "-ERR invalid channel"),
    ("room1.*", "-ERR wildcard not allowed in PUB channel"),
])
def test_pub_refused_channel_exits_1_with_the_server_error(server, channel, error):
    r = cli("--port", server.port, "pub", channel, "x")
    assert r.returncode == SERVER_ERROR
    assert f"linecast-cli: {error}" in r.stderr.decode()


def test_sub_invalid_pattern_exits_1(server):
    r = cli("--port", server.port, "sub", "room1.>.x")
    assert r.returncode == SERVER_ERROR
    assert "linecast-cli: -ERR invalid pattern" in r.stderr.decode()


def test_connection_refused_names_the_address():
    port = free_port()  # nothing listens there
    for args in (["sub", "x"], ["pub", "x", "y"], ["ping"]):
        r = cli("--port", port, *args)
        assert r.returncode == CANNOT_CONNECT, args
        assert f"cannot connect to 127.0.0.1:{port}: Connection refused" in r.stderr.decode()
    r = cli("health", "--http-port", port)
    assert r.returncode == CANNOT_CONNECT
    assert f"127.0.0.1:{port}" in r.stderr.decode()


def test_usage_errors_exit_2():
    assert cli().returncode == USAGE
    assert cli("sub").returncode == USAGE
    assert cli("pub", "x", "two\nlines").returncode == USAGE
    assert cli("--port", "0", "ping").returncode == USAGE
    assert cli("--token", "has space", "ping").returncode == USAGE
    assert cli("--help").returncode == OK
    assert b"Exit codes:" in cli("--help").stdout


def test_ping_reports_round_trips(server):
    r = cli("--port", server.port, "ping", "-c", 3)
    out = r.stdout.decode()
    print(out)
    assert r.returncode == OK, r.stderr
    assert out.count("PONG from 127.0.0.1:") == 3
    assert "3 round trips to 127.0.0.1:" in out and "min/avg/max = " in out and " µs" in out


def test_health_ok_and_not_ok(tmp_path, server):
    r = cli("health", "--http-port", server.http_port)
    assert r.returncode == OK, r.stderr
    assert b"answered 200" in r.stdout
    r = cli("health", env={"LINECAST_HTTP_PORT": str(server.http_port)})
    assert r.returncode == OK, r.stderr
    # Something that is not an HTTP server: the line port answers -ERR.
    r = cli("health", "--http-port", server.port)
    assert r.returncode == SERVER_ERROR


def test_health_not_200_exits_1():
    class Unhealthy(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Unhealthy)
    thread = threading.Thread(target=httpd.handle_request, daemon=True)
    thread.start()
    try:
        r = cli("health", "--http-port", httpd.server_address[1])
        assert r.returncode == SERVER_ERROR
        assert b"503" in r.stderr
    finally:
        thread.join(timeout=10)
        httpd.server_close()


def test_auth(tmp_path):
    server = Server(tmp_path, args=["--auth-token", "s3cret"]).start()
    try:
        port = server.port
        r = cli("--port", port, "pub", "x", "y")
        assert r.returncode == AUTH_FAILED
        assert b"-ERR authentication required" in r.stderr and b"--token" in r.stderr
        r = cli("--port", port, "sub", "x")
        assert r.returncode == AUTH_FAILED
        r = cli("--port", port, "--token", "wrong", "pub", "x", "y")
        assert r.returncode == AUTH_FAILED
        assert b"-ERR authentication failed" in r.stderr
        sub = start_sub(tmp_path, server, "-n", 2, "x", env={"LINECAST_TOKEN": "s3cret"})
        assert cli("--port", port, "--token", "s3cret", "pub", "x", "by flag").returncode == OK
        assert cli("--port", port, "pub", "x", "by env", env={"LINECAST_TOKEN": "s3cret"}).returncode == OK
        assert sub.wait(timeout=10) == OK, sub.report()
        assert sub.lines() == ["by flag", "by env"]
        # /healthz needs no token.
        assert cli("health", "--http-port", server.http_port).returncode == OK
    finally:
        server.stop()


def test_sub_exits_5_when_the_server_goes_away(tmp_path):
    server = Server(tmp_path).start()
    sub = start_sub(tmp_path, server, "x")
    server.stop()
    assert sub.wait(timeout=10) == CONNECTION_LOST, sub.report()
    assert "closed by the server" in sub.err


def test_reply_timeout_exits_5(tmp_path):
    # A listener that accepts and never answers: the CLI must not hang.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        r = cli("--port", silent.getsockname()[1], "--timeout", "0.5", "ping")
        assert r.returncode == CONNECTION_LOST
        assert b"no PONG from" in r.stderr
