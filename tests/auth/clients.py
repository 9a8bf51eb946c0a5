"""The clients the auth tests talk through, as a user would write them: a
line-protocol socket with readline, and urllib for HTTP."""

import base64
import socket
import urllib.error
import urllib.request

TIMEOUT = 5


class Line:
    """A line-protocol client as a user writes it: a socket and readline."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.file = self.sock.makefile("rb")

    def send(self, text):
        self.sock.sendall(text.encode() + b"\n")

    def line(self):
        return self.file.readline().decode()

    def ask(self, text):
        self.send(text)
        return self.line()

    def sync(self):
        assert self.ask("PING sync") == "PONG sync\n"

    def closed(self):
        return self.file.readline() == b""


def http(server, path, body=None, auth=None):
    request = urllib.request.Request(server.http_url + path, data=body, method="POST" if body is not None else "GET")
    if auth:
        request.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
