"""TLS on every port (docs/PROTOCOL.md, "TLS"), against the real server with
the clients a user would write: Python's ssl module over a plain socket,
redis-py with ssl=True, http.client over HTTPS, openssl s_client. Runs on
both backends (LINECAST_TEST_IO=uring under ctest's _uring entry)."""

import http.client
import shutil
import signal
import socket
import ssl
import subprocess
import time

import pytest
import redis

from harness import Server, read_text, server_binary, wait_until

TIMEOUT = 5


def client_context(certs, cert=None):
    ctx = ssl.create_default_context(cafile=certs.ca)
    if cert:
        ctx.load_cert_chain(getattr(certs, cert), getattr(certs, cert + "_key"))
    return ctx


def tls_connect(port, ctx):
    raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def plain_connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)


def read_line(sock):
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def read_to_end(sock):
    """Everything until the server closes (b"" at once if it reset)."""
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except (ConnectionResetError, ssl.SSLError):
        pass
    return data


def tls_server(tmp_path, certs, *args, cert=None, key=None):
    return Server(tmp_path, args=["--tls-cert", cert or certs.server, "--tls-key", key or certs.server_key,
                                  *args]).start()


def stats(server):
    return server.stats()


def test_every_protocol_shares_one_channel_space_over_tls(tmp_path, certs):
    server = tls_server(tmp_path, certs)
    ctx = client_context(certs)
    sub = tls_connect(server.port, ctx)
    sub.sendall(b"SUB room1.>\nPING ready\n")
    assert read_line(sub) == b"PONG ready\n"

    pub = tls_connect(server.port, ctx)
    pub.sendall(b"PUB room1.tv hello over tls\n")
    assert read_line(sub) == b"MSG room1.tv hello over tls\n"

    r = redis.Redis(host="localhost", port=server.port, ssl=True, ssl_ca_certs=certs.ca,
                    socket_timeout=TIMEOUT)
    assert r.publish("room1.redis", "from redis-py") == 1
    assert read_line(sub) == b"MSG room1.redis from redis-py\n"

    https = http.client.HTTPSConnection("localhost", server.http_port, context=ctx, timeout=TIMEOUT)
    https.request("POST", "/pub/room1.django", body=b"from https")
    response = https.getresponse()
    assert response.status == 200
    assert response.read() == b'{"published":1,"delivered":1}\n'
    assert read_line(sub) == b"MSG room1.django from https\n"

    # Plaintext keeps working on the same ports without --tls-required.
    plain = plain_connect(server.port)
    plain.sendall(b"PUB room1.plain x\n")
    assert read_line(sub) == b"MSG room1.plain x\n"

    # A message larger than one TLS record, then many small ones in a burst.
    big = b"y" * 100_000
    pub.sendall(b"PUB room1.big " + big + b"\n")
    assert read_line(sub) == b"MSG room1.big " + big + b"\n"
    pub.sendall(b"".join(b"PUB room1.n %d\n" % i for i in range(5000)))
    for i in range(5000):
        assert read_line(sub) == b"MSG room1.n %d\n" % i

    figures = stats(server)
    assert figures["tls_connections"] >= 3  # sub, pub, and redis-py's (HTTPS may have closed)
    sub.sendall(b"QUIT\n")
    assert read_line(sub) == b"+OK bye\n"
    for s in (sub, pub, plain):
        s.close()
    r.connection_pool.disconnect()
    https.close()
    wait_until(lambda: stats(server)["tls_connections"] == 0, what="the TLS gauge back to 0")
    assert server.stop() == 0


def test_tls_required_refuses_plaintext_in_each_protocols_words(tmp_path, certs):
    server = tls_server(tmp_path, certs, "--tls-required")
    line = plain_connect(server.port)
    line.sendall(b"PING x\n")
    assert read_to_end(line) == b"-ERR TLS required\n"

    resp = plain_connect(server.port)
    resp.sendall(b"*1\r\n$4\r\nPING\r\n")
    assert read_to_end(resp) == b"-ERR TLS required\r\n"

    web = plain_connect(server.http_port)
    web.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = read_to_end(web)
    assert answer.startswith(b"HTTP/1.1 403 Forbidden\r\n")
    assert answer.endswith(b"\r\n\r\nTLS required")

    # TLS itself is served on both ports.
    ctx = client_context(certs)
    tls = tls_connect(server.port, ctx)
    tls.sendall(b"PING y\n")
    assert read_line(tls) == b"PONG y\n"
    https = http.client.HTTPSConnection("localhost", server.http_port, context=ctx, timeout=TIMEOUT)
    https.request("GET", "/stats")
    response = https.getresponse()
    assert response.status == 200
    assert b'"protocol_errors_total":2' in response.read()
    tls.close()
    https.close()
    assert server.stop() == 0


