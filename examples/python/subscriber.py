#!/usr/bin/env python3
"""A linecast subscriber the way a Raspberry Pi script would write it: a plain
socket, makefile().readline(), and a reconnect loop with back-off. Standard
library only.

    python3 subscriber.py 'room1.>'                 # print "channel payload" lines
    python3 subscriber.py --host 192.168.1.10 room1.tv.volume
    LINECAST_TOKEN=... python3 subscriber.py 'room1.>'
    python3 subscriber.py --tls --host hub.example.com --token-file device.jwt 'room1.>'

With --tls the connection is TLS, verified against the system's CAs (or
--cacert FILE, for a development certificate). A device's JWT (minted by
the backend: django_device_token.py) goes in --token-file; the file is read
again at every reconnect, so whatever refreshes it before the token expires
keeps the device connected.

Replace on_message() with what the device should do (switch a relay, set a
volume). Status lines go to stderr; messages to stdout.
"""

import argparse
import os
import random
import socket
import ssl
import sys
import time


def on_message(channel, payload):
    print(channel, payload, flush=True)


class AuthError(Exception):
    """The server refused the token: retrying will not help."""


class TokenExpired(Exception):
    """The token expired on a live connection: reconnect with a fresh one."""


class RefusedError(Exception):
    """The server refused a pattern: retrying will not help."""


def log(text):
    print(f"subscriber: {text}", file=sys.stderr, flush=True)


def session(host, port, patterns, token, deliver, tls=None):
    """One connection: subscribe, then hand each message to deliver(channel,
    payload) until deliver returns False. Raises OSError when the connection
    fails or closes. tls: an ssl.SSLContext, or None for plaintext."""
    sock = socket.create_connection((host, port), timeout=10)
    if tls is not None:
        try:
            sock = tls.wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise
    try:
        # A dead Wi-Fi link is noticed by keepalive instead of hanging for ever.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        reader = sock.makefile("rb")
        if token:
            sock.sendall(f"AUTH {token}\n".encode())
        # PING is a barrier: when PONG is back, the subscription is active.
        sock.sendall(("SUB " + " ".join(patterns) + "\nPING ready\n").encode())
        while True:
            line = reader.readline()
            if not line:
                raise OSError("connection closed by the server")
            line = line.rstrip(b"\n").decode("utf-8", "replace")
            if line == "PONG ready":
                break
            if line.startswith("-ERR"):
                raise AuthError(line) if "authentication" in line else RefusedError(line)
        log(f"subscribed to {' '.join(patterns)} on {host}:{port}")
        sock.settimeout(None)  # a subscriber may hear nothing for hours
        while True:
            line = reader.readline()
            if not line:
                raise OSError("connection closed by the server")
            line = line.rstrip(b"\n").decode("utf-8", "replace")
            if line.startswith("MSG "):
                _, channel, payload = line.split(" ", 2)
                if not deliver(channel, payload):
                    return
            elif line == "-ERR token expired":
                raise TokenExpired(line)
            elif line.startswith("-ERR"):
                log(f"server: {line}")  # e.g. "-ERR slow consumer"; the server closes next
    finally:
        sock.close()


def run(host, port, patterns, token=None, on_message=on_message, max_messages=None,
        min_backoff=0.5, max_backoff=30.0, tls=None, token_file=None):
    """Subscribes and reconnects for ever (or until max_messages arrived).
    The wait doubles after each failure, up to max_backoff, with jitter so
    that a fleet of devices does not reconnect in lock step. token_file,
    when given, is read at every connect (a JWT refreshed on disk)."""
    delivered = 0

    def deliver(channel, payload):
        nonlocal delivered
        on_message(channel, payload)
        delivered += 1
        return max_messages is None or delivered < max_messages

    backoff = min_backoff
    while max_messages is None or delivered < max_messages:
        started = time.monotonic()
        try:
            if token_file:
                with open(token_file, encoding="utf-8") as f:
                    token = f.read().strip()
            session(host, port, patterns, token, deliver, tls)
            continue
        except TokenExpired as e:
            log(f"{e}: reconnecting with the token file's current token")
            continue
        except AuthError as e:
            log(f"{e}: check the token")
            return 4
        except RefusedError as e:
            log(f"{e}: check the patterns")
            return 1
        except ssl.SSLCertVerificationError as e:
            log(f"{e.verify_message}: check --cacert and the host name")
            return 5
        except OSError as e:
            log(f"connection to {host}:{port} lost: {e}")
        if time.monotonic() - started > max_backoff:
            backoff = min_backoff  # it was up for a while: start over
        wait = backoff * random.uniform(0.5, 1.0)
        log(f"reconnecting in {wait:.1f}s")
        time.sleep(wait)
        backoff = min(backoff * 2, max_backoff)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("patterns", nargs="+", metavar="PATTERN")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7400)
    parser.add_argument("--count", type=int, help="exit after this many messages")
    parser.add_argument("--min-backoff", type=float, default=0.5)
    parser.add_argument("--max-backoff", type=float, default=30.0)
    parser.add_argument("--tls", action="store_true", help="connect with TLS")
    parser.add_argument("--cacert", help="trust this CA file instead of the system's (implies --tls)")
    parser.add_argument("--token-file", help="read the token (a JWT) from this file at every connect")
    args = parser.parse_args()
    tls = None
    if args.tls or args.cacert:
        tls = ssl.create_default_context(cafile=args.cacert)
    try:
        return run(args.host, args.port, args.patterns, os.environ.get("LINECAST_TOKEN"),
                   max_messages=args.count, min_backoff=args.min_backoff,
                   max_backoff=args.max_backoff, tls=tls, token_file=args.token_file)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
