"""examples/csharp (LinecastClient.cs + Program.cs) compiled with Debian's mcs
and run with mono against the real server. Messages are published over HTTP."""

import shutil
import subprocess

import pytest

from conftest import JWT_SECRET
from harness import EXAMPLES, Proc, Server, cli_binary, free_port, load_example

mint_device_token = load_example("django_device_token").mint_device_token
linecast_publish = load_example("django_publish").linecast_publish

CSHARP = EXAMPLES / "csharp"


@pytest.fixture(scope="module")
def demo_exe(tmp_path_factory):
    if not shutil.which("mcs") or not shutil.which("mono"):
        pytest.fail("mcs and mono are required: tools/setup.sh installs mono-mcs and mono-runtime")
    exe = tmp_path_factory.mktemp("csharp") / "linecast-demo.exe"
    r = subprocess.run(["mcs", "-warnaserror", f"-out:{exe}", str(CSHARP / "LinecastClient.cs"),
                        str(CSHARP / "Program.cs")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return exe


def demo(tmp_path, exe, port, *args, name="csharp-demo", env=None):
    return Proc(tmp_path, name, ["mono", str(exe), "--port", str(port), "--seconds", "60",
                                 *map(str, args)], env=env)


def test_console_program_receives_and_publishes(tmp_path, server, demo_exe):
    acks = Proc(tmp_path, "ack-sub", [cli_binary(), "--port", str(server.port), "sub", "-n", "3",
                                      "room1.ack"])
    acks.wait_err("subscribed to")
    unity = demo(tmp_path, demo_exe, server.port, "--count", 3, "--ack", "room1.ack",
                 "room1.*.volume", "room1.lights")
    unity.wait_err("linecast: subscribed room1.*.volume room1.lights")
    assert server.publish("room1.tv.volume", "42", "ünïcode ✓") == 2
    assert server.publish("room1.lights", "off") == 1
    assert unity.wait(timeout=30) == 0, unity.report()
    assert acks.wait(timeout=10) == 0, acks.report()
    unity.show()
    acks.show()
    assert unity.lines() == ["room1.tv.volume 42", "room1.tv.volume ünïcode ✓", "room1.lights off"], \
        unity.report()
    assert acks.lines() == ["ack 42", "ack ünïcode ✓", "ack off"], acks.report()


def test_reconnects_after_a_server_restart(tmp_path, demo_exe):
    port, http_port = free_port(), free_port()
    first = Server(tmp_path, port=port, http_port=http_port).start()
    try:
        unity = demo(tmp_path, demo_exe, port, "--count", 2, "--backoff", "0.1", "room1.tv.volume",
                     name="csharp-demo-reconnect")
        try:
            unity.wait_err("linecast: subscribed")
            assert first.publish("room1.tv.volume", "before restart") == 1
            unity.wait_lines(1)
            first.stop()
            unity.wait_err("linecast: reconnecting in")
            second = Server(tmp_path, port=port, http_port=http_port).start()
            try:
                unity.wait_err("linecast: subscribed", count=2)
                assert second.publish("room1.tv.volume", "after restart") == 1
                assert unity.wait(timeout=30) == 0, unity.report()
            finally:
                second.stop()
        finally:
            unity.stop()
    finally:
        first.stop()
    unity.show()
    assert unity.lines() == ["room1.tv.volume before restart", "room1.tv.volume after restart"]
    assert "linecast: disconnected: connection closed by the server" in unity.err


def test_with_a_token(tmp_path, demo_exe):
    server = Server(tmp_path, args=["--auth-token", "unity-secret"]).start()
    try:
        unity = demo(tmp_path, demo_exe, server.port, "--count", 1, "game.>",
                     env={"LINECAST_TOKEN": "unity-secret"})
        unity.wait_err("linecast: subscribed game.>")
        assert server.publish("game.door", "open", token="unity-secret") == 1
        assert unity.wait(timeout=30) == 0, unity.report()
        assert unity.lines() == ["game.door open"]
    finally:
        server.stop()


def test_over_tls_with_a_device_jwt(tmp_path, demo_exe, tls_jwt_server_rsa, dev_cert_rsa):
    """SslStream against a development certificate (--cacert; RSA, which
    Debian's mono can read), a JWT as the token; the backend publishes over
    HTTPS with its own JWT."""
    cert, _ = dev_cert_rsa
    server = tls_jwt_server_rsa
    device = mint_device_token("unity-1", JWT_SECRET, subscribe=["game.>"], publish=["game.ack"])
    unity = demo(tmp_path, demo_exe, server.port, "--host", "localhost", "--cacert", cert,
                 "--count", 1, "game.>", env={"LINECAST_TOKEN": device}, name="csharp-demo-tls")
    unity.wait_err("linecast: subscribed game.>")
    backend = mint_device_token("django", JWT_SECRET, publish=[">"])
    assert linecast_publish("game.door", "open", url=f"https://localhost:{server.http_port}",
                            token=backend, cafile=cert) == 1
    assert unity.wait(timeout=30) == 0, unity.report()
    assert unity.lines() == ["game.door open"]


def test_over_tls_refuses_an_untrusted_server(tmp_path, demo_exe, tls_jwt_server_rsa):
    unity = demo(tmp_path, demo_exe, tls_jwt_server_rsa.port, "--host", "localhost", "--tls", "--seconds", 3,
                 "--count", 1, "game.>", name="csharp-demo-untrusted")
    assert unity.wait(timeout=30) == 1, unity.report()
    assert "linecast: disconnected:" in unity.err
    assert "linecast: subscribed" not in unity.err
