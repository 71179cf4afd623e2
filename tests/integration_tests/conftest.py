from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration_tests.backend import LIVE, emulator


@pytest.fixture
def emu() -> Iterator[Any]:
    """The shared emulator with clean state (tests needing fault knobs skip in live mode)."""
    if LIVE:
        pytest.skip("uses emulator-only controls; not available against the real API")
    server = emulator()
    server.reset()
    yield server
    server.reset()
