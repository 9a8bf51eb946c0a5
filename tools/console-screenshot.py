#!/usr/bin/python3
"""Redoes docs/console.png, the console page's screenshot in the README: starts
linecast-server on free loopback ports, connects a few plain-TCP subscribers,
publishes sample traffic over HTTP for a bounded time, and saves a 1280x800
screenshot of http://127.0.0.1:<http-port>/ from headless Chromium.

    tools/console-screenshot.py [--server build/release/broker/linecast-server]
                                [--seconds 45] [--out docs/console.png]

Needs Debian's chromium, chromium-driver and python3-selenium (tools/setup.sh),
and /usr/bin/python3 (Debian's selenium)."""

import argparse
import json
import math
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "examples"))
sys.path.insert(0, str(REPO / "tests" / "browser"))

from browser import js, start_chromium, stop_chromium, wait_js  # noqa: E402
from harness import Server, http_publish  # noqa: E402

# (channel, payload) samples, cycled through.
SAMPLES = [
    ("home.livingroom.temperature", "21.{n}"),
    ("home.kitchen.light", "on"),
    ("room1.tv.volume", "{n}"),
    ("home.hall.motion", '{{"detected":true,"zone":"hall","seq":{n}}}'),
    ("room1.tv.input", "hdmi2"),
    ("home.kitchen.light", "off"),
    ("home.garden.humidity", "6{n}%"),
    ("room1.lamp.brightness", "0.{n}"),
]


class Traffic(threading.Thread):
    """Publishes SAMPLES over HTTP at a rate that swells and ebbs (so that the
    chart has a shape) until stop() or `seconds`, at most 20,000 messages."""

    def __init__(self, http_url, seconds):
        super().__init__(daemon=True)
        self.http_url = http_url
        self.seconds = seconds
        self.sent = 0
        self.done = threading.Event()

    def run(self):
        start = time.monotonic()
        while not self.done.is_set() and time.monotonic() - start < self.seconds and self.sent < 20000:
            rate = 6 + 5 * math.sin((time.monotonic() - start) / 6)
            channel, payload = SAMPLES[self.sent % len(SAMPLES)]
            http_publish(self.http_url, channel, payload.format(n=self.sent % 10) + "\n")
            self.sent += 1
            self.done.wait(1 / rate)

    def stop(self):
        self.done.set()
        self.join(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", help="linecast-server (default: $LINECAST_SERVER or build/release)")
    parser.add_argument("--seconds", type=float, default=45, help="traffic before the screenshot (5 to 120)")
    parser.add_argument("--out", default=str(REPO / "docs" / "console.png"))
    args = parser.parse_args()
    if args.server:
        os.environ["LINECAST_SERVER"] = args.server
    seconds = min(max(args.seconds, 5), 120)

    with tempfile.TemporaryDirectory(prefix="console-shot-") as tmp:
        server = Server(tmp).start()
        driver = None
        traffic = None
        subscribers = []
        try:
            # Three devices subscribed over TCP: delivered/s runs above published/s.
            for pattern in ("home.>", "room1.>", ">"):
                s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
                s.sendall(f"SUB {pattern}\n".encode())
                subscribers.append(s)

            driver = start_chromium(Path(tmp) / "profile")
            # The viewport itself 1280x800, whatever the window's frame takes.
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
            driver.get(f"{server.http_url}/?sub=home.>&sub=room1.tv.*")
            wait_js(driver, "window.linecastConsole.state === 'open'", what="the console to connect")

            # Traffic in a thread, still flowing when the screenshot is taken.
            traffic = Traffic(server.http_url, seconds + 10)
            traffic.start()
            time.sleep(seconds)
            # One from the page's own form, left filled in.
            js(driver, """
                document.getElementById('pub-channel').value = 'room1.tv.volume';
                document.getElementById('pub-payload').value = '35';
                document.getElementById('pub-button').click();
                document.activeElement.blur();""")
            wait_js(driver, "document.getElementById('pub-note').textContent.startsWith('published')",
                    what="the page's publish")
            time.sleep(1.5)   # one more /stats sample
            out = Path(args.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(out))
            problems = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
            traffic.stop()
            print(f"{out}: {out.stat().st_size} bytes; {traffic.sent} messages published; "
                  f"console log problems: {json.dumps(problems) if problems else 'none'}")
            return 1 if problems else 0
        finally:
            if traffic is not None:
                traffic.stop()
            if driver is not None:
                stop_chromium(driver)
            for s in subscribers:
                s.close()
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
