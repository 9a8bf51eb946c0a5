import sys
from pathlib import Path

import pytest

# The server/process helpers are shared with tests/examples.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

from harness import cleanup  # noqa: E402


@pytest.fixture(autouse=True)
def stop_leftovers():
    """Whatever a test started and did not stop (it failed half-way) ends here."""
    yield
    cleanup()