def test_garbage_after_the_tls_byte_is_closed_and_counted(tmp_path, certs):
    server = tls_server(tmp_path, certs)
    for garbage in (b"\x16garbage garbage garbage\n" * 4, b"\x16\x03\x01\x00\x05hello", b"\x16" + bytes(range(256))):
        s = plain_connect(server.port)
        s.sendall(garbage)
        answer = read_to_end(s)
        # Closed, at most after a TLS alert record (content type 0x15).
        assert answer == b"" or (answer.startswith(b"\x15\x03") and len(answer) == 7), answer
        s.close()
    wait_until(lambda: stats(server)["tls_handshake_failures_total"] == 3, what="3 failed handshakes")
    ok = tls_connect(server.port, client_context(certs))
    ok.sendall(b"PING still\n")
    assert read_line(ok) == b"PONG still\n"
    ok.close()
    assert server.stop() == 0


def test_a_stalled_handshake_is_closed_within_the_auth_timeout(tmp_path, certs):
    server = tls_server(tmp_path, certs, "--auth-timeout", "1")
    s = plain_connect(server.port)
    s.sendall(b"\x16\x03\x01")  # the start of a ClientHello, then nothing
    started = time.monotonic()
    assert read_to_end(s) == b""
    waited = time.monotonic() - started
    assert 0.8 <= waited < 4, waited
    assert "tls handshake not finished within 1 s" in read_text(server.log)
    assert stats(server)["tls_handshake_failures_total"] == 1
    assert server.stop() == 0


def test_tls_1_0_and_1_1_are_refused(tmp_path, certs):
    server = tls_server(tmp_path, certs)
    for version in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # let this client offer the old versions
        ctx.minimum_version = version
        ctx.maximum_version = version
        with pytest.raises(ssl.SSLError):
            tls_connect(server.port, ctx)
    # Refused by the server (its counter), not by this client's own policy.
    wait_until(lambda: stats(server)["tls_handshake_failures_total"] == 2, what="2 refused handshakes")
    assert read_text(server.log).count("tls handshake failed: unsupported protocol") == 2
    assert server.stop() == 0


def test_renegotiation_is_refused(tmp_path, certs):
    server = tls_server(tmp_path, certs)
    script = "PING before\n"
    # s_client renegotiates on a line holding just R (TLS 1.2 has renegotiation).
    proc = subprocess.Popen(["openssl", "s_client", "-connect", f"127.0.0.1:{server.port}", "-tls1_2",
                             "-CAfile", certs.ca, "-servername", "localhost"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for text in (script, "R\n", "PING after\n"):
        try:
            proc.stdin.write(text.encode())
            proc.stdin.flush()
        except (BrokenPipeError, ValueError):  # s_client gave up already
            break
        time.sleep(0.5)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert b"PONG before" in out
    assert b"RENEGOTIATING" in err
    assert b"no renegotiation" in err
    assert b"PONG after" not in out
    assert server.stop() == 0


@pytest.mark.parametrize("args, message", [
    (["--tls-cert", "{d}/missing.pem", "--tls-key", "{server_key}"],
     "cannot read --tls-cert '{d}/missing.pem': No such file or directory"),
    (["--tls-cert", "{server}", "--tls-key", "{d}/missing.key"],
     "cannot read --tls-key '{d}/missing.key': No such file or directory"),
    (["--tls-cert", "{server}", "--tls-key", "{server2_key}"],
     "--tls-key '{server2_key}' does not match the certificate in --tls-cert '{server}'"),
    (["--tls-cert", "{server_key}", "--tls-key", "{server_key}"], "cannot load --tls-cert '{server_key}'"),
    (["--tls-cert", "{server}"], "--tls-cert needs --tls-key"),
    (["--tls-key", "{server_key}"], "--tls-key needs --tls-cert"),
    (["--tls-required"], "--tls-required needs --tls-cert and --tls-key"),
    (["--tls-ca", "{ca}"], "--tls-ca needs --tls-cert and --tls-key"),
    (["--tls-cert", "{server}", "--tls-key", "{server_key}", "--tls-ca", "{d}/none.pem"],
     "cannot read --tls-ca '{d}/none.pem'"),
])
def test_tls_configuration_errors_name_the_file(certs, args, message):
    names = {"d": str(certs.dir), "server": certs.server, "server_key": certs.server_key,
             "server2_key": certs.server2_key, "ca": certs.ca}
    cmd = [server_binary(), "--port", "0", "--http-port", "0"] + [a.format(**names) for a in args]
    done = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT)
    assert done.returncode == 2, done
    assert message.format(**names) in done.stderr.decode(), done.stderr


def refused_by_mutual_tls(port, ctx):
    """True when the server ends the handshake: under TLS 1.3 the client
    learns it at its first read."""
    try:
        s = tls_connect(port, ctx)
        s.sendall(b"PING x\n")
        return read_to_end(s) == b""
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        return True


def test_mutual_tls_requires_a_certificate_from_the_ca(tmp_path, certs):
    server = tls_server(tmp_path, certs, "--tls-ca", certs.ca, "--log-level", "debug")
    s = tls_connect(server.port, client_context(certs, cert="client"))
    s.sendall(b"PING mtls\n")
    assert read_line(s) == b"PONG mtls\n"
    assert " cn=tv" in read_text(server.log)  # the user name, once users exist
    s.close()

    assert refused_by_mutual_tls(server.port, client_context(certs))  # no certificate
    assert refused_by_mutual_tls(server.port, client_context(certs, cert="rogue_client"))
    wait_until(lambda: stats(server)["tls_handshake_failures_total"] == 2, what="2 refused clients")
    assert server.stop() == 0


def der(path):
    with open(path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def test_sighup_reloads_the_certificate_and_keeps_connections(tmp_path, certs):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    shutil.copy(certs.server, cert)
    shutil.copy(certs.server_key, key)
    server = tls_server(tmp_path, certs, cert=str(cert), key=str(key))
    ctx = client_context(certs)
    before = tls_connect(server.port, ctx)
    assert before.getpeercert(binary_form=True) == der(certs.server)

    shutil.copy(certs.server2, cert)
    shutil.copy(certs.server2_key, key)
    server.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "SIGHUP: reloaded" in read_text(server.log), what="the reload")
    after = tls_connect(server.port, ctx)
    assert after.getpeercert(binary_form=True) == der(certs.server2)
    before.sendall(b"PING old\n")  # the connection from before the reload is still served
    assert read_line(before) == b"PONG old\n"

    cert.write_text("not a certificate\n")
    server.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "the previous certificate stays in use" in read_text(server.log),
               what="the failed reload")
    kept = tls_connect(server.port, ctx)
    assert kept.getpeercert(binary_form=True) == der(certs.server2)
    for s in (before, after, kept):
        s.sendall(b"PING n\n")
        assert read_line(s) == b"PONG n\n"
        s.close()
    assert server.stop() == 0


