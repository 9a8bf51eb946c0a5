"""TLS against the real linecast-server: certificates made with the openssl
command in a temporary folder (a CA, server and client certificates signed
by it, and a second CA nobody trusts)."""

import subprocess
import sys
from pathlib import Path

import pytest

# The server/process helpers are shared with tests/examples.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from harness import cleanup  # noqa: E402


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _key(name, cwd):
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", f"{name}.key", cwd=cwd)


def _ca(name, cwd):
    _key(name, cwd)
    _openssl("req", "-x509", "-new", "-key", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
             "-subj", f"/CN={name}", cwd=cwd)


def _signed(name, cn, ca, cwd, server=False):
    _key(name, cwd)
    _openssl("req", "-new", "-key", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}", cwd=cwd)
    ext = Path(cwd) / f"{name}.ext"
    ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n" if server
                   else "extendedKeyUsage=clientAuth\n")
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
             "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", ext.name, cwd=cwd)


class Certs:
    def __init__(self, folder):
        self.dir = Path(folder)

    def __getattr__(self, name):
        # certs.server -> server.pem, certs.server_key -> server.key
        if name.endswith("_key"):
            return str(self.dir / f"{name[:-4]}.key")
        return str(self.dir / f"{name}.pem")


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    _ca("ca", d)
    _ca("rogue_ca", d)
    _signed("server", "localhost", "ca", d, server=True)
    _signed("server2", "localhost", "ca", d, server=True)  # what SIGHUP swaps in
    _signed("client", "tv", "ca", d)
    _signed("rogue_client", "tv", "rogue_ca", d)
    return Certs(d)


@pytest.fixture(autouse=True)
def stop_leftovers():
    """Whatever a test started and did not stop (it failed half-way) ends here."""
    yield
    cleanup()
