"""Users and permissions (docs/PROTOCOL.md, "Users and permissions") against
the real server, on the line protocol (a plain Python socket), RESP (redis-py)
and HTTP (urllib), with the users file a user would write. Hashes are made
with few PBKDF2 iterations to keep the tests fast; one comes from
`linecast-cli passwd`."""

import base64
import hashlib
import json
import signal
import subprocess
import time

import pytest
import redis

from clients import TIMEOUT, Line, basic, http
from harness import Server, cli_binary, read_text, server_binary, wait_until

def pbkdf2(password, iterations=1000, salt=b"0123456789abcdef"):
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2-sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


USERS = f'''
[[user]]
name = "backend"
password = "{pbkdf2("backend-pw")}"
publish = [">"]
subscribe = [">"]

[[user]]
name = "tv"
password = "{pbkdf2("tv-pw")}"
publish = ["room1.tv.>"]
subscribe = ["room1.>"]
deny_subscribe = ["room1.admin.>"]

[[user]]
name = "phone"
password = "{pbkdf2("phone-pw")}"
publish = ["room1.tv.volume", "room2.*"]
subscribe = ["room2.>"]
'''

ANONYMOUS = '''
[[user]]
name = "anonymous"
subscribe = ["public.>"]
publish = ["public.chat"]
'''


