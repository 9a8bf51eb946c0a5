#!/usr/bin/env python3
"""A linecast subscriber over WebSocket (GET /ws on the HTTP port), with the
asyncio API of python3-websockets as Debian 12 ships it (10.4).

    python3 ws_client.py 'room1.>'                          # ws://127.0.0.1:7401/ws
    python3 ws_client.py --token T 'room1.>' 'alerts.*'     # or LINECAST_TOKEN=T
    python3 ws_client.py --url wss://hub.example.com:7401/ws --cacert ca.pem 'room1.>'

Each WebSocket message it sends holds lines of the line protocol; each line
the server sends ("MSG <channel> <payload>", "PONG", "-ERR ...") arrives as
one message. Messages go to stdout as "channel payload"; status lines to
stderr. It reconnects with capped, jittered back-off and subscribes again.
The token travels as ?token= (what a browser must do too); a wrong one is
refused with HTTP 401 at the upgrade.
"""

import argparse
import asyncio
import os
import random
import ssl
import sys
import time
import urllib.parse

import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatusCode


class Refused(Exception):
    """The server refused the token or a pattern: retrying will not help."""


def log(text):
    print(f"ws_client: {text}", file=sys.stderr, flush=True)


def with_token(url, token):
    if not token:
        return url
    return url + ("&" if "?" in url else "?") + "token=" + urllib.parse.quote(token, safe="")


async def session(url, patterns, deliver, tls):
    """One connection: SUB, PING as a barrier, then deliver(channel, payload)
    for each message until it returns False."""
    async with websockets.connect(url, ssl=tls, open_timeout=10, ping_interval=20,
                                  ping_timeout=20, max_size=None) as ws:
        await ws.send("SUB " + " ".join(patterns) + "\nPING ready")   # one message, two lines
        subscribed = False
        async for message in ws:
            line = message if isinstance(message, str) else message.decode("utf-8", "replace")
            if line.startswith("MSG "):
                channel, _, payload = line[4:].partition(" ")   # the payload may hold spaces
                if not deliver(channel, payload):
                    return
            elif line == "PONG ready" and not subscribed:
                subscribed = True
                log(f"subscribed to {' '.join(patterns)}")
            elif line.startswith("-ERR"):
                if not subscribed:
                    raise Refused(line)   # an invalid pattern, or not allowed
                log(f"server: {line}")    # e.g. "-ERR slow consumer"; a close follows
        raise ConnectionError(f"closed by the server (code {ws.close_code})")


async def run(url, patterns, max_messages=None, min_backoff=0.5, max_backoff=30.0, tls=None,
              on_message=lambda channel, payload: print(channel, payload, flush=True)):
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
            await session(url, patterns, deliver, tls)
            continue
        except InvalidStatusCode as e:
            if e.status_code in (401, 403):
                log(f"the server refused the upgrade with {e.status_code}: check the token")
                return 4
            log(f"upgrade refused with {e.status_code}")
        except Refused as e:
            log(f"{e}: check the patterns")
            return 1
        except ssl.SSLCertVerificationError as e:
            log(f"{e.verify_message}: check --cacert and the host name")
            return 5
        except (OSError, ConnectionClosed, ConnectionError, asyncio.TimeoutError) as e:
            log(f"connection lost: {e or type(e).__name__}")
        if time.monotonic() - started > max_backoff:
            backoff = min_backoff   # it was up for a while: start over
        wait = backoff * random.uniform(0.5, 1.0)
        log(f"reconnecting in {wait:.1f}s")
        await asyncio.sleep(wait)
        backoff = min(backoff * 2, max_backoff)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("patterns", nargs="+", metavar="PATTERN")
    parser.add_argument("--url", default="ws://127.0.0.1:7401/ws")
    parser.add_argument("--token", default=os.environ.get("LINECAST_TOKEN"),
                        help="sent as ?token= (default: $LINECAST_TOKEN)")
    parser.add_argument("--cacert", help="for wss://: trust this CA file instead of the system's")
    parser.add_argument("--count", type=int, help="exit after this many messages")
    parser.add_argument("--min-backoff", type=float, default=0.5)
    parser.add_argument("--max-backoff", type=float, default=30.0)
    args = parser.parse_args()
    tls = None
    if args.url.startswith("wss:"):
        tls = ssl.create_default_context(cafile=args.cacert)
    try:
        return asyncio.run(run(with_token(args.url, args.token), args.patterns, args.count,
                               args.min_backoff, args.max_backoff, tls))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
