#!/usr/bin/env python3
"""Mint a device's linecast JWT in Django (or any Python) with PyJWT
(Debian python3-jwt; pip install PyJWT). The broker checks it with the same
secret (--jwt-secret-file) and no call back to the backend; the token's
`linecast` claim is what the device may publish and subscribe to.

    # settings.py
    LINECAST_JWT_SECRET = open("/etc/linecast/jwt.secret").read().strip()

    # views.py: the app asks for its token after the user logged in
    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.http import JsonResponse

    @login_required
    def linecast_token(request, room):
        token = mint_device_token(f"{request.user.username}-tv", settings.LINECAST_JWT_SECRET,
                                  publish=[f"{room}.tv.>"], subscribe=[f"{room}.>"],
                                  deny_subscribe=[f"{room}.admin.>"])
        return JsonResponse({"token": token})

The device sends `AUTH <token>` (line protocol), `AUTH <token>` (Redis
clients' password), `Authorization: Bearer <token>` (HTTP). When the token
expires, the broker closes the device's connection (`-ERR token expired`);
the device fetches a fresh one and reconnects, or sends `AUTH <new token>`
before then to keep its connection.

From a shell: python3 django_device_token.py SECRET_FILE DEVICE 'room1.>'
"""

import time

import jwt


def mint_device_token(device, secret, publish=(), subscribe=(), deny_subscribe=(),
                      lifetime=3600, algorithm="HS256"):
    """A JWT naming the device (`sub`, shown in the broker's log) with its
    channel permissions, valid for `lifetime` seconds. `secret` is the
    broker's --jwt-secret-file content for HS256, or the private key (PEM)
    for RS256/ES256 (the broker then has the public key: --jwt-public-key)."""
    now = int(time.time())
    claims = {
        "sub": device,
        "iat": now,
        "exp": now + lifetime,
        "linecast": {
            "publish": list(publish),
            "subscribe": list(subscribe),
            "deny_subscribe": list(deny_subscribe),
        },
    }
    return jwt.encode(claims, secret, algorithm=algorithm)


if __name__ == "__main__":
    import sys

    if len(sys.argv) < 4:
        sys.exit("usage: django_device_token.py SECRET_FILE DEVICE SUBSCRIBE_PATTERN...")
    with open(sys.argv[1], encoding="utf-8") as f:
        secret = f.read().rstrip("\n")
    print(mint_device_token(sys.argv[2], secret, subscribe=sys.argv[3:]))
