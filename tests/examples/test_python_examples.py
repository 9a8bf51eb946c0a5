"""examples/python against the real server: the Raspberry Pi style subscriber
and the Django publish function. Messages are published over HTTP."""

import importlib.util
import subprocess
import sys

import pytest

from conftest import JWT_SECRET
from harness import EXAMPLES, Proc, Server, cli_binary, free_port, load_example

SUBSCRIBER = EXAMPLES / "python" / "subscriber.py"
DJANGO_PUBLISH = EXAMPLES / "python" / "django_publish.py"


def load_django_publish():
    spec = importlib.util.spec_from_file_location("django_publish", DJANGO_PUBLISH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def subscriber(tmp_path, port, *args, name="python-subscriber"):
    return Proc(tmp_path, name, [sys.executable, str(SUBSCRIBER), "--port", str(port), *map(str, args)])


def test_subscriber_prints_what_was_published(tmp_path, server):
    sub = subscriber(tmp_path, server.port, "--count", 3, "room1.>")
    sub.wait_err("subscribed to room1.>")
    assert server.publish("room1.tv.volume", "42", "43") == 2
    assert server.publish("room2.lights", "on") == 1  # published, but not subscribed to
    assert server.publish("room1.lights", "off") == 1
    assert sub.wait(timeout=10) == 0, sub.report()
    sub.show()
    assert sub.lines() == ["room1.tv.volume 42", "room1.tv.volume 43", "room1.lights off"], sub.report()


def test_subscriber_reconnects_after_a_server_restart(tmp_path):
    port, http_port = free_port(), free_port()
    first = Server(tmp_path, port=port, http_port=http_port).start()
    try:
        sub = subscriber(tmp_path, port, "--count", 2, "--min-backoff", "0.1", "--max-backoff", "0.5",
                         "room1.tv.volume", name="python-subscriber-reconnect")
        try:
            sub.wait_err("subscribed to")
            assert first.publish("room1.tv.volume", "before restart") == 1
            sub.wait_lines(1)
            first.stop()
            sub.wait_err("reconnecting in")
            second = Server(tmp_path, port=port, http_port=http_port).start()
            try:
                sub.wait_err("subscribed to", count=2)
                assert second.publish("room1.tv.volume", "after restart") == 1
                assert sub.wait(timeout=10) == 0, sub.report()
            finally:
                second.stop()
        finally:
            sub.stop()
    finally:
        first.stop()
    sub.show()
    assert sub.lines() == ["room1.tv.volume before restart", "room1.tv.volume after restart"]
    assert "connection to 127.0.0.1:%d lost" % port in sub.err


def test_subscriber_with_a_token(tmp_path):
    server = Server(tmp_path, args=["--auth-token", "pi-secret"]).start()
    try:
        bad = Proc(tmp_path, "bad-token", [sys.executable, str(SUBSCRIBER), "--port",
                                           str(server.port), "x"], env={"LINECAST_TOKEN": "nope"})
        assert bad.wait(timeout=10) == 4, bad.report()
        assert "-ERR authentication failed" in bad.err
        sub = Proc(tmp_path, "good-token", [sys.executable, str(SUBSCRIBER), "--port",
                                            str(server.port), "--count", "1", "x"],
                   env={"LINECAST_TOKEN": "pi-secret"})
        sub.wait_err("subscribed to x")
        assert server.publish("x", "authorised", token="pi-secret") == 1
        assert sub.wait(timeout=10) == 0, sub.report()
        assert sub.lines() == ["x authorised"]
    finally:
        server.stop()


def test_django_publish_function(tmp_path, server):
    django = load_django_publish()
    sub = Proc(tmp_path, "cli-sub", [cli_binary(), "--port", str(server.port), "sub", "-v",
                                     "-n", "3", "room1.tv.volume"])
    sub.wait_err("subscribed to")
    assert django.linecast_publish("room1.tv.volume", "42", "43", url=server.http_url) == 2
    # The same file works from a shell.
    r = subprocess.run([sys.executable, str(DJANGO_PUBLISH), "room1.tv.volume", "from the shell"],
                       capture_output=True, text=True, timeout=20,
                       env={"LINECAST_URL": server.http_url})
    assert r.returncode == 0, r.stderr
    assert r.stdout == "published 1\n"
    assert sub.wait(timeout=10) == 0, sub.report()
    sub.show()
    assert sub.lines() == ["room1.tv.volume 42", "room1.tv.volume 43",
                           "room1.tv.volume from the shell"]

    with pytest.raises(django.LinecastError, match="400"):
        django.linecast_publish("room1..volume", "x", url=server.http_url)
    with pytest.raises(ValueError):
        django.linecast_publish("room1.tv.volume", "two\nlines", url=server.http_url)
    with pytest.raises(django.LinecastError, match="unreachable"):
        django.linecast_publish("x", "y", url=f"http://127.0.0.1:{free_port()}")


def test_django_publish_with_a_token(tmp_path):
    django = load_django_publish()
    server = Server(tmp_path, args=["--auth-token", "web-secret"]).start()
    try:
        with pytest.raises(django.LinecastError, match="401"):
            django.linecast_publish("x", "y", url=server.http_url)
        with pytest.raises(django.LinecastError, match="401"):
            django.linecast_publish("x", "y", url=server.http_url, token="wrong")
        assert django.linecast_publish("x", "y", url=server.http_url, token="web-secret") == 1
    finally:
        server.stop()


def test_device_over_tls_with_a_jwt_from_django(tmp_path, tls_jwt_server, dev_cert):
    """The internet setup: the backend mints the device's token with PyJWT
    and publishes over HTTPS; the device subscribes over TLS with it."""
    minting = load_example("django_device_token")
    publishing = load_django_publish()
    cert, _ = dev_cert
    server = tls_jwt_server
    token_file = tmp_path / "device.jwt"
    token_file.write_text(minting.mint_device_token("tv-1", JWT_SECRET, publish=["room1.tv.>"],
                                                    subscribe=["room1.>"],
                                                    deny_subscribe=["room1.admin.>"]) + "\n")
    backend = minting.mint_device_token("django", JWT_SECRET, publish=[">"], subscribe=[">"])
    sub = subscriber(tmp_path, server.port, "--host", "localhost", "--cacert", cert,
                     "--token-file", token_file, "--count", 2, "room1.>", name="python-subscriber-tls")
    sub.wait_err("subscribed to room1.>")
    url = f"https://localhost:{server.http_port}"
    assert publishing.linecast_publish("room1.admin.reboot", "now", url=url, token=backend, cafile=cert) == 1
    assert publishing.linecast_publish("room1.tv.volume", "42", url=url, token=backend, cafile=cert) == 1
    with pytest.raises(publishing.LinecastError, match="403"):
        publishing.linecast_publish("room1.tv.volume", "7", url=url, cafile=cert,
                                    token=minting.mint_device_token("phone", JWT_SECRET, publish=["room2.>"]))
    assert publishing.linecast_publish("room1.lights", "off", url=url, token=backend, cafile=cert) == 1
    assert sub.wait(timeout=10) == 0, sub.report()
    sub.show()
    assert sub.lines() == ["room1.tv.volume 42", "room1.lights off"], sub.report()


def test_device_refuses_a_server_it_cannot_verify(tmp_path, tls_jwt_server):
    token_file = tmp_path / "device.jwt"
    token_file.write_text("unused")
    sub = subscriber(tmp_path, tls_jwt_server.port, "--host", "localhost", "--tls",
                     "--token-file", token_file, "room1.>", name="python-subscriber-untrusted")
    assert sub.wait(timeout=10) == 5, sub.report()
    assert "self-signed certificate: check --cacert" in sub.err


def test_device_reconnects_with_a_refreshed_token_when_its_own_expires(tmp_path, tls_jwt_server, dev_cert):
    minting = load_example("django_device_token")
    cert, _ = dev_cert
    token_file = tmp_path / "device.jwt"
    # Expired as minted but accepted within the broker's 5 s leeway, so cut
    # on the live connection 5 s from now (room for a slow start on CI).
    token_file.write_text(minting.mint_device_token("tv-1", JWT_SECRET, subscribe=["room1.>"], lifetime=0))
    sub = subscriber(tmp_path, tls_jwt_server.port, "--host", "localhost", "--cacert", cert,
                     "--token-file", token_file, "--count", 1, "room1.>", name="python-subscriber-refresh")
    sub.wait_err("subscribed to room1.>")
    token_file.write_text(minting.mint_device_token("tv-1", JWT_SECRET, subscribe=["room1.>"]))
    sub.wait_err("-ERR token expired: reconnecting")
    sub.wait_err("subscribed to room1.>", count=2)
    backend = minting.mint_device_token("django", JWT_SECRET, publish=[">"])
    publishing = load_django_publish()
    assert publishing.linecast_publish("room1.tv.volume", "9", url=f"https://localhost:{tls_jwt_server.http_port}",
                                       token=backend, cafile=cert) == 1
    assert sub.wait(timeout=10) == 0, sub.report()
    assert sub.lines() == ["room1.tv.volume 9"], sub.report()
