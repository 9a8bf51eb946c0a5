"""examples/java/Subscriber.java compiled with javac and run with java against
the real server. Messages are published over HTTP."""

import shutil
import subprocess

import pytest

from conftest import JWT_SECRET, make_cert, start_tls_jwt_server
from harness import EXAMPLES, Proc, Server, free_port, load_example

mint_device_token = load_example("django_device_token").mint_device_token
linecast_publish = load_example("django_publish").linecast_publish

JAVA = EXAMPLES / "java"


@pytest.fixture(scope="module")
def classes(tmp_path_factory):
    if not shutil.which("javac") or not shutil.which("java"):
        pytest.fail("javac and java are required: tools/setup.sh installs openjdk-17-jdk-headless")
    out = tmp_path_factory.mktemp("java")
    r = subprocess.run(["javac", "-Xlint:all", "-Werror", "-d", str(out), str(JAVA / "Subscriber.java")],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def subscriber(tmp_path, classes, port, *args, name="java-subscriber", env=None):
    return Proc(tmp_path, name, ["java", "-cp", str(classes), "Subscriber", "--port", str(port),
                                 *map(str, args)], env=env)


def test_subscriber_prints_what_was_published(tmp_path, server, classes):
    sub = subscriber(tmp_path, classes, server.port, "--count", 3, "room1.>")
    sub.wait_err("subscriber: subscribed room1.>", timeout=30)
    assert server.publish("room1.tv.volume", "42", "ünïcode ✓") == 2
    assert server.publish("room1.tv.power", "off") == 1
    assert sub.wait(timeout=30) == 0, sub.report()
    sub.show()
    assert sub.lines() == ["room1.tv.volume 42", "room1.tv.volume ünïcode ✓", "room1.tv.power off"], \
        sub.report()


def test_subscriber_reconnects_after_a_server_restart(tmp_path, classes):
    port, http_port = free_port(), free_port()
    first = Server(tmp_path, port=port, http_port=http_port).start()
    try:
        sub = subscriber(tmp_path, classes, port, "--count", 2, "--backoff", "0.1", "phone.>",
                         name="java-subscriber-reconnect")
        try:
            sub.wait_err("subscriber: subscribed", timeout=30)
            assert first.publish("phone.notify", "before restart") == 1
            sub.wait_lines(1)
            first.stop()
            sub.wait_err("subscriber: reconnecting in")
            second = Server(tmp_path, port=port, http_port=http_port).start()
            try:
                sub.wait_err("subscriber: subscribed", count=2)
                assert second.publish("phone.notify", "after restart") == 1
                assert sub.wait(timeout=30) == 0, sub.report()
            finally:
                second.stop()
        finally:
            sub.stop()
    finally:
        first.stop()
    sub.show()
    assert sub.lines() == ["phone.notify before restart", "phone.notify after restart"]


def test_subscriber_with_a_token(tmp_path, classes):
    server = Server(tmp_path, args=["--auth-token", "android-secret"]).start()
    try:
        sub = subscriber(tmp_path, classes, server.port, "--count", 1, "phone.>",
                         env={"LINECAST_TOKEN": "android-secret"})
        sub.wait_err("subscriber: subscribed", timeout=30)
        assert server.publish("phone.notify", "hello", token="android-secret") == 1
        assert sub.wait(timeout=30) == 0, sub.report()
        assert sub.lines() == ["phone.notify hello"]
    finally:
        server.stop()


def test_over_tls_with_a_device_jwt(tmp_path, classes, tls_jwt_server, dev_cert):
    """SSLSocket with the development certificate's CA (--cacert), host name
    verified, a JWT as the token."""
    cert, _ = dev_cert
    device = mint_device_token("phone-1", JWT_SECRET, subscribe=["room1.>"])
    sub = subscriber(tmp_path, classes, tls_jwt_server.port, "--host", "localhost", "--cacert", cert,
                     "--count", 1, "room1.>", env={"LINECAST_TOKEN": device}, name="java-subscriber-tls")
    sub.wait_err("subscriber: subscribed room1.>")
    backend = mint_device_token("django", JWT_SECRET, publish=[">"])
    assert linecast_publish("room1.tv.volume", "11", url=f"https://localhost:{tls_jwt_server.http_port}",
                            token=backend, cafile=cert) == 1
    assert sub.wait(timeout=30) == 0, sub.report()
    assert sub.lines() == ["room1.tv.volume 11"]


def test_over_tls_checks_the_host_name(tmp_path, classes):
    # A certificate the client trusts, for another name than the one it dialled.
    cert, key = make_cert(tmp_path, name="hub.example.com", alt_names="DNS:hub.example.com")
    server = start_tls_jwt_server(tmp_path, cert, key)
    try:
        sub = subscriber(tmp_path, classes, server.port, "--host", "localhost", "--cacert", cert,
                         "room1.>", name="java-subscriber-wrong-name")
        sub.wait_err("No subject alternative DNS name matching localhost found")
        sub.stop()
    finally:
        server.stop()
