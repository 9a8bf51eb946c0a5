"""The MQTT examples (examples/python/mqtt_raspberry_pi.py,
examples/java/MqttRemote.java, examples/node/mqtt_remote.js) against
linecast-server --mqtt-port and, as a reference, a real Mosquitto. Against
linecast the commands come through the HTTP API, as a backend sends them.
The brokers are tests/mqtt's."""

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness import EXAMPLES, Proc, http_publish

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mqtt"))

from brokers import BROKERS, start_broker  # noqa: E402
from paho_client import Client, close_clients  # noqa: E402

PI = EXAMPLES / "python" / "mqtt_raspberry_pi.py"
JAVA = EXAMPLES / "java"
NODE = EXAMPLES / "node" / "mqtt_remote.js"
FUSESOURCE = ["mqtt-client.jar", "hawtdispatch-transport.jar", "hawtdispatch.jar", "hawtbuf.jar"]


@pytest.fixture(params=BROKERS)
def broker(request, tmp_path):
    b = start_broker(request.param, tmp_path)
    yield b
    close_clients()
    b.stop()


def pi(tmp_path, broker, *args, name="pi"):
    return Proc(tmp_path, name, ["/usr/bin/python3", str(PI), "--port", str(broker.port),
                                 "--client-id", "pi-test", *map(str, args)])


def command(broker, setting, value):
    """A command as the backend sends it: HTTP through linecast, MQTT on
    Mosquitto."""
    if broker.kind == "linecast":
        assert http_publish(f"http://127.0.0.1:{broker.http_port}", f"room1.tv.{setting}", value + "\n") == 1
    else:
        Client(broker).publish(f"room1/tv/{setting}", value.encode(), qos=1)


def retained(broker, topic):
    c = Client(broker)
    c.subscribe((topic, 1))
    m = c.get()
    assert m.retain
    c.close()
    return m.payload.decode()


def test_pi_applies_commands_and_retains_its_state(tmp_path, broker):
    p = pi(tmp_path, broker, "--count", 2)
    p.wait_err("subscribed room1/tv/# (granted QoS 1)")
    command(broker, "volume", "42")
    command(broker, "power", "on")
    assert p.wait(20) == 0, p.report()
    p.show()
    assert p.lines() == ["volume=42", "power=on"]
    assert json.loads(retained(broker, "room1/tv/state")) == {"volume": "42", "power": "on", "input": "hdmi1"}
    assert retained(broker, "room1/tv/online") == "0"


def test_pi_gets_the_commands_sent_while_it_was_off(tmp_path, broker):
    first = pi(tmp_path, broker, name="pi-first")
    first.wait_err("subscribed room1/tv/# (granted QoS 1)")
    assert first.stop() == 0, first.report()
    command(broker, "input", "hdmi2")
    command(broker, "volume", "7")
    again = pi(tmp_path, broker, "--count", 2, name="pi-again")
    assert again.wait(20) == 0, again.report()
    assert "connected (session present: 1)" in again.err
    assert "subscribed room1/tv/# (kept by the session)" in again.err
    assert again.lines() == ["input=hdmi2", "volume=7"]


def test_pi_will_says_offline_when_the_pi_dies(tmp_path, broker):
    watcher = Client(broker)
    watcher.subscribe(("room1/tv/online", 1))
    p = pi(tmp_path, broker, name="pi-killed")
    p.wait_err("subscribed room1/tv/#")
    assert watcher.get().payload == b"1"
    p.proc.send_signal(signal.SIGKILL)
    p.wait(10)
    m = watcher.get(10)
    assert m.payload == b"0"


def test_pi_ignores_what_is_not_a_command(tmp_path, broker):
    """Unknown settings and retained commands are ignored; the Pi's own state
    and online topics, under the same room1/tv/#, do not loop."""
    p = pi(tmp_path, broker, "--count", 1, name="pi-ignores")
    p.wait_err("subscribed room1/tv/# (granted QoS 1)")
    Client(broker).publish("room1/tv/brightness", b"9", qos=1)
    command(broker, "power", "on")
    assert p.wait(20) == 0, p.report()
    assert p.lines() == ["power=on"]


@pytest.fixture(scope="module")
def java_classes(tmp_path_factory):
    if not shutil.which("javac"):
        pytest.fail("javac is required: tools/setup.sh installs openjdk-17-jdk-headless")
    classpath = java_classpath()
    out = tmp_path_factory.mktemp("java-mqtt")
    r = subprocess.run(["javac", "-Xlint:all", "-Werror", "-cp", classpath, "-d", str(out),
                        str(JAVA / "MqttRemote.java")], capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    return f"{out}:{classpath}"


def java_classpath():
    jars = [Path("/usr/share/java") / j for j in FUSESOURCE]
    missing = [str(j) for j in jars if not j.exists()]
    if missing:
        pytest.fail(f"{missing} missing: tools/setup.sh installs libmqtt-client-java")
    return ":".join(map(str, jars))


def test_java_remote_drives_the_pi(tmp_path, broker, java_classes):
    """The phone (MqttRemote.java, fusesource client) sets the volume; the Pi
    applies it; the phone prints the state the Pi published."""
    p = pi(tmp_path, broker, "--count", 1)
    p.wait_err("subscribed room1/tv/# (granted QoS 1)")
    phone = Proc(tmp_path, "java-remote", ["java", "-cp", java_classes, "MqttRemote", "--port", str(broker.port),
                                           "--set", "volume=33", "--wait-for", "volume=33"])
    assert phone.wait(60) == 0, phone.report()
    assert p.wait(20) == 0, p.report()
    phone.show()
    assert p.lines() == ["volume=33"]
    state = [json.loads(line) for line in phone.lines()]
    assert state[-1] == {"volume": "33", "power": "off", "input": "hdmi1"}
    assert "remote: subscribed room1/tv/state" in phone.err


def test_java_remote_reads_the_retained_state(tmp_path, broker, java_classes):
    Client(broker).publish("room1/tv/state", b'{"input": "tv", "power": "on", "volume": "5"}', qos=1, retain=True)
    phone = Proc(tmp_path, "java-remote-state", ["java", "-cp", java_classes, "MqttRemote", "--port",
                                                 str(broker.port), "--wait-for", "power=on"])
    assert phone.wait(60) == 0, phone.report()
    assert json.loads(phone.lines()[0]) == {"input": "tv", "power": "on", "volume": "5"}


def node_available():
    return shutil.which("node") and Path("/usr/share/nodejs/mqtt").exists()


def test_node_remote_drives_the_pi(tmp_path, broker):
    if not node_available():
        pytest.fail("node and node-mqtt are required: tools/setup.sh installs nodejs and node-mqtt")
    p = pi(tmp_path, broker, "--count", 1)
    p.wait_err("subscribed room1/tv/# (granted QoS 1)")
    # Debian's node-mqtt lives in /usr/share/nodejs, which a node that is
    # not Debian's does not search.
    remote = Proc(tmp_path, "node-remote", ["node", str(NODE), "--port", str(broker.port), "--set", "power=on",
                                            "--wait-for", "power=on"], env={"NODE_PATH": "/usr/share/nodejs"})
    assert remote.wait(30) == 0, remote.report()
    assert p.wait(20) == 0, p.report()
    remote.show()
    assert p.lines() == ["power=on"]
    assert json.loads(remote.lines()[-1]) == {"volume": "20", "power": "on", "input": "hdmi1"}