def users_file(tmp_path, text=USERS, name="users.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def stats(server):
    """/stats as the backend user (every test's file has it, or the token)."""
    status, body = http(server, "/stats", auth=basic("backend", "backend-pw"))
    assert status == 200, body
    return json.loads(body)


def start(tmp_path, text=USERS, *args):
    return Server(tmp_path, args=["--users", str(users_file(tmp_path, text)), *args]).start()


def test_line_users_publish_and_subscribe_within_their_permissions(tmp_path):
    server = start(tmp_path)
    tv = Line(server.port)
    assert tv.ask("SUB room1.>") == "-ERR authentication required\n"
    assert tv.ask("AUTH tv tv-pw") == "+OK\n"
    tv.send("SUB room1.>")
    tv.sync()
    backend = Line(server.port)
    assert backend.ask("AUTH backend backend-pw") == "+OK\n"
    backend.send("PUB room1.tv.volume 42")
    backend.send("PUB room1.admin.reboot now")  # deny_subscribe: never reaches tv
    backend.send("PUB room1.light on")
    assert tv.line() == "MSG room1.tv.volume 42\n"
    assert tv.line() == "MSG room1.light on\n"

    # A PUB outside the publish list is refused, and the connection goes on.
    assert tv.ask("PUB room1.light off") == "-ERR permission denied for publish to room1.light\n"
    tv.send("PUB room1.tv.power on")
    assert tv.line() == "MSG room1.tv.power on\n"  # its own subscription sees it
    # SUB is a subset check, and refused whole.
    assert tv.ask("SUB room1.*.volume room2.x") == "-ERR permission denied for subscription to room2.x\n"
    tv.sync()
    backend.send("PUB room2.x y")
    backend.sync()
    tv.sync()  # nothing from room2.x arrived before the PONG

    phone = Line(server.port)
    assert phone.ask("AUTH phone phone-pw") == "+OK\n"
    assert phone.ask("SUB room1.>") == "-ERR permission denied for subscription to room1.>\n"
    phone.send("PUB room2.lamp on")
    phone.send("PUB room1.tv.volume 7")
    phone.sync()
    assert tv.line() == "MSG room1.tv.volume 7\n"
    figures = stats(server)
    assert figures["permission_denied_total"] == {"publish": 1, "subscribe": 2}
    assert server.stop() == 0


def test_line_wrong_password_is_fatal_and_counted(tmp_path):
    server = start(tmp_path)
    c = Line(server.port)
    assert c.ask("AUTH tv wrong") == "-ERR authentication failed\n"
    assert c.closed()
    c = Line(server.port)
    assert c.ask("AUTH nobody x") == "-ERR authentication failed\n"
    assert c.closed()
    c = Line(server.port)
    assert c.ask("AUTH") == "-ERR usage: AUTH <token>\n"
    assert c.ask("AUTH just-a-token") == "-ERR authentication failed\n"  # no --auth-token set
    assert stats(server)["auth_failures_total"] == 3
    assert server.stop() == 0


def test_the_token_still_allows_everything_beside_users(tmp_path):
    server = start(tmp_path, USERS, "--auth-token", "s3cret")
    c = Line(server.port)
    assert c.ask("AUTH s3cret") == "+OK\n"
    c.send("SUB >")
    c.send("PUB anything.at.all x")
    assert c.line() == "MSG anything.at.all x\n"
    assert server.stop() == 0


def test_anonymous_gets_its_permissions_before_auth(tmp_path):
    server = start(tmp_path, USERS + ANONYMOUS, "--auth-timeout", "0.5")
    anon = Line(server.port)
    anon.send("SUB public.>")
    anon.sync()
    assert anon.ask("SUB private.x") == "-ERR permission denied for subscription to private.x\n"
    assert anon.ask("PUB public.news x") == "-ERR permission denied for publish to public.news\n"
    anon.send("PUB public.chat hi")
    assert anon.line() == "MSG public.chat hi\n"
    # No authentication deadline for the anonymous user.
    time.sleep(1.0)
    anon.sync()
    # AUTH upgrades it in place.
    assert anon.ask("AUTH backend backend-pw") == "+OK\n"
    anon.send("PUB private.x y")
    anon.sync()
    assert server.stop() == 0


def test_reauth_replaces_permissions_and_drops_what_they_no_longer_allow(tmp_path):
    server = start(tmp_path)
    c = Line(server.port)
    assert c.ask("AUTH tv tv-pw") == "+OK\n"
    c.send("SUB room1.>")
    c.sync()
    assert c.ask("AUTH phone phone-pw") == "+OK\n"
    backend = Line(server.port)
    assert backend.ask("AUTH backend backend-pw") == "+OK\n"
    backend.send("PUB room1.tv.volume 1")
    backend.sync()
    c.sync()  # room1.> went with the tv user's permissions: nothing came
    c.send("SUB room2.>")
    c.sync()
    backend.send("PUB room1.tv.volume 2")
    backend.send("PUB room2.lamp off")
    assert c.line() == "MSG room2.lamp off\n"
    assert stats(server)["subscriptions"] == 1
    assert server.stop() == 0


def test_resp_users_with_redis_py(tmp_path):
    server = start(tmp_path)
    backend = redis.Redis(port=server.port, username="backend", password="backend-pw", socket_timeout=TIMEOUT)
    tv = redis.Redis(port=server.port, username="tv", password="tv-pw", socket_timeout=TIMEOUT)
    sub = tv.pubsub()
    sub.psubscribe("room1.*")  # a glob within room1.>: allowed
    sub.subscribe("room1.tv.volume")
    for _ in range(2):
        assert sub.get_message(timeout=TIMEOUT)["type"] in ("psubscribe", "subscribe")
    backend.publish("room1.admin.x", "never")  # deny_subscribe: not delivered
    assert backend.publish("room1.tv.volume", "9") == 2
    got = [sub.get_message(timeout=TIMEOUT) for _ in range(2)]
    assert sorted(m["type"] for m in got) == ["message", "pmessage"]
    assert all(m["channel"] == b"room1.tv.volume" for m in got)
    with pytest.raises(redis.exceptions.NoPermissionError, match="no permissions to access one of the channels"):
        tv.publish("room1.light", "on")
    deny = tv.pubsub()
    with pytest.raises(redis.exceptions.NoPermissionError):
        deny.psubscribe("*")
        deny.get_message(timeout=TIMEOUT)
    wrong = redis.Redis(port=server.port, username="tv", password="nope", socket_timeout=TIMEOUT)
    with pytest.raises(redis.exceptions.RedisError, match="invalid username-password pair"):
        wrong.ping()
    sub.close()
    assert server.stop() == 0


def test_http_basic_auth_and_permissions(tmp_path):
    server = start(tmp_path, USERS, "--auth-token", "tok")
    assert http(server, "/pub/room1.tv.volume", b"5", basic("phone", "phone-pw")) == (
        200, b'{"published":1,"delivered":0}\n')
    assert http(server, "/pub/room1.light", b"on", basic("phone", "phone-pw")) == (
        403, b'{"error":"permission denied"}\n')
    assert http(server, "/pub/room1.light", b"on", basic("phone", "wrong"))[0] == 401
    assert http(server, "/pub/room1.light", b"on")[0] == 401
    assert http(server, "/pub/room1.light", b"on", "Bearer tok")[0] == 200
    assert http(server, "/healthz")[0] == 200
    status, body = http(server, "/stats", auth=basic("backend", "backend-pw"))
    assert status == 200
    stats = json.loads(body)
    assert stats["auth_failures_total"] == 1
    assert stats["permission_denied_total"]["publish"] == 1
    status, metrics = http(server, "/metrics", auth="Bearer tok")
    assert b'linecast_permission_denied_total{action="publish"} 1' in metrics
    assert server.stop() == 0


def test_http_anonymous(tmp_path):
    server = start(tmp_path, USERS + ANONYMOUS)
    assert http(server, "/pub/public.chat", b"hi")[0] == 200
    assert http(server, "/pub/private.x", b"hi")[0] == 403
    assert http(server, "/stats")[0] == 200
    assert server.stop() == 0


@pytest.mark.parametrize("text, message", [
    ('[[user]]\nname = "a"\npassword = "hunter2"\n',
     ":3: password is not a pbkdf2-sha256$<iterations>$<salt>$<hash> line"),
    (f'[[user]]\nname = "a"\npassword = "{pbkdf2("x")}"\npublsh = [">"]\n',
     ":4: unknown key 'publsh' (did you mean 'publish'?)"),
    ('[[user]]\nname = "a"\n', ":1: user 'a' has no password"),
    (f'[[user]]\nname = "anonymous"\npassword = "{pbkdf2("x")}"\n', ":1: the anonymous user has no password"),
    (f'[[user]]\nname = "a"\npassword = "{pbkdf2("x")}"\nsubscribe = ["a..b"]\n',
     ":4: subscribe: 'a..b' is not a valid pattern"),
    (f'[[user]]\nname = "a"\npassword = "{pbkdf2("x")}"\n[[user]]\nname = "a"\npassword = "{pbkdf2("x")}"\n',
     ":4: user 'a' is given twice"),
    ('[[user]\nname = "a"\n', ":1: "),
    ('port = 5\n', ":1: unknown key 'port' (the file holds [[user]] tables only)"),
])
def test_users_file_errors_name_the_line(tmp_path, text, message):
    path = users_file(tmp_path, text, "bad.toml")
    done = subprocess.run([server_binary(), "--port", "0", "--http-port", "0", "--users", str(path)],
                          capture_output=True, timeout=TIMEOUT)
    assert done.returncode == 2, done
    assert f"--users {path}{message}" in done.stderr.decode(), done.stderr


def test_missing_users_file(tmp_path):
    done = subprocess.run([server_binary(), "--port", "0", "--users", str(tmp_path / "none.toml")],
                          capture_output=True, timeout=TIMEOUT)
    assert done.returncode == 2
    assert f"cannot read --users '{tmp_path / 'none.toml'}': No such file or directory" in done.stderr.decode()


def test_linecast_cli_passwd_makes_a_hash_the_server_accepts(tmp_path):
    made = subprocess.run([cli_binary(), "passwd", "--iterations", "2000"], input=b"correct horse\n",
                          capture_output=True, timeout=TIMEOUT)
    assert made.returncode == 0, made
    line = made.stdout.decode().strip()
    assert line.startswith("pbkdf2-sha256$2000$")
    server = start(tmp_path, f'[[user]]\nname = "pi"\npassword = "{line}"\npublish = [">"]\n')
    c = Line(server.port)
    assert c.ask("AUTH pi correct horse") == "-ERR authentication failed\n"  # a space ends the password
    c = Line(server.port)
    made = subprocess.run([cli_binary(), "passwd", "--iterations", "2000"], input=b"horse\n",
                          capture_output=True, timeout=TIMEOUT)
    server.stop()
    server = start(tmp_path, f'[[user]]\nname = "pi"\npassword = "{made.stdout.decode().strip()}"\n')
    c = Line(server.port)
    assert c.ask("AUTH pi horse") == "+OK\n"
    empty = subprocess.run([cli_binary(), "passwd"], input=b"", capture_output=True, timeout=TIMEOUT)
    assert empty.returncode == 2
    assert server.stop() == 0


def test_sighup_reloads_the_users_file(tmp_path):
    server = start(tmp_path)
    path = tmp_path / "users.toml"
    path.write_text(USERS + f'[[user]]\nname = "new"\npassword = "{pbkdf2("new-pw")}"\npublish = ["x"]\n')
    server.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "SIGHUP: reloaded --users" in read_text(server.log), what="the reload")
    c = Line(server.port)
    assert c.ask("AUTH new new-pw") == "+OK\n"
    path.write_text("[[user]\n")
    server.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "the previous users stay in use" in read_text(server.log), what="the failed reload")
    c = Line(server.port)
    assert c.ask("AUTH new new-pw") == "+OK\n"
    assert server.stop() == 0


def test_a_remembered_publish_permission_covers_its_channel_only(tmp_path):
    # The allowed route is remembered per connection; another channel, one
    # too long to be cached, or new permissions after AUTH start over.
    server = start(tmp_path)
    r = redis.Redis(port=server.port, username="phone", password="phone-pw", socket_timeout=TIMEOUT)
    assert r.publish("room2.a", "1") == 0
    assert r.publish("room2.a", "2") == 0
    # Too long to cache: every such channel shares one uncached route.
    assert r.publish("room2." + "a" * 300, "x") == 0
    with pytest.raises(redis.exceptions.NoPermissionError):
        r.publish("room3." + "a" * 300, "x")
    with pytest.raises(redis.exceptions.NoPermissionError):
        r.publish("room3.a", "x")
    line = Line(server.port)
    assert line.ask("AUTH phone phone-pw") == "+OK\n"
    line.send("PUB room2.a 1")
    line.sync()
    assert line.ask("AUTH tv tv-pw") == "+OK\n"
    assert line.ask("PUB room2.a 2") == "-ERR permission denied for publish to room2.a\n"
    assert server.stop() == 0
