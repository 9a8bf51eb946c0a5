"""The real redis-cli (Debian redis-tools) against linecast: one-shot
commands, SUBSCRIBE/PSUBSCRIBE reading N messages with a timeout, commands
from stdin, --pipe mass publishing, authentication and the RESP3 fallback.
With stdout not a terminal, redis-cli prints raw replies, one per line."""

import fcntl
import os
import select
import shutil
import struct
import subprocess
import termios
import time

import pytest

from wire import Client, command

TOKEN = "s3cret"
REDIS_CLI = os.environ.get("REDIS_CLI") or shutil.which("redis-cli") or "/usr/bin/redis-cli"


def cli(server, *args, stdin=None, env=None):
    result = subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(server.port), *args],
                            input=stdin, capture_output=True, timeout=60,
                            env={**os.environ, **(env or {})})
    return result


class Subscriber:
    """A long-running `redis-cli SUBSCRIBE ...`, read line by line."""

    def __init__(self, server, *args):
        self.proc = subprocess.Popen([REDIS_CLI, "-h", "127.0.0.1", "-p", str(server.port), *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.buffer = b""

    def lines(self, count, timeout=10.0):
        """The next `count` output lines, or fails after `timeout` s."""
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count:
            while b"\n" in self.buffer and len(out) < count:
                line, _, self.buffer = self.buffer.partition(b"\n")
                out.append(line.decode(errors="replace"))
            if len(out) == count:
                break
            left = deadline - time.monotonic()
            assert left > 0, f"only {out} within {timeout} s"
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                data = os.read(self.proc.stdout.fileno(), 65536)
                assert data, f"redis-cli ended: {out} {self.proc.stderr.read()!r}"
                self.buffer += data
        return out

    def messages(self, count, kind="message", timeout=10.0):
        """`count` pushes of 3 lines (message) or 4 (pmessage), as tuples."""
        width = 4 if kind == "pmessage" else 3
        lines = self.lines(count * width, timeout)
        pushes = [tuple(lines[i:i + width]) for i in range(0, len(lines), width)]
        assert all(p[0] == kind for p in pushes), pushes
        return [p[1:] for p in pushes]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def subscribers():
    started = []

    def start(server, *args):
        s = Subscriber(server, *args)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def publish(server, channel, payload):
    result = cli(server, "PUBLISH", channel, payload)
    assert result.returncode == 0, result.stderr
    return int(result.stdout)


def test_ping_and_echo(linecast):
    assert cli(linecast, "PING").stdout == b"PONG\n"
    assert cli(linecast, "PING", "hello there").stdout == b"hello there\n"
    assert cli(linecast, "ECHO", "a b").stdout == b"a b\n"


def test_publish_without_subscribers(linecast):
    assert publish(linecast, "nobody", "x") == 0


def test_subscribe_reads_n_messages(linecast, subscribers):
    sub = subscribers(linecast, "SUBSCRIBE", "news", "sport")
    assert sub.lines(6) == ["subscribe", "news", "1", "subscribe", "sport", "2"]
    for i in range(5):
        assert publish(linecast, "news", f"headline {i}") == 1
    assert publish(linecast, "sport", "goal") == 1
    assert sub.messages(6) == [("news", f"headline {i}") for i in range(5)] + [("sport", "goal")]


def test_psubscribe_reads_pmessages(linecast, subscribers):
    sub = subscribers(linecast, "PSUBSCRIBE", "room1.*")
    assert sub.lines(3) == ["psubscribe", "room1.*", "1"]
    assert publish(linecast, "room1.tv.volume", "42") == 1
    assert publish(linecast, "room2.tv.volume", "7") == 0
    assert publish(linecast, "room1.light", "on") == 1
    assert sub.messages(2, "pmessage") == [("room1.*", "room1.tv.volume", "42"),
                                           ("room1.*", "room1.light", "on")]


def test_publish_counts_redis_cli_subscribers(linecast, subscribers):
    subs = [subscribers(linecast, "SUBSCRIBE", "fan") for _ in range(3)]
    for s in subs:
        assert s.lines(3) == ["subscribe", "fan", "1"]
    assert publish(linecast, "fan", "out") == 3
    for s in subs:
        assert s.messages(1) == [("fan", "out")]


def test_subscriber_receives_line_protocol_pub(linecast, subscribers):
    sub = subscribers(linecast, "SUBSCRIBE", "room1.tv.volume")
    assert sub.lines(3) == ["subscribe", "room1.tv.volume", "1"]
    line = Client(linecast.port, b"PUB room1.tv.volume 42\nPING\n")
    assert line.read_until(b"PONG\n") == b"PONG\n"
    line.close()
    assert sub.messages(1) == [("room1.tv.volume", "42")]


def test_commands_from_stdin(linecast):
    result = cli(linecast, stdin=b'PING\nPUBLISH a 1\nECHO "x y"\nGET k\n')
    assert result.stdout == (b"PONG\n0\nx y\n"
                             b"ERR unknown command 'GET', with args beginning with: 'k' \n\n")


def test_pipe_mode_publishes_in_order(linecast):
    """redis-cli --pipe streams raw RESP and counts the replies."""
    reader = Client(linecast.port, command("SUBSCRIBE", "bulk"))
    reader.read_until(b":1\r\n")
    n = 10000
    data = b"".join(command("PUBLISH", "bulk", str(i)) for i in range(n))
    result = cli(linecast, "--pipe", stdin=data)
    assert result.returncode == 0, result.stdout + result.stderr
    assert b"errors: 0, replies: %d" % n in result.stdout
    expected = b"".join(b"*3\r\n$7\r\nmessage\r\n$4\r\nbulk\r\n$%d\r\n%d\r\n" % (len(str(i)), i)
                        for i in range(n))
    assert reader.read_at_least(len(expected)) == expected
    reader.close()


def test_authentication(start_linecast):
    server = start_linecast("--auth-token", TOKEN)
    assert cli(server, "PING").stdout == b"NOAUTH Authentication required.\n\n"
    assert cli(server, "PING", env={"REDISCLI_AUTH": TOKEN}).stdout == b"PONG\n"
    assert cli(server, "--user", "default", "--pass", TOKEN, "--no-auth-warning",
               "PING").stdout == b"PONG\n"
    wrong = cli(server, "--no-auth-warning", "-a", "wrong", "PING")
    assert b"WRONGPASS" in wrong.stdout + wrong.stderr


def test_resp3_with_dash_3(linecast):
    result = cli(linecast, "-3", "PING")
    assert result.stdout == b"PONG\n" and result.stderr == b""
    hello = cli(linecast, "-3", "--no-raw", "HELLO", "3").stdout
    assert hello.startswith(b'1# "server" => "redis"\n2# "version" => "7.0.15"\n3# "proto" => (integer) 3\n')


def test_resp3_subscriber_with_dash_3(linecast, subscribers):
    sub = subscribers(linecast, "-3", "SUBSCRIBE", "news")
    assert sub.lines(3) == ["subscribe", "news", "1"]
    assert publish(linecast, "news", "pushed") == 1
    assert sub.messages(1) == [("news", "pushed")]
    psub = subscribers(linecast, "-3", "PSUBSCRIBE", "ne*")
    assert psub.lines(3) == ["psubscribe", "ne*", "1"]
    assert publish(linecast, "news", "both") == 2
    assert sub.messages(1) == [("news", "both")]
    assert psub.messages(1, kind="pmessage") == [("ne*", "news", "both")]


def test_help_comes_from_command_docs(linecast):
    """`redis-cli help X` builds its table from COMMAND DOCS, as its
    interactive start does: linecast's commands only (a server without
    COMMAND DOCS would get redis-cli's built-in help, GET and all)."""
    publish_help = cli(linecast, "help", "publish")
    assert publish_help.returncode == 0 and publish_help.stderr == b""
    assert publish_help.stdout == (
        b"\r\n  \x1b[1mPUBLISH\x1b[0m \x1b[90mchannel message\x1b[0m\r\n"
        b"  \x1b[33msummary:\x1b[0m Post a message to a channel\r\n"
        b"  \x1b[33msince:\x1b[0m 2.0.0\r\n  \x1b[33mgroup:\x1b[0m pubsub\r\n\r\n")
    assert cli(linecast, "help", "get").stdout == b"\r\n"
    # Redis 7.0's built-in help has no CLIENT SETINFO (7.2): it is linecast's.
    setinfo = cli(linecast, "help", "client", "setinfo").stdout
    assert b"CLIENT SETINFO\x1b[0m \x1b[90mlib-name libname|lib-ver libver" in setinfo
    group = cli(linecast, "help", "@pubsub").stdout
    assert b"SSUBSCRIBE" in group and b"PUBSUB NUMSUB" in group


def test_interactive_hints_from_command_docs(linecast, tmp_path):
    """Interactive redis-cli on a terminal (a pty) hints a command's
    arguments as the user types, from the COMMAND DOCS it asked at start."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 200, 0, 0))
    env = {**os.environ, "TERM": "xterm", "REDISCLI_HISTFILE": str(tmp_path / "history"), "HOME": str(tmp_path)}
    proc = subprocess.Popen([REDIS_CLI, "-h", "127.0.0.1", "-p", str(linecast.port)], stdin=slave,
                            stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)

    def screen(until, timeout=10.0):
        out = b""
        deadline = time.monotonic() + timeout
        while until not in out and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    break
                if b"\x1b[6n" in data:  # linenoise asks where the cursor is
                    os.write(master, b"\x1b[1;1R")
                out += data
        return out

    try:
        prompt = b"127.0.0.1:%d> " % linecast.port
        assert prompt in screen(prompt)
        # The hint shows once the name is complete (in grey: ESC[0;90;49m).
        os.write(master, b"spublish ")
        assert b"spublish\x1b[0;90;49m shardchannel message" in screen(b"shardchannel message")
        os.write(master, b"\x15client setinfo ")
        assert b"setinfo\x1b[0;90;49m lib-name libname|lib-ver libver" in screen(b"lib-name libname")
        # No hint for a command linecast does not offer.
        os.write(master, b"\x15get ")
        assert b"\x1b[0;90;49m" not in screen(b"never", timeout=0.5).rpartition(b"get")[2]
        os.write(master, b"\x15quit\r")
        assert proc.wait(timeout=10) == 0
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
