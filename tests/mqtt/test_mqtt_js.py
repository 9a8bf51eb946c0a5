"""linecast only: mqtt.js, the client browsers use, speaks MQTT over
WebSocket to GET /mqtt (README: ws://host:<http-port>/mqtt). Runs Node with
Debian's node-mqtt; skipped when either is missing."""

import os
import shutil
import subprocess

import pytest

from brokers import start_broker
from paho_client import close_clients

NODE_PATH = "/usr/share/nodejs"
SCRIPT = os.path.join(os.path.dirname(__file__), "mqtt_js_over_websocket.js")


@pytest.fixture
def linecast(tmp_path):
    b = start_broker("linecast", tmp_path)
    yield b
    close_clients()
    b.stop()


def test_mqtt_js_over_websocket(linecast):
    if shutil.which("node") is None or not os.path.isdir(os.path.join(NODE_PATH, "mqtt")):
        pytest.skip("node or node-mqtt not installed")
    env = dict(os.environ, NODE_PATH=NODE_PATH)
    url = f"ws://127.0.0.1:{linecast.http_port}/mqtt"
    done = subprocess.run(["node", SCRIPT, url], env=env, capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "GOT browser/hello from mqtt.js"
