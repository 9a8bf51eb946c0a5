import sys
from pathlib import Path

import pytest

# The server/process helpers are shared with tests/examples.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import start_chromium, stop_chromium  # noqa: E402
from harness import cleanup  # noqa: E402


@pytest.fixture
def driver(tmp_path):
    """A fresh headless Chromium per test."""
    d = start_chromium(tmp_path / "chromium-profile")
    yield d
    stop_chromium(d)


@pytest.fixture(autouse=True)
def stop_leftovers():
    """Whatever a test started and did not stop (it failed half-way) ends here."""
    yield
    cleanup()
