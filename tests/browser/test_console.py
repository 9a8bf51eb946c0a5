"""The console page (GET / on the HTTP port) in a real browser: headless
Chromium (Debian's chromium + chromium-driver, python3-selenium) against the
real linecast-server. The page subscribes, shows messages published over
HTTP, publishes to a plain-TCP subscriber, draws its chart from /stats, and
leaves nothing in the browser's console log. Also the same with a token, a
reconnect after a server restart, and Server-Sent Events from EventSource.

Run by hand: LINECAST_SERVER=build/release/broker/linecast-server \
  /usr/bin/python3 -m pytest -q tests/browser"""

import json
import socket
import time
import urllib.request
from pathlib import Path

from selenium.webdriver.common.by import By

from browser import js, wait_js
from harness import Server, free_port, http_publish, wait_until

TOKEN = "console-secret-token"
LINECAST_JS = Path(__file__).resolve().parents[2] / "examples" / "browser" / "linecast.js"


class LineSubscriber:
    """A plain-TCP client of the line protocol: SUB, then PING until PONG."""

    def __init__(self, port, *patterns, token=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        if token:
            self.sock.sendall(f"AUTH {token}\n".encode())
            assert self.line() == "+OK"
        self.sock.sendall(f"SUB {' '.join(patterns)}\nPING\n".encode())
        assert self.line() == "PONG"

    def line(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line within {timeout}s (have {self.buf!r})")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError(f"connection closed (have {self.buf!r})")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def close(self):
        self.sock.close()


def stats(server, token=None):
    request = urllib.request.Request(server.http_url + "/stats")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def connections(figures):
    c = figures["connections"]
    return sum(c.values()) if isinstance(c, dict) else c


def console_problems(driver):
    """Errors and warnings in the browser's console log since the last call."""
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def problems_besides_outage(driver):
    """console_problems() without what a browser logs while the server is
    down: its failed WebSocket connects and refused fetches."""
    return [e for e in console_problems(driver)
            if "WebSocket connection to" not in e["message"]
            and "ERR_CONNECTION_REFUSED" not in e["message"]]


def open_console(driver, server, query=""):
    driver.get(f"{server.http_url}/{query}")
    assert driver.title == "linecast console"
    wait_js(driver, "window.linecastConsole && window.linecastConsole.state === 'open'",
            what="the page's WebSocket to open")


def subscribe(driver, pattern, state="active"):
    box = driver.find_element(By.ID, "sub-pattern")
    box.clear()
    box.send_keys(pattern)
    driver.find_element(By.ID, "sub-button").click()
    wait_js(driver, "Array.from(document.querySelectorAll('#subs li')).some("
            f"li => li.dataset.pattern === {json.dumps(pattern)} && li.dataset.state === {json.dumps(state)})",
            what=f"subscription {pattern} to be {state}")


def publish_from_page(driver, channel, payload):
    for field, text in (("pub-channel", channel), ("pub-payload", payload)):
        box = driver.find_element(By.ID, field)
        box.clear()
        box.send_keys(text)
    driver.find_element(By.ID, "pub-button").click()


def rows(driver):
    """The message rows on the page, newest first: [(channel, payload)]."""
    return [tuple(r) for r in js(driver, """
        return Array.from(document.querySelectorAll('#messages .msg'), r =>
            [r.querySelector('.ch').textContent, r.querySelector('.payload').textContent]);""")]


def wait_row(driver, channel, payload, timeout=10):
    wait_until(lambda: (channel, payload) in rows(driver), timeout,
               f"the page to show {channel} {payload!r} (it shows {rows(driver)[:5]})")


def check_chart(driver, server, token=None):
    """The chart was drawn from at least two /stats samples, and the header
    shows the broker's connection count."""
    wait_js(driver, "window.linecastConsole.chart.samples >= 2 && window.linecastConsole.chart.draws >= 2",
            timeout=10, what="two /stats samples drawn")
    painted = js(driver, """
        const c = document.getElementById('chart');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
        return n;""")
    assert painted > 500, f"only {painted} pixels painted on the chart"
    # Both read in one script: a /stats sample between two WebDriver calls
    # could change the count between the reads.
    shown, legend = js(driver, "return [document.getElementById('conn-count').textContent, "
                               "document.getElementById('lg-conn').textContent];")
    assert shown.isdigit() and int(shown) >= 2, f"connection count shows {shown!r}"
    assert legend == shown
    assert connections(stats(server, token)) >= 2


def test_console_subscribes_shows_publishes_and_charts(tmp_path, driver):
    server = Server(tmp_path, args=["--max-subs", "2"]).start()
    open_console(driver, server)
    subscribe(driver, "room1.>")

    # HTTP publishes reach the page; the payload is text, never markup.
    tricky = '<img src=x onerror="window.pwned=1"> & grüße ✓'
    assert http_publish(server.http_url, "room1.tv", tricky + "\n") == 1
    assert http_publish(server.http_url, "room1.tv.volume", "42\n") == 1
    http_publish(server.http_url, "room2.tv", "not subscribed\n")
    wait_row(driver, "room1.tv.volume", "42")
    assert rows(driver)[:2] == [("room1.tv.volume", "42"), ("room1.tv", tricky)]  # newest first
    assert js(driver, "return document.querySelectorAll('#messages img').length") == 0
    assert js(driver, "return window.pwned") is None
    assert ("room2.tv", "not subscribed") not in rows(driver)

    # The page's publish form reaches a plain-TCP subscriber (and the page itself).
    tcp = LineSubscriber(server.port, "room1.>")
    try:
        publish_from_page(driver, "room1.lamp", "on from the page")
        assert tcp.line() == "MSG room1.lamp on from the page"
        wait_row(driver, "room1.lamp", "on from the page")
        wait_js(driver, "document.getElementById('pub-note').textContent === 'published on room1.lamp'",
                what="the publish to be confirmed")
        check_chart(driver, server)
    finally:
        tcp.close()

    # A server -ERR shows: over --max-subs 2 the third pattern is refused.
    subscribe(driver, "room2.*")
    subscribe(driver, "room3.x", state="error")
    errors = driver.find_element(By.ID, "errors")
    assert driver.find_element(By.ID, "errors-card").is_displayed()
    assert "-ERR too many subscriptions (max 2)" in errors.text
    assert "SUB room3.x" in errors.text

    # Remove (UNSUB): the broker's subscription gauge goes back.
    wait_until(lambda: stats(server)["subscriptions"] == 2, 10, "2 subscriptions")
    driver.find_element(By.CSS_SELECTOR, "#subs li[data-pattern='room2.*'] button").click()
    wait_until(lambda: stats(server)["subscriptions"] == 1, 10, "the UNSUB to take effect")

    # Pause holds new rows back, resume shows them, clear empties the list.
    driver.find_element(By.ID, "pause").click()
    http_publish(server.http_url, "room1.paused", "held\n")
    wait_js(driver, "document.getElementById('paused-note').textContent === '1 waiting'",
            what="the paused message to wait")
    assert ("room1.paused", "held") not in rows(driver)
    driver.find_element(By.ID, "pause").click()
    wait_row(driver, "room1.paused", "held")
    driver.find_element(By.ID, "clear").click()
    assert rows(driver) == []

    assert console_problems(driver) == []
    server.stop()


def test_console_with_token(tmp_path, driver):
    server = Server(tmp_path, args=["--auth-token", TOKEN]).start()
    open_console(driver, server, f"?token={TOKEN}")
    subscribe(driver, "secure.*")
    http_publish(server.http_url, "secure.door", "open\n", token=TOKEN)
    wait_row(driver, "secure.door", "open")

    tcp = LineSubscriber(server.port, "secure.>", token=TOKEN)
    try:
        publish_from_page(driver, "secure.light", "off")
        assert tcp.line() == "MSG secure.light off"
        wait_row(driver, "secure.light", "off")
        check_chart(driver, server, TOKEN)   # /stats with the Bearer token
    finally:
        tcp.close()

    # SSE takes the token as a query parameter too (EventSource sends no headers).
    js(driver, f"""
        window.sse = {{ open: false, data: [] }};
        const es = new EventSource('/sub/secure.*?token={TOKEN}');
        window.sse.es = es;
        es.onopen = () => {{ window.sse.open = true; }};
        es.onmessage = (e) => {{ window.sse.data.push(e.data); }};""")
    wait_js(driver, "window.sse.open", what="the SSE stream to open")
    http_publish(server.http_url, "secure.window", "closed\n", token=TOKEN)
    wait_js(driver, "window.sse.data.includes('secure.window closed')", what="the SSE event")
    js(driver, "window.sse.es.close()")

    assert console_problems(driver) == []
    server.stop()


def test_console_reconnects_and_resubscribes(tmp_path, driver):
    port, http_port = free_port(), free_port()
    server = Server(tmp_path, port=port, http_port=http_port).start()
    open_console(driver, server)
    subscribe(driver, "again.>")
    server.stop()
    wait_js(driver, "window.linecastConsole.state === 'closed'", what="the page to see the close")
    assert "retry in" in driver.find_element(By.ID, "state").text

    # The same ports again: the page reconnects on its own and sends its SUB again.
    server = Server(tmp_path, port=port, http_port=http_port).start()
    wait_js(driver, "window.linecastConsole.state === 'open'", timeout=20, what="the reconnect")
    wait_js(driver, "document.querySelector(\"#subs li[data-pattern='again.>']\").dataset.state === 'active'",
            what="the SUB to be active again")
    http_publish(server.http_url, "again.one", "after restart\n")
    wait_row(driver, "again.one", "after restart")
    # While the server was down, the browser logged failed connections; those
    # are expected here. Nothing else may be an error.
    assert problems_besides_outage(driver) == []
    server.stop()


def test_linecast_js_example(tmp_path, driver):
    """examples/browser/linecast.js, imported by a page: subscribe, receive,
    publish, and reconnect with its SUBs after a server restart."""
    port, http_port = free_port(), free_port()
    server = Server(tmp_path, port=port, http_port=http_port).start()
    open_console(driver, server)   # a same-origin page to import the module into
    js(driver, """
        const url = URL.createObjectURL(new Blob([arguments[0]], { type: 'text/javascript' }));
        window.ex = { got: [], states: [], errors: [], ready: 0 };
        import(url).then((m) => {
            const ex = window.ex;
            ex.client = new m.LinecastClient(m.sameOriginUrl('/ws'), {
                onMessage: (c, p) => ex.got.push([c, p]),
                onState: (s) => {
                    ex.states.push(s);
                    if (s === 'open') ex.client.ping().then(() => { ex.ready++; });
                },
                onError: (e) => ex.errors.push(e),
            });
            ex.client.subscribe('js.>', 'other.x');
        });""", LINECAST_JS.read_text())
    wait_js(driver, "window.ex.ready === 1", what="linecast.js to connect and subscribe")
    http_publish(server.http_url, "js.a", "one two  three\n")
    http_publish(server.http_url, "other.x", "\n \n")   # a payload of one space
    wait_js(driver, "window.ex.got.length === 2", what="two messages")
    assert js(driver, "return window.ex.got") == [["js.a", "one two  three"], ["other.x", " "]]

    tcp = LineSubscriber(server.port, "js.>")
    try:
        assert js(driver, "return window.ex.client.publish('js.out', 'from linecast.js')") is True
        assert tcp.line() == "MSG js.out from linecast.js"
    finally:
        tcp.close()
    wait_js(driver, "window.ex.got.length === 3", what="its own message (self-delivery)")
    assert js(driver, "return window.ex.got[2]") == ["js.out", "from linecast.js"]
    js(driver, "window.ex.client.subscribe('bad..pattern')")
    wait_js(driver, "window.ex.errors.length === 1", what="the -ERR")
    assert js(driver, "return window.ex.errors") == ["invalid pattern"]

    server.stop()
    wait_js(driver, "window.ex.states.includes('closed')", what="the close")
    server = Server(tmp_path, port=port, http_port=http_port).start()
    wait_js(driver, "window.ex.ready === 2", timeout=20, what="the reconnect and its SUBs")
    # Each pattern is its own SUB line: the refused one did not take the others along.
    assert js(driver, "return window.ex.errors") == ["invalid pattern", "invalid pattern"]
    http_publish(server.http_url, "js.b", "after restart\n")
    wait_js(driver, "window.ex.got.length === 4", what="the message after the restart")
    assert js(driver, "return window.ex.got[3]") == ["js.b", "after restart"]
    js(driver, "window.ex.client.close()")
    wait_js(driver, "window.ex.states[window.ex.states.length - 1] === 'closed'", what="close()")
    assert problems_besides_outage(driver) == []
    server.stop()


def test_event_source_receives_http_publish(tmp_path, driver):
    server = Server(tmp_path).start()
    open_console(driver, server)   # any same-origin page will do
    js(driver, """
        window.sse = { open: false, data: [] };
        const es = new EventSource('/sub/sse.*,other.>');
        window.sse.es = es;
        es.onopen = () => { window.sse.open = true; };
        es.onmessage = (e) => { window.sse.data.push(e.data); };""")
    # The subscription takes effect before the response headers: open means subscribed.
    wait_js(driver, "window.sse.open", what="the SSE stream to open")
    http_publish(server.http_url, "sse.a", "first\n")
    http_publish(server.http_url, "other.b.c", "second one\n")
    http_publish(server.http_url, "nobody", "not matched\n")
    http_publish(server.http_url, "sse.z", "third\n")
    wait_js(driver, "window.sse.data.length >= 3", what="three SSE events")
    assert js(driver, "return window.sse.data") == ["sse.a first", "other.b.c second one", "sse.z third"]
    js(driver, "window.sse.es.close()")
    assert console_problems(driver) == []
    server.stop()
