import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Server, cleanup  # noqa: E402


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path).start()
    yield s
    s.stop()


def make_cert(folder, key_options=("ec", "-pkeyopt", "ec_paramgen_curve:P-256"), name="localhost",
              alt_names="DNS:localhost,IP:127.0.0.1"):
    """A self-signed certificate (the README's development one by default)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", *key_options, "-nodes", "-days", "30",
                    "-keyout", "dev-key.pem", "-out", "dev-cert.pem", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName={alt_names}"],
                   cwd=folder, check=True, capture_output=True, timeout=30)
    return folder / "dev-cert.pem", folder / "dev-key.pem"


@pytest.fixture(scope="session")
def dev_cert(tmp_path_factory):
    """The README's throwaway development certificate, made with its very
    command: (cert, key) for localhost and 127.0.0.1."""
    return make_cert(tmp_path_factory.mktemp("dev-cert"))


@pytest.fixture(scope="session")
def dev_cert_rsa(tmp_path_factory):
    """The same with an RSA key: Debian's mono cannot read an EC certificate."""
    return make_cert(tmp_path_factory.mktemp("dev-cert-rsa"), ["rsa:2048"])


JWT_SECRET = "examples-jwt-secret-of-at-least-32-bytes"


def start_tls_jwt_server(tmp_path, cert, key):
    """A server as the README runs it on the internet: TLS required, devices
    with JWTs (HS256, JWT_SECRET), the backend with the same secret."""
    secret = tmp_path / "jwt.secret"
    secret.write_text(JWT_SECRET + "\n")
    return Server(tmp_path, args=["--tls-cert", str(cert), "--tls-key", str(key), "--tls-required",
                                  "--jwt-secret-file", str(secret)]).start()


@pytest.fixture
def tls_jwt_server(tmp_path, dev_cert):
    s = start_tls_jwt_server(tmp_path, *dev_cert)
    yield s
    s.stop()


@pytest.fixture
def tls_jwt_server_rsa(tmp_path, dev_cert_rsa):
    s = start_tls_jwt_server(tmp_path, *dev_cert_rsa)
    yield s
    s.stop()


@pytest.fixture(autouse=True)
def stop_leftovers():
    """Whatever a test started and did not stop (it failed half-way) ends here."""
    yield
    cleanup()