def test_linecast_cli_over_tls(tmp_path, certs):
    from harness import cli_binary

    server = tls_server(tmp_path, certs, "--tls-required", "--tls-ca", certs.ca)
    cli = [cli_binary(), "--port", str(server.port), "--cacert", certs.ca,
           "--cert", certs.client, "--key", certs.client_key]
    sub = subprocess.Popen(cli + ["sub", "-n", "1", "room1.>"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert sub.stderr.readline().startswith(b"linecast-cli: subscribed to room1.>")  # after its PONG
    done = subprocess.run(cli + ["pub", "room1.tv", "over tls"], capture_output=True, timeout=TIMEOUT)
    assert done.returncode == 0, done
    out, err = sub.communicate(timeout=TIMEOUT)
    assert sub.returncode == 0, err
    assert out == b"over tls\n"

    health = subprocess.run(cli + ["health", "--http-port", str(server.http_port)], capture_output=True,
                            timeout=TIMEOUT)
    assert health.returncode == 0, health
    assert b"GET https://127.0.0.1:" in health.stdout

    # Without the CA file the server's certificate cannot be verified: exit 3, and why.
    bad = subprocess.run([cli_binary(), "--port", str(server.port), "--tls", "ping", "-c", "1"],
                         capture_output=True, timeout=TIMEOUT)
    assert bad.returncode == 3
    assert b"certificate verify failed" in bad.stderr
    # Plaintext against --tls-required: the server's refusal, exit 1.
    plain = subprocess.run([cli_binary(), "--port", str(server.port), "ping", "-c", "1"],
                           capture_output=True, timeout=TIMEOUT)
    assert plain.returncode == 1
    assert b"-ERR TLS required" in plain.stderr
    assert server.stop() == 0


def test_redis_cli_and_curl_over_tls(tmp_path, certs):
    """The README's development commands, with the real tools."""
    server = tls_server(tmp_path, certs)
    sub = tls_connect(server.port, client_context(certs))
    sub.sendall(b"SUB room1.>\nPING ready\n")
    assert read_line(sub) == b"PONG ready\n"
    done = subprocess.run(["redis-cli", "--tls", "--cacert", certs.ca, "-p", str(server.port),
                           "publish", "room1.tv", "on"], capture_output=True, timeout=TIMEOUT)
    assert done.stdout == b"1\n", done
    assert read_line(sub) == b"MSG room1.tv on\n"
    done = subprocess.run(["curl", "-s", "--cacert", certs.ca, f"https://localhost:{server.http_port}/pub/room1.tv",
                           "-d", "off"], capture_output=True, timeout=TIMEOUT)
    assert done.stdout == b'{"published":1,"delivered":1}\n', done
    assert read_line(sub) == b"MSG room1.tv off\n"
    sub.close()
    assert server.stop() == 0


def test_a_slow_tls_subscriber_is_cut_cleanly(tmp_path, certs):
    """The slow-consumer line goes through TLS too: the subscriber reads
    whole records up to the cut, never plaintext injected into the stream."""
    server = tls_server(tmp_path, certs, "--max-outbuf", "1100000", "--max-line", "1000000")
    ctx = client_context(certs)
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    sub = ctx.wrap_socket(raw, server_hostname="localhost")
    sub.sendall(b"SUB flood\nPING ready\n")
    assert read_line(sub) == b"PONG ready\n"
    pub = tls_connect(server.port, ctx)
    line = b"PUB flood " + b"z" * 1000 + b"\n"
    # 8 MB for a reader that does not read: more than the kernels may
    # buffer (the server's tcp_wmem at most 4 MiB, our 64 KiB) plus
    # --max-outbuf, so the cut comes whatever the autotuning did.
    pub.sendall(line * 8000)
    pub.sendall(b"PING done\n")
    assert read_line(pub) == b"PONG done\n"
    wait_until(lambda: stats(server)["slow_consumers_total"] == 1, what="the cut")
    # What the server's kernel took before the cut still comes.
    sub.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    received = read_to_end_strict(sub)  # no TLS error: whole records only
    lines = received.split(b"\n")
    message = b"MSG flood " + b"z" * 1000
    # Whole messages, then either the slow-consumer line (when the cut fell
    # between two messages) or the start of a message the cut tore: a cut
    # subscriber's backlog is dropped, in TLS as in plaintext.
    assert all(line == message for line in lines[:-2]), "a line that is no message"
    if len(lines) >= 2:
        assert lines[-2] in (message, b"-ERR slow consumer"), lines[-2][:40]
    assert message.startswith(lines[-1]), lines[-1][:40]
    assert server.stop() == 0


def read_to_end_strict(sock):
    """Everything until the end, failing on a TLS error (a torn record)."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_a_client_certificate_names_the_user(tmp_path, certs):
    """Mutual TLS with --users: the certificate's Common Name (tv) is the
    user, without AUTH, on the line protocol and on HTTPS."""
    import base64
    import hashlib
    digest = hashlib.pbkdf2_hmac("sha256", b"pw", b"0123456789abcdef", 1000)
    hashed = f"pbkdf2-sha256$1000${base64.b64encode(b'0123456789abcdef').decode()}${base64.b64encode(digest).decode()}"
    users = tmp_path / "users.toml"
    users.write_text(f'[[user]]\nname = "tv"\npassword = "{hashed}"\npublish = ["room1.tv.>"]\n'
                     'subscribe = ["room1.>"]\n')
    server = tls_server(tmp_path, certs, "--tls-ca", certs.ca, "--users", str(users))
    ctx = client_context(certs, cert="client")
    tv = tls_connect(server.port, ctx)
    tv.sendall(b"SUB room1.>\nPUB room1.tv.power on\nPUB room2.x no\n")
    assert read_line(tv) == b"MSG room1.tv.power on\n"
    assert read_line(tv) == b"-ERR permission denied for publish to room2.x\n"
    https = http.client.HTTPSConnection("localhost", server.http_port, context=ctx, timeout=TIMEOUT)
    https.request("POST", "/pub/room1.tv.volume", body=b"3")
    response = https.getresponse()
    assert (response.status, response.read()) == (200, b'{"published":1,"delivered":1}\n')
    assert read_line(tv) == b"MSG room1.tv.volume 3\n"
    https.request("POST", "/pub/room2.x", body=b"3")
    response = https.getresponse()
    assert response.status == 403
    assert response.read() == b'{"error":"permission denied"}\n'
    tv.close()
    https.close()
    assert server.stop() == 0


def test_a_tls_client_over_max_conns_sees_its_handshake_fail(tmp_path, certs):
    # The rejection line is plaintext, sent before the client's first byte
    # could choose TLS (docs/PROTOCOL.md, TLS decisions).
    server = tls_server(tmp_path, certs, "--max-conns", "1")
    ctx = client_context(certs)
    first = tls_connect(server.port, ctx)
    first.sendall(b"PING one\n")
    assert read_line(first) == b"PONG one\n"
    with pytest.raises(ssl.SSLError, match="WRONG_VERSION_NUMBER|wrong version number"):
        tls_connect(server.port, ctx)
    plain = plain_connect(server.port)
    assert read_to_end(plain) == b"-ERR max number of clients reached\r\n"
    first.sendall(b"PING still\n")
    assert read_line(first) == b"PONG still\n"
    first.close()
    assert server.stop() == 0
