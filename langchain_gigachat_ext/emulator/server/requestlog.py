"""Request log: an in-memory list plus an optional JSON-lines file, secrets redacted."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Final

REDACTED: Final = "REDACTED"
"""Replacement for every secret value."""

SECRET_KEYS: Final = frozenset(
    {
        "authorization",
        "credentials",
        "password",
        "access_token",
        "tok",
        "token",
        "refresh_token",
        "client_secret",
        "api_key",
    }
)
"""Keys (case-insensitive) whose values never reach the log."""

MAX_ENTRIES: Final = 10_000
"""In-memory entries kept; the oldest are dropped beyond this."""


def redact(value: Any) -> Any:
    """A copy of ``value`` with every secret-keyed value replaced by ``REDACTED``."""
    if isinstance(value, dict):
        return {
            key: REDACTED if str(key).lower() in SECRET_KEYS else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


class RequestLog:
    """Collects one entry per handled request."""

    def __init__(self, path: str | Path | None = None) -> None:
        """Create the log.

        Args:
            path: JSON-lines file to append entries to (none when omitted).
        """
        self.entries: list[dict[str, Any]] = []
        self.path = Path(path) if path else None
        self._lock = threading.Lock()

    def add(self, entry: dict[str, Any]) -> None:
        """Record one (already redacted) entry."""
        with self._lock:
            self.entries.append(entry)
            if len(self.entries) > MAX_ENTRIES:
                del self.entries[: len(self.entries) - MAX_ENTRIES]
            if self.path is not None:
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def clear(self) -> None:
        """Empty the in-memory list (the file is kept)."""
        with self._lock:
            self.entries.clear()
