"""Where integration tests send their requests: the emulator, or the real API in live mode.

Live mode: ``GIGACHAT_LIVE=1`` and ``GIGACHAT_CREDENTIALS`` set — the same tests then run
against the real GigaChat API (``GIGACHAT_*`` variables configure the connection). Otherwise one
emulator per test process is started on a free loopback port.
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import Any

LIVE = os.environ.get("GIGACHAT_LIVE") == "1" and bool(os.environ.get("GIGACHAT_CREDENTIALS"))

_lock = threading.Lock()
_emulator: Any = None


def emulator() -> Any:
    """The process-wide emulator (started on first use, stopped at exit)."""
    global _emulator  # noqa: PLW0603
    with _lock:
        if _emulator is None:
            from langchain_gigachat_ext.emulator import GigaChatEmulator

            _emulator = GigaChatEmulator().start()
            atexit.register(_emulator.stop)
    return _emulator


def connection_kwargs() -> dict[str, Any]:
    """Keyword arguments that point ChatGigaChat / GigaChatEmbeddings at the backend."""
    if LIVE:
        return {}
    return dict(emulator().client_kwargs())
