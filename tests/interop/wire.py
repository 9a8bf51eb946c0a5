"""Raw RESP over a socket, for tests that must see every byte."""

import socket
import time


def command(*args):
    """One multibulk request; str arguments are UTF-8."""
    out = b"*%d\r\n" % len(args)
    for arg in args:
        if isinstance(arg, str):
            arg = arg.encode()
        elif isinstance(arg, int):
            arg = str(arg).encode()
        out += b"$%d\r\n%s\r\n" % (len(arg), arg)
    return out


def commands(*requests):
    """Several requests in one write: each a tuple of arguments."""
    return b"".join(command(*r) for r in requests)


class Client:
    def __init__(self, port, first=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.eof = False
        if first is not None:
            self.send(first)

    def send(self, data):
        self.sock.sendall(data)

    def _recv(self, timeout):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return None
        except ConnectionResetError:
            data = b""  # Redis closes with a reset when unread bytes remain
        if not data:
            self.eof = True
        return data

    def read_until_idle(self, idle=0.3, limit=10.0):
        """Everything that arrives until nothing more comes for `idle` s."""
        out = b""
        deadline = time.monotonic() + limit
        while not self.eof and time.monotonic() < deadline:
            data = self._recv(idle)
            if data is None:
                break
            out += data
        return out

    def read_at_least(self, size, limit=10.0, settle=0.05):
        """At least `size` bytes (or EOF), then whatever follows within `settle` s."""
        out = b""
        deadline = time.monotonic() + limit
        while not self.eof and len(out) < size and time.monotonic() < deadline:
            data = self._recv(max(0.01, deadline - time.monotonic()))
            if data:
                out += data
        return out + self.read_until_idle(settle)

    def read_until_eof(self, limit=10.0):
        out = b""
        deadline = time.monotonic() + limit
        while not self.eof and time.monotonic() < deadline:
            data = self._recv(max(0.01, deadline - time.monotonic()))
            if data:
                out += data
        assert self.eof, f"no EOF within {limit} s; got {out!r}"
        return out

    def read_until(self, suffix, limit=10.0):
        out = b""
        deadline = time.monotonic() + limit
        while not out.endswith(suffix) and not self.eof and time.monotonic() < deadline:
            data = self._recv(max(0.01, deadline - time.monotonic()))
            if data:
                out += data
        assert out.endswith(suffix), f"expected ...{suffix!r}, got {out!r}"
        return out

    def close(self):
        self.sock.close()
