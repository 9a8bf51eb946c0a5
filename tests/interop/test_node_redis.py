"""node-redis 5 (npm `redis`, pinned in node/package-lock.json) with RESP3
against linecast and against a real redis-server: the same script prints
the same lines for both (subscribe, psubscribe and ssubscribe pushes,
PUBSUB counts, a MULTI, INFO). The package is installed on first use with
`npm ci` (the npm registry is reachable where the tests run)."""

import fcntl
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"


def install():
    """npm ci once, under a lock: several suites may start at once."""
    with open(NODE_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (NODE_DIR / "node_modules" / "redis" / "package.json").exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True,
                           capture_output=True, timeout=300)


def run_script(port):
    result = subprocess.run(["node", "resp3.mjs", str(port)], cwd=NODE_DIR, capture_output=True,
                            timeout=60, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.skipif(shutil.which("node") is None, reason="no Node.js on this machine")
def test_node_redis_resp3_matches_redis(start_linecast, start_redis):
    install()
    expected = run_script(start_redis().port)
    got = run_script(start_linecast().port)
    assert got == expected
    assert "message room1.tv volume 42" in got and "smessage shard.1 hello" in got
