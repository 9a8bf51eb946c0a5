#!/usr/bin/env python3
"""A Raspberry Pi that drives a TV over MQTT 3.1.1 (linecast with
--mqtt-port, or any MQTT broker), with Debian's paho-mqtt 1.6
(apt install python3-paho-mqtt).

    python3 mqtt_raspberry_pi.py                        # 127.0.0.1:1883, room1
    python3 mqtt_raspberry_pi.py --host 192.168.1.10 --room living
    python3 mqtt_raspberry_pi.py --tls --cacert dev-cert.pem --host localhost

It subscribes to <room>/tv/# at QoS 1 with a persistent session (clean
session 0, a fixed client id): commands sent while the Pi was off (a
reboot, a Wi-Fi drop) are kept by the broker and delivered when it comes
back. A command is a message on <room>/tv/<setting> (volume, power, input):

    mosquitto_pub -q 1 -t room1/tv/volume -m 42
    curl -d 42 http://127.0.0.1:7401/pub/room1.tv.volume     # the same through linecast's HTTP API

After each command it publishes its whole state, retained, on
<room>/tv/state as JSON, so an app that opens later gets the TV's state at
once. <room>/tv/online is "1" (retained) while it is connected and "0"
when it stops, or, through the will message, when its connection is lost.
Username and password come from MQTT_USERNAME and MQTT_PASSWORD.

Replace apply() with what the device should do (an IR blaster, HDMI-CEC).
Status lines go to stderr; each applied command to stdout.
"""

import argparse
import json
import os
import signal
import socket
import sys
import threading

import paho.mqtt.client as mqtt

SETTINGS = {"volume": "20", "power": "off", "input": "hdmi1"}


def log(text):
    print(f"mqtt_raspberry_pi: {text}", file=sys.stderr, flush=True)


def apply(setting, value):
    """Where the Pi acts on the TV; here it only prints."""
    print(f"{setting}={value}", flush=True)


class TV:
    def __init__(self, client, room, count):
        self.client = client
        self.room = room
        self.state = dict(SETTINGS)
        self.remaining = count  # None: run for ever
        self.done = threading.Event()

    def on_connect(self, client, userdata, flags, rc):
        if rc != 0:
            log(f"connection refused: {mqtt.connack_string(rc)}")
            return
        present = flags.get("session present", 0)
        log(f"connected (session present: {present})")
        client.publish(f"{self.room}/tv/online", "1", qos=1, retain=True)
        # A persistent session keeps its subscriptions; subscribe only when
        # the broker has none for us (first run, or the broker lost it).
        if not present:
            client.subscribe(f"{self.room}/tv/#", qos=1)
        else:
            log(f"subscribed {self.room}/tv/# (kept by the session)")
        self.publish_state()

    def on_subscribe(self, client, userdata, mid, granted):
        if granted[0] == 0x80:
            log(f"subscription to {self.room}/tv/# refused")
            client.disconnect()
            return
        log(f"subscribed {self.room}/tv/# (granted QoS {granted[0]})")

    def on_message(self, client, userdata, message):
        setting = message.topic[len(f"{self.room}/tv/"):]
        if setting not in SETTINGS:
            return  # our own state and online flag, or another device's topics
        value = message.payload.decode("utf-8", "replace").strip()
        if message.retain or not value:
            return  # a command left retained by mistake is not replayed
        self.state[setting] = value
        apply(setting, value)
        self.publish_state()
        if self.remaining is not None:
            self.remaining -= 1
            if self.remaining == 0:
                self.done.set()

    def publish_state(self):
        self.client.publish(f"{self.room}/tv/state", json.dumps(self.state, sort_keys=True), qos=1,
                            retain=True)

    def stop(self):
        """The last word before a clean DISCONNECT (which discards the will).
        Its PUBACK means the broker has everything published before it (the
        last state too): only then DISCONNECT, which would drop what is
        still unsent."""
        info = self.client.publish(f"{self.room}/tv/online", "0", qos=1, retain=True)
        try:
            info.wait_for_publish(5)
        except (ValueError, RuntimeError):
            pass  # not connected: the will says it instead
        self.client.disconnect()

    def on_disconnect(self, client, userdata, rc):
        if rc != 0:
            log("connection lost; reconnecting")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=1883)
    p.add_argument("--room", default="room1")
    p.add_argument("--client-id", default=f"pi-{socket.gethostname()}",
                   help="fixed, so that the broker keeps this Pi's session")
    p.add_argument("--tls", action="store_true", help="connect with TLS")
    p.add_argument("--cacert", help="CA file for a development certificate (implies --tls)")
    p.add_argument("--count", type=int, help="exit after this many commands (tests)")
    args = p.parse_args()

    client = mqtt.Client(client_id=args.client_id, clean_session=False, protocol=mqtt.MQTTv311)
    tv = TV(client, args.room, args.count)
    client.on_connect = tv.on_connect
    client.on_subscribe = tv.on_subscribe
    client.on_message = tv.on_message
    client.on_disconnect = tv.on_disconnect
    client.will_set(f"{args.room}/tv/online", "0", qos=1, retain=True)
    if os.environ.get("MQTT_USERNAME"):
        client.username_pw_set(os.environ["MQTT_USERNAME"], os.environ.get("MQTT_PASSWORD"))
    if args.tls or args.cacert:
        client.tls_set(ca_certs=args.cacert)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    # paho's network loop runs on its own thread (the callbacks above run
    # there); the main thread waits for a signal or the last command.
    signal.signal(signal.SIGTERM, lambda *_: tv.done.set())
    signal.signal(signal.SIGINT, lambda *_: tv.done.set())
    # connect_async: the loop makes the first connection too, and keeps
    # retrying it while the broker is not up yet (the Pi boots first).
    client.connect_async(args.host, args.port, keepalive=30)
    client.loop_start()
    tv.done.wait()
    tv.stop()
    client.loop_stop()
    log("stopped")


if __name__ == "__main__":
    main()
