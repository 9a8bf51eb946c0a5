"""JWT (docs/PROTOCOL.md, "Users and permissions", JWT) against the real
server: tokens minted with PyJWT (Debian python3-jwt) as a Django backend
would, presented on the line protocol, RESP (redis-py) and HTTP; the
attacks a JWT verifier must refuse; expiry on a live connection."""

import base64
import hashlib
import hmac
import json
import signal
import subprocess
import time

import jwt
import pytest
import redis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from clients import TIMEOUT, Line, http
from harness import Server, read_text, server_binary, wait_until

SECRET = "a-32-byte-or-longer-secret-for-hs256-tests"
TV = {"publish": ["room1.tv.>"], "subscribe": ["room1.>"], "deny_subscribe": ["room1.admin.>"]}
BACKEND = {"publish": [">"], "subscribe": [">"]}


def mint(permissions, key=SECRET, alg="HS256", lifetime=600, sub="tv-1", **claims):
    now = int(time.time())
    payload = {"sub": sub, "iat": now, "exp": now + lifetime, **claims}
    if permissions is not None:
        payload["linecast"] = permissions
    return jwt.encode(payload, key, algorithm=alg)


def start(tmp_path, *args, secret=SECRET):
    path = tmp_path / "jwt.secret"
    path.write_text(secret + "\n")
    return Server(tmp_path, args=["--jwt-secret-file", str(path), *args]).start()


def authed(server, token):
    c = Line(server.port)
    assert c.ask(f"AUTH {token}") == "+OK\n"
    return c


def test_line_jwt_carries_its_permissions(tmp_path):
    server = start(tmp_path)
    tv = Line(server.port)
    assert tv.ask("SUB room1.>") == "-ERR authentication required\n"
    assert tv.ask(f"AUTH {mint(TV)}") == "+OK\n"
    tv.send("SUB room1.>")
    assert tv.ask("SUB room2.>") == "-ERR permission denied for subscription to room2.>\n"
    backend = authed(server, mint(BACKEND, sub="backend"))
    backend.send("PUB room1.admin.reboot now")  # deny_subscribe: never reaches tv
    backend.send("PUB room1.tv.volume 42")
    assert tv.line() == "MSG room1.tv.volume 42\n"
    assert tv.ask("PUB room1.light off") == "-ERR permission denied for publish to room1.light\n"
    assert server.stop() == 0


@pytest.mark.parametrize("attack", ["alg-none", "tampered", "expired", "future-nbf", "future-iat",
                                    "no-exp", "no-linecast", "wrong-secret", "garbage"])
def test_line_jwt_attacks_are_fatal(tmp_path, attack):
    server = start(tmp_path)
    good = mint(BACKEND)
    header, payload, signature = good.split(".")
    now = int(time.time())
    token = {
        "alg-none": lambda: jwt.encode({"exp": now + 600, "linecast": BACKEND}, None, algorithm="none"),
        "tampered": lambda: ".".join([header, mint({"publish": [">"], "subscribe": [">"], "x": 1}).split(".")[1],
                                      signature]),
        "expired": lambda: mint(BACKEND, lifetime=-60),
        "future-nbf": lambda: mint(BACKEND, nbf=now + 60),
        "future-iat": lambda: jwt.encode({"exp": now + 600, "iat": now + 60, "linecast": BACKEND}, SECRET),
        "no-exp": lambda: jwt.encode({"linecast": BACKEND}, SECRET),
        "no-linecast": lambda: mint(None),
        "wrong-secret": lambda: mint(BACKEND, key="another-secret-that-is-32-bytes-long!!"),
        "garbage": lambda: "a.b.c",
    }[attack]()
    c = Line(server.port)
    assert c.ask(f"AUTH {token}") == "-ERR authentication failed\n"
    assert c.closed()
    assert "JWT refused" in read_text(server.log)
    status, body = http(server, "/metrics", auth=f"Bearer {mint(BACKEND)}")
    assert status == 200
    assert b"linecast_auth_failures_total 1\n" in body
    assert server.stop() == 0


def test_live_connection_is_cut_when_its_token_expires(tmp_path):
    server = start(tmp_path)
    # 2 s past exp is inside the 5 s leeway: accepted, and cut 3 s on.
    c = authed(server, mint(TV, lifetime=-2))
    c.send("SUB room1.>")
    c.sync()
    started = time.monotonic()
    assert c.line() == "-ERR token expired\n"
    assert c.closed()
    assert time.monotonic() - started < 6
    r = redis.Redis(port=server.port, password=mint(TV, lifetime=-2), socket_timeout=TIMEOUT)
    pubsub = r.pubsub()
    pubsub.subscribe("room1.tv")
    assert pubsub.get_message(timeout=TIMEOUT)["type"] == "subscribe"
    # RESP gets no error line (it would read as a reply): the socket closes.
    with pytest.raises(redis.ConnectionError):
        for _ in range(75):
            pubsub.get_message(timeout=0.2)
    wait_until(lambda: read_text(server.log).count("reason=token-expired") == 2, what="both closes logged")
    assert server.stop() == 0


