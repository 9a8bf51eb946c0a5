"""Debian's mosquitto_pub and mosquitto_sub (mosquitto-clients) against the
broker: -q 0/1/2, -r (retain), -n (clear), -k (keep-alive), -c (persistent
session), -V mqttv311."""

import shutil
import subprocess
import time

import pytest

from harness import Proc

V311 = ["-V", "mqttv311"]


@pytest.fixture(autouse=True)
def clients_installed():
    if not shutil.which("mosquitto_pub") or not shutil.which("mosquitto_sub"):
        pytest.fail("mosquitto_pub and mosquitto_sub are required: tools/setup.sh installs mosquitto-clients")


def pub(broker, *args):
    r = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), *V311, *args],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


def sub(broker, tmp_path, *args, name="mosquitto_sub"):
    """A background mosquitto_sub printing '<retain> <qos> <topic> <payload>' lines."""
    return Proc(tmp_path, name, ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), *V311,
                                 "-F", "%r %q %t %p", *args])


def wait_subscribed(broker, s, topic):
    """mosquitto_sub prints nothing when subscribed: publish a probe at QoS 1
    until it shows up."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        pub(broker, "-q", "1", "-t", topic, "-m", "probe")
        time.sleep(0.2)
        if any(line.endswith("probe") for line in s.lines()):
            return
        assert s.proc.poll() is None, s.report()
    raise AssertionError(f"mosquitto_sub never subscribed:\n{s.report()}")


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_pub_and_sub_at_each_qos(broker, tmp_path, qos):
    s = sub(broker, tmp_path, "-q", str(qos), "-t", "cli/#")
    wait_subscribed(broker, s, "cli/probe")
    for i in range(5):
        pub(broker, "-q", str(qos), "-t", "cli/tv/volume", "-m", f"v{i}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and sum("cli/tv/volume" in x for x in s.lines()) < 5:
        time.sleep(0.05)
    s.stop()
    got = [x for x in s.lines() if "cli/tv/volume" in x]
    assert got == [f"0 {qos} cli/tv/volume v{i}" for i in range(5)], s.report()


def test_lines_from_stdin(broker, tmp_path):
    s = sub(broker, tmp_path, "-q", "1", "-t", "lines/t", "-C", "4")
    wait_subscribed(broker, s, "lines/t")
    r = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), *V311, "-q", "1",
                        "-t", "lines/t", "-l"], input="a\nb\nc\n", capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    assert s.wait(20) == 0, s.report()
    assert s.lines() == ["0 1 lines/t probe", "0 1 lines/t a", "0 1 lines/t b", "0 1 lines/t c"]


def test_retained_with_r_and_cleared_with_n(broker, tmp_path):
    pub(broker, "-q", "1", "-r", "-t", "cli/tv/power", "-m", "on")
    s = sub(broker, tmp_path, "-q", "1", "-t", "cli/tv/power", "-C", "1")
    assert s.wait(20) == 0, s.report()
    assert s.lines() == ["1 1 cli/tv/power on"]
    pub(broker, "-q", "1", "-r", "-t", "cli/tv/power", "-n")
    # -W 2: a subscriber that gets nothing exits after 2 s with code 27.
    r = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), *V311, "-t",
                        "cli/tv/power", "-C", "1", "-W", "2"], capture_output=True, text=True, timeout=30)
    assert r.stdout == "", r.stdout


def test_keepalive_k_keeps_an_idle_subscriber(broker, tmp_path):
    """-k 5 (its minimum): the client pings; after 8 idle seconds (over
    1.5 x 5) it still receives."""
    s = sub(broker, tmp_path, "-k", "5", "-q", "1", "-t", "idle/t", "-C", "2")
    wait_subscribed(broker, s, "idle/t")
    time.sleep(8)
    pub(broker, "-q", "1", "-t", "idle/t", "-m", "late")
    assert s.wait(20) == 0, s.report()
    assert s.lines()[-1] == "0 1 idle/t late"


def test_persistent_session_with_c(broker, tmp_path):
    """-c -i: a persistent session that gets what was published while it
    was away."""
    args = ["-c", "-i", "cli-dev", "-q", "1", "-t", "away/t"]
    first = sub(broker, tmp_path, *args, "-C", "1", name="first")
    wait_subscribed(broker, first, "away/t")
    assert first.wait(20) == 0, first.report()
    pub(broker, "-q", "1", "-t", "away/t", "-m", "while away")
    second = sub(broker, tmp_path, *args, "-C", "1", name="second")
    assert second.wait(20) == 0, second.report()
    assert second.lines() == ["0 1 away/t while away"]
