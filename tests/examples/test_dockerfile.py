"""docker/: no Docker engine runs in CI, so these check what can be checked
without one: the Dockerfile builds with the same scripts as the README and CI,
the binaries it copies are where the build puts them, the entrypoint maps
LINECAST_* variables to flags (against a fake server, then the real one), the
example TOML is accepted by the server, and compose's loadgen command is one
linecast-bench accepts."""

import os
import re
import shlex
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from harness import REPO, Proc, Server, cli_binary, free_port, read_text, server_binary, wait_until

DOCKER = REPO / "docker"
ENTRYPOINT = DOCKER / "entrypoint.sh"


def dockerfile_instructions():
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    text = (DOCKER / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def stages():
    result, current = [], None
    for word, rest in dockerfile_instructions():
        if word == "FROM":
            current = {"from": rest, "items": []}
            result.append(current)
        elif current is not None:
            current["items"].append((word, rest))
    return result


def test_dockerfile_builds_with_the_scripts_the_readme_calls():
    build, runtime = stages()
    assert build["from"].split()[0] == "debian:12-slim" and runtime["from"] == "debian:12-slim"
    commands = [shlex.split(rest) for word, rest in build["items"] if word == "RUN"]
    words = [w.strip(";&|") for command in commands for w in command]
    # The very commands of tools/run-server.sh (which the README tells people to run).
    pairs = list(zip(words, words[1:]))
    assert ("tools/setup.sh", "server") in pairs, "the build stage must run tools/setup.sh server"
    assert ("tools/build.sh", "server") in pairs, "the build stage must run tools/build.sh server"
    run_server = (REPO / "tools" / "run-server.sh").read_text()
    assert "tools/setup.sh server" in run_server and "tools/build.sh server" in run_server
    readme = (REPO / "README.md").read_text()
    assert "tools/run-server.sh" in readme and "tools/test.sh" in readme
    # No private build recipe next to the scripts: no cmake or apt-get in the build stage.
    assert "cmake" not in words and "apt-get" not in words


def test_dockerfile_runtime_stage():
    build, runtime = stages()
    items = runtime["items"]
    user = [rest for word, rest in items if word == "USER"]
    assert user and user[-1] not in ("root", "0"), "the image must run as a non-root user"
    assert any(word == "EXPOSE" and rest.split() == ["7400", "7401", "1883"] for word, rest in items)
    health = [rest for word, rest in items if word == "HEALTHCHECK"]
    assert health and 'CMD ["linecast-cli", "health"]' in health[0]
    env = " ".join(rest for word, rest in items if word == "ENV")
    assert "LINECAST_BIND=0.0.0.0" in env
    assert "LINECAST_CONFIG=/etc/linecast/linecast.toml" in env
    assert "LINECAST_MQTT_PORT=1883" in env and "LINECAST_DATA_DIR=/var/lib/linecast" in env
    assert ("VOLUME", "/var/lib/linecast") in items
    # The data directory exists, owned by the user the server runs as.
    assert any(word == "RUN" and "install -d -o linecast -g linecast -m 0700 /var/lib/linecast" in rest
               for word, rest in items)
    assert ("COPY", "docker/linecast.toml /etc/linecast/linecast.toml") in items
    assert ("ENTRYPOINT", '["linecast-entrypoint"]') in items
    assert not any(word == "RUN" and "tools/" in rest for word, rest in items)


def test_dockerfile_copies_the_binaries_from_where_the_build_puts_them():
    text = (DOCKER / "Dockerfile").read_text()
    server, cli = Path(server_binary()), Path(cli_binary())
    build_dir = server.parents[1]
    for binary in (server, cli):
        relative = binary.relative_to(build_dir).as_posix()
        assert f"build/release/{relative}" in text, relative
    # linecast-bench: bench/CMakeLists.txt builds it in bench/.
    assert "add_executable(linecast-bench" in (REPO / "bench" / "CMakeLists.txt").read_text()
    assert "build/release/bench/linecast-bench" in text


def test_runtime_packages_script_finds_the_libraries():
    r = subprocess.run(["sh", str(DOCKER / "runtime-packages.sh"), server_binary(), cli_binary()],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    packages = r.stdout.split()
    print("runtime packages:", packages)
    assert "libc6" in packages and "libfmt9" in packages and "libstdc++6" in packages
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", p) for p in packages), packages


@pytest.fixture
def fake_server(tmp_path):
    """A stand-in for linecast-server that writes its arguments, one per line."""
    path = tmp_path / "fake-server"
    path.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > "$FAKE_OUT"\n')
    path.chmod(0o755)
    return path


def run_entrypoint(tmp_path, fake_server, env, *args):
    out = tmp_path / "args.txt"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINECAST_")}
    clean.update({"LINECAST_SERVER_BIN": str(fake_server), "FAKE_OUT": str(out),
                  "TMPDIR": str(tmp_path)})
    clean.update(env)
    r = subprocess.run(["/bin/sh", str(ENTRYPOINT), *args], capture_output=True, text=True,
                       env=clean, timeout=20)
    return r, (read_text(out).splitlines() if out.exists() else None)


def test_entrypoint_maps_every_variable_to_its_flag(tmp_path, fake_server):
    env = {
        "LINECAST_CONFIG": "/etc/linecast/linecast.toml", "LINECAST_BIND": "0.0.0.0",
        "LINECAST_PORT": "7400", "LINECAST_HTTP_PORT": "7401", "LINECAST_MAX_CONNS": "500",
        "LINECAST_MAX_LINE": "64KiB", "LINECAST_MAX_OUTBUF": "4MiB", "LINECAST_MAX_SUBS": "100",
        "LINECAST_READ_TIMEOUT": "10", "LINECAST_AUTH_TIMEOUT": "3", "LINECAST_SHUTDOWN_GRACE": "2",
        "LINECAST_LOG_LEVEL": "debug", "LINECAST_AUTH_TOKEN_FILE": "/run/secrets/token",
        "LINECAST_TLS_CERT": "/tls/cert.pem", "LINECAST_TLS_KEY": "/tls/key.pem", "LINECAST_TLS_CA": "/tls/ca.pem",
        "LINECAST_USERS": "/users.toml", "LINECAST_JWT_SECRET_FILE": "/run/secrets/jwt",
        "LINECAST_JWT_PUBLIC_KEY": "/jwt.pub", "LINECAST_MQTT_PORT": "1883", "LINECAST_MQTT_MAX_QUEUED": "50",
        "LINECAST_MQTT_MAX_INFLIGHT": "10", "LINECAST_DATA_DIR": "/var/lib/linecast", "LINECAST_FSYNC": "always",
        "LINECAST_CLUSTER": "redis://127.0.0.1:6390", "LINECAST_CLUSTER_PASSWORD_FILE": "/run/secrets/redis",
        "LINECAST_NODE_ID": "a",
    }
    r, argv = run_entrypoint(tmp_path, fake_server, env)
    assert r.returncode == 0, r.stderr
    print("entrypoint ->", argv)
    assert argv == [
        "--config", "/etc/linecast/linecast.toml", "--bind", "0.0.0.0", "--port", "7400",
        "--http-port", "7401", "--max-conns", "500", "--max-line", "64KiB", "--max-outbuf", "4MiB",
        "--max-subs", "100", "--read-timeout", "10", "--auth-timeout", "3",
        "--shutdown-grace", "2", "--log-level", "debug", "--auth-token-file", "/run/secrets/token",
        "--tls-cert", "/tls/cert.pem", "--tls-key", "/tls/key.pem", "--tls-ca", "/tls/ca.pem",
        "--users", "/users.toml", "--jwt-secret-file", "/run/secrets/jwt", "--jwt-public-key", "/jwt.pub",
        "--mqtt-port", "1883", "--mqtt-max-queued", "50", "--mqtt-max-inflight", "10",
        "--data-dir", "/var/lib/linecast", "--fsync", "always", "--cluster", "redis://127.0.0.1:6390",
        "--cluster-password-file", "/run/secrets/redis", "--node-id", "a",
    ]
    # Every mapped flag is one the real server knows.
    help_text = subprocess.run([server_binary(), "--help"], capture_output=True, text=True,
                               timeout=20).stdout
    for flag in argv[::2]:
        assert re.search(rf"\s{re.escape(flag)}\b", help_text), flag


def test_entrypoint_command_line_flags_win(tmp_path, fake_server):
    env = {"LINECAST_PORT": "7400", "LINECAST_LOG_LEVEL": "info", "LINECAST_BIND": "0.0.0.0"}
    r, argv = run_entrypoint(tmp_path, fake_server, env, "--port=7500", "--log-level", "debug")
    assert r.returncode == 0, r.stderr
    assert argv == ["--bind", "0.0.0.0", "--port=7500", "--log-level", "debug"]


def test_entrypoint_without_variables_passes_arguments_through(tmp_path, fake_server):
    r, argv = run_entrypoint(tmp_path, fake_server, {}, "--max-subs", "5", "a value with spaces")
    assert r.returncode == 0, r.stderr
    assert argv == ["--max-subs", "5", "a value with spaces"]
    r, argv = run_entrypoint(tmp_path, fake_server, {"LINECAST_LOG_LEVEL": ""})
    assert argv == []  # an empty variable is unset


def test_entrypoint_token_goes_to_a_private_file(tmp_path, fake_server):
    r, argv = run_entrypoint(tmp_path, fake_server, {"LINECAST_AUTH_TOKEN": "s3cret"})
    assert r.returncode == 0, r.stderr
    assert argv[0] == "--auth-token-file" and len(argv) == 2
    token_file = Path(argv[1])
    assert token_file.read_text() == "s3cret"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert "s3cret" not in " ".join(argv)
    r, _ = run_entrypoint(tmp_path, fake_server, {"LINECAST_AUTH_TOKEN": "a",
                                                  "LINECAST_AUTH_TOKEN_FILE": "/x"})
    assert r.returncode == 2 and "not both" in r.stderr


def test_entrypoint_runs_other_commands_as_given(tmp_path, fake_server):
    r, argv = run_entrypoint(tmp_path, fake_server, {"LINECAST_PORT": "1"}, "echo", "hello", "there")
    assert r.returncode == 0 and r.stdout == "hello there\n" and argv is None


def test_entrypoint_with_the_real_server_and_the_example_toml(tmp_path):
    """The container's start-up path without Docker: entrypoint + TOML + env,
    then the HEALTHCHECK command and an authenticated publish."""
    http_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINECAST_")}
    env.update({
        "LINECAST_SERVER_BIN": server_binary(), "TMPDIR": str(tmp_path),
        "LINECAST_CONFIG": str(DOCKER / "linecast.toml"),
        "LINECAST_BIND": "127.0.0.1",  # the image says 0.0.0.0; tests stay on loopback
        "LINECAST_PORT": "0", "LINECAST_HTTP_PORT": str(http_port),
        "LINECAST_AUTH_TOKEN": "docker-secret",
    })
    proc = Proc(tmp_path, "entrypoint-server", ["/bin/sh", str(ENTRYPOINT)], env=env)
    try:
        wait_until(lambda: "http listening" in proc.err or proc.proc.poll() is not None, 10,
                   "the server to start")
        assert "http listening on 127.0.0.1:%d" % http_port in proc.err, proc.report()
        port = int(re.search(r"(?<!http )listening on 127\.0\.0\.1:(\d+)", proc.err).group(1))
        # The HEALTHCHECK command as the image runs it (LINECAST_HTTP_PORT in its env).
        health = subprocess.run([cli_binary(), "health"], capture_output=True, text=True, timeout=20,
                                env={"LINECAST_HTTP_PORT": str(http_port)})
        assert health.returncode == 0, health.stderr
        denied = subprocess.run([cli_binary(), "--port", str(port), "pub", "x", "y"],
                                capture_output=True, text=True, timeout=20, env={})
        assert denied.returncode == 4, denied.stderr
        ok = subprocess.run([cli_binary(), "--port", str(port), "pub", "x", "y"], capture_output=True,
                            text=True, timeout=20, env={"LINECAST_TOKEN": "docker-secret"})
        assert ok.returncode == 0, ok.stderr
        ps = subprocess.run(["ps", "-o", "args=", "-p", str(proc.proc.pid)], capture_output=True,
                            text=True, timeout=20).stdout
        print("server command line:", ps.strip())
        assert "docker-secret" not in ps and "--auth-token-file" in ps
    finally:
        assert proc.stop() == 0, proc.report()


def test_compose_file():
    compose = yaml.safe_load((DOCKER / "compose.yml").read_text())
    services = compose["services"]
    broker, loadgen = services["broker"], services["loadgen"]
    assert broker["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
    assert (DOCKER / broker["build"]["context"] / broker["build"]["dockerfile"]).resolve() == \
        (DOCKER / "Dockerfile").resolve()
    assert loadgen["image"] == broker["image"]
    assert loadgen["entrypoint"] == ["linecast-bench"]
    assert loadgen["depends_on"]["broker"]["condition"] == "service_healthy"
    named = compose.get("volumes") or {}
    for volume in broker.get("volumes", []):
        source = volume.split(":")[0]
        if source in named:  # a named volume: Docker makes it
            continue
        assert (DOCKER / source).exists(), volume
    # The --data-dir volume and MQTT's port.
    assert "linecast-data:/var/lib/linecast" in broker["volumes"]
    assert "127.0.0.1:1883:1883" in broker["ports"]


def test_compose_loadgen_command_runs_against_the_real_server(tmp_path, server):
    """The loadgen service's exact arguments, with the host and duration
    swapped for a loopback server and one second."""
    bench = os.environ.get("LINECAST_BENCH") or next(
        (str(p) for p in (REPO / "build" / "release" / "bench" / "linecast-bench",) if p.exists()), None)
    if not bench:
        pytest.skip("linecast-bench not built (LINECAST_BENCH=OFF)")
    args = yaml.safe_load((DOCKER / "compose.yml").read_text())["services"]["loadgen"]["command"]
    args = list(args)
    args[args.index("--host") + 1] = "127.0.0.1"
    args[args.index("--port") + 1] = str(server.port)
    args[args.index("--duration") + 1] = "1"
    r = subprocess.run([bench, *args, "--quiet"], capture_output=True, text=True, timeout=120)
    print(r.stdout[-1500:])
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]


def compose_defaults(value):
    """A compose value with its ${VAR:-default}s replaced by the defaults."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))


def test_compose_cluster_file(tmp_path):
    """docker/compose.cluster.yml: Redis, three nodes and HAProxy on the
    host's network, each on its own port; the nodes in one cluster with
    distinct ids and MQTT off; HAProxy's config valid with the environment
    the compose file gives it (tools/docker-cluster-test.sh runs it all for
    real)."""
    compose = yaml.safe_load((DOCKER / "compose.cluster.yml").read_text())
    services = compose["services"]
    assert set(services) == {"redis", "node-a", "node-b", "node-c", "haproxy"}
    assert all(s["network_mode"] == "host" for s in services.values())
    nodes = [services[f"node-{n}"] for n in "abc"]
    redis_port = compose_defaults(services["redis"]["command"][services["redis"]["command"].index("--port") + 1])
    ports = [redis_port]
    for name, node in zip("abc", nodes):
        env = {k: compose_defaults(v) for k, v in node["environment"].items()}
        assert node["image"] == "linecast:latest"
        assert env["LINECAST_CLUSTER"] == f"redis://127.0.0.1:{redis_port}"
        assert env["LINECAST_NODE_ID"] == name
        assert env["LINECAST_MQTT_PORT"] == "0"
        assert node["depends_on"]["redis"]["condition"] == "service_healthy"
        ports += [env["LINECAST_PORT"], env["LINECAST_HTTP_PORT"]]
    assert nodes[0]["build"] == {"context": "..", "dockerfile": "docker/Dockerfile", "network": "host"}
    assert services["redis"]["build"]["dockerfile"] == "Dockerfile.cluster-tools"
    assert (DOCKER / services["redis"]["build"]["dockerfile"]).exists()
    proxy = services["haproxy"]
    proxy_env = {k: compose_defaults(v) for k, v in proxy["environment"].items()}
    ports += [proxy_env["LB_LINE_PORT"], proxy_env["LB_HTTP_PORT"]]
    assert len(set(ports)) == len(ports), ports
    for name, node in zip("ABC", nodes):
        env = {k: compose_defaults(v) for k, v in node["environment"].items()}
        assert proxy_env[f"NODE_{name}_PORT"] == env["LINECAST_PORT"]
        assert proxy_env[f"NODE_{name}_HTTP_PORT"] == env["LINECAST_HTTP_PORT"]
    assert all(proxy["depends_on"][f"node-{n}"]["condition"] == "service_healthy" for n in "abc")
    haproxy = os.environ.get("HAPROXY", "/usr/sbin/haproxy")
    if not os.path.exists(haproxy):
        pytest.skip("no haproxy to check docker/haproxy.cfg with")
    r = subprocess.run([haproxy, "-c", "-f", str(DOCKER / "haproxy.cfg")], capture_output=True, text=True,
                       env={**os.environ, **proxy_env}, timeout=20)
    assert r.returncode == 0, r.stdout + r.stderr
    # Without the environment it is not valid: the file reads its addresses from it.
    bare = {k: v for k, v in os.environ.items() if k not in proxy_env}
    assert subprocess.run([haproxy, "-c", "-f", str(DOCKER / "haproxy.cfg")], capture_output=True,
                          env=bare, timeout=20).returncode != 0