def test_reauth_with_a_new_token_refreshes_permissions_in_place(tmp_path):
    server = start(tmp_path)
    c = authed(server, mint(TV, lifetime=-2))
    c.send("SUB room1.>")
    c.sync()
    # Before it expires, a narrower token: room1.> is no longer allowed.
    assert c.ask(f"AUTH {mint({'subscribe': ['room1.tv.>']}, lifetime=600)}") == "+OK\n"
    backend = authed(server, mint(BACKEND, sub="backend"))
    backend.send("PUB room1.light on")
    backend.sync()
    c.send("SUB room1.tv.>")
    c.sync()  # nothing of room1.light came: room1.> went with the old token
    backend.send("PUB room1.tv.volume 3")
    assert c.line() == "MSG room1.tv.volume 3\n"
    time.sleep(4)  # past the first token's expiry: the new one holds
    c.sync()
    assert server.stop() == 0


def test_resp_auth_with_a_jwt(tmp_path):
    server = start(tmp_path)
    r = redis.Redis(port=server.port, password=mint(TV), socket_timeout=TIMEOUT)
    assert r.publish("room1.tv.volume", "1") == 0
    with pytest.raises(redis.exceptions.NoPermissionError):
        r.publish("room1.light", "on")
    with pytest.raises(redis.ResponseError, match="WRONGPASS"):
        redis.Redis(port=server.port, password=mint(TV, lifetime=-60), socket_timeout=TIMEOUT).ping()
    assert server.stop() == 0


def test_http_bearer_jwt(tmp_path):
    server = start(tmp_path)
    assert http(server, "/pub/room1.tv.volume", b"5", f"Bearer {mint(TV)}") == (
        200, b'{"published":1,"delivered":0}\n')
    assert http(server, "/pub/room1.light", b"on", f"Bearer {mint(TV)}") == (
        403, b'{"error":"permission denied"}\n')
    assert http(server, "/pub/room1.tv.volume", b"5", f"Bearer {mint(TV, lifetime=-60)}")[0] == 401
    assert http(server, "/pub/room1.tv.volume", b"5")[0] == 401
    assert server.stop() == 0


def test_the_token_and_jwts_side_by_side(tmp_path):
    server = start(tmp_path, "--auth-token", "tok")
    everything = Line(server.port)
    assert everything.ask("AUTH tok") == "+OK\n"
    everything.send("SUB >")
    everything.sync()
    tv = authed(server, mint(TV))
    assert tv.ask("SUB >") == "-ERR permission denied for subscription to >\n"
    assert server.stop() == 0


def b64url(data):
    data = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pem_pair(kind):
    key = rsa.generate_private_key(65537, 2048) if kind == "RS256" else ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, public


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_public_key_algorithms(tmp_path, alg):
    key, public = pem_pair(alg)
    path = tmp_path / "jwt.pub"
    path.write_bytes(public)
    server = Server(tmp_path, args=["--jwt-public-key", str(path)]).start()
    c = authed(server, mint(TV, key=key, alg=alg))
    assert c.ask("SUB room2.>") == "-ERR permission denied for subscription to room2.>\n"
    # The classic confusion: HS256 keyed with the public key's PEM text.
    # (PyJWT refuses to make it, so it is made by hand.)
    signing_input = b64url(json.dumps({"alg": "HS256", "typ": "JWT"})) + "." + b64url(
        json.dumps({"exp": int(time.time()) + 600, "linecast": BACKEND}))
    token = signing_input + "." + b64url(hmac.new(public, signing_input.encode(), hashlib.sha256).digest())
    c = Line(server.port)
    assert c.ask(f"AUTH {token}") == "-ERR authentication failed\n"
    assert f"where the key is for {alg}" in read_text(server.log)
    assert server.stop() == 0


def test_sighup_reloads_the_jwt_key(tmp_path):
    server = start(tmp_path)
    old = mint(TV)
    new_secret = "the-rotated-secret-which-is-also-32-bytes"
    (tmp_path / "jwt.secret").write_text(new_secret)
    server.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "SIGHUP: reloaded the JWT key" in read_text(server.log), what="the reload")
    assert Line(server.port).ask(f"AUTH {old}") == "-ERR authentication failed\n"
    authed(server, mint(TV, key=new_secret))
    (tmp_path / "jwt.secret").write_text("short")
    server.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "the previous JWT key stays in use" in read_text(server.log), what="the failed reload")
    authed(server, mint(TV, key=new_secret))
    assert server.stop() == 0


@pytest.mark.parametrize("args, message", [
    (["--jwt-secret-file", "{short}"], "needs at least 32"),
    (["--jwt-secret-file", "{missing}"], "cannot read --jwt-secret-file"),
    (["--jwt-public-key", "{short}"], "not a PEM public key"),
    (["--jwt-secret-file", "{short}", "--jwt-public-key", "{short}"], "mutually exclusive"),
])
def test_jwt_key_errors_stop_the_start(tmp_path, args, message):
    short = tmp_path / "short"
    short.write_text("short\n")
    args = [a.format(short=short, missing=tmp_path / "missing") for a in args]
    result = subprocess.run([server_binary(), "--port", "0", *args], capture_output=True, text=True, timeout=10)
    assert result.returncode == 2
    assert message in result.stderr, result.stderr


def test_an_auth_token_with_two_dots_is_tried_after_the_jwt(tmp_path):
    # The spec's order: a JWT first, then the --auth-token.
    server = start(tmp_path, "--auth-token", "v1.shared.token")
    c = authed(server, "v1.shared.token")
    c.send("SUB >")
    c.sync()
    assert "JWT refused" in read_text(server.log)
    status, body = http(server, "/metrics", auth="Bearer v1.shared.token")
    assert status == 200
    assert b"linecast_auth_failures_total 0\n" in body
    assert server.stop() == 0
