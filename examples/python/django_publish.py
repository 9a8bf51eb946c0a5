#!/usr/bin/env python3
"""Publish to linecast from a Django view (or any Python): paste
linecast_publish() into your project. Standard library only.

    # settings.py
    LINECAST_URL = "http://127.0.0.1:7401"               # https://hub.example.com:7401 with TLS
    LINECAST_TOKEN = os.environ.get("LINECAST_TOKEN")   # --auth-token, or a JWT (django_device_token.py)

    # views.py
    from django.conf import settings
    from django.http import JsonResponse

    def set_volume(request, room):
        volume = request.POST["volume"]
        n = linecast_publish(f"{room}.tv.volume", volume,
                             url=settings.LINECAST_URL, token=settings.LINECAST_TOKEN)
        return JsonResponse({"delivered_to_broker": n})

From a shell: python3 django_publish.py room1.tv.volume 42
"""

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request


class LinecastError(Exception):
    """The broker refused the publish (bad channel, bad token) or is unreachable."""


def linecast_publish(channel, *messages, url="http://127.0.0.1:7401", token=None, timeout=2.0,
                     cafile=None):
    """POSTs each message (one line each) to /pub/<channel>; returns how many the
    broker published. Raises LinecastError on any failure, so a view can
    decide whether a missed remote-control message is fatal. An https URL is
    verified against the system's CAs, or cafile (a development certificate)."""
    for message in messages:
        if "\n" in message or "\r" in message:
            raise ValueError("a linecast message is one line; encode it (JSON) first")
    body = "".join(m + "\n" for m in messages).encode("utf-8")
    request = urllib.request.Request(
        f"{url.rstrip('/')}/pub/{urllib.parse.quote(channel, safe='')}",
        data=body, method="POST", headers={"Content-Type": "text/plain; charset=utf-8"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        context = ssl.create_default_context(cafile=cafile) if url.startswith("https:") else None
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return json.loads(response.read())["published"]
    except urllib.error.HTTPError as e:
        detail = e.read().decode("utf-8", "replace").strip()
        raise LinecastError(f"linecast refused POST /pub/{channel}: {e.code} {detail}") from None
    except (urllib.error.URLError, OSError) as e:
        raise LinecastError(f"linecast at {url} unreachable: {e}") from None


if __name__ == "__main__":
    import os
    import sys

    if len(sys.argv) < 3:
        sys.exit("usage: django_publish.py CHANNEL MESSAGE...")
    try:
        n = linecast_publish(sys.argv[1], *sys.argv[2:],
                             url=os.environ.get("LINECAST_URL", "http://127.0.0.1:7401"),
                             token=os.environ.get("LINECAST_TOKEN"),
                             cafile=os.environ.get("LINECAST_CAFILE"))
    except LinecastError as e:
        sys.exit(str(e))
    print(f"published {n}")
