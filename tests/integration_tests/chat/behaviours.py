"""The emulator's model behaviours the integration tests run against, and where to reach them.

``helpful`` (the default) fills what a conversation suggests; ``literal`` fills exactly what a
schema requires, as a constrained decoder would (issue 22). In live mode (``GIGACHAT_LIVE=1``)
there is one backend, the real API, and the behaviour parameter collapses to ``live``.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

from tests.integration_tests.backend import LIVE, connection_kwargs, emulator

BEHAVIOURS = ("live",) if LIVE else ("helpful", "literal")
"""The backends a behaviour-parametrised test runs against."""

_lock = threading.Lock()
_servers: dict[str, Any] = {}


def server(behaviour: str) -> Any:
    """The process-wide emulator of one behaviour (None in live mode)."""
    if behaviour == "live":
        return None
    if behaviour == "helpful":
        return emulator()
    with _lock:
        if behaviour not in _servers:
            from langchain_gigachat_ext.emulator import GigaChatEmulator

            _servers[behaviour] = GigaChatEmulator(behaviour=behaviour).start()
            atexit.register(_servers[behaviour].stop)
    return _servers[behaviour]


def kwargs_for(behaviour: str) -> dict[str, Any]:
    """``ChatGigaChat`` connection arguments for a behaviour's backend."""
    running = server(behaviour)
    return connection_kwargs() if running is None else dict(running.client_kwargs())
