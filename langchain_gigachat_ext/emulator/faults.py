"""Fault knobs: latency, injected failures, broken streams, expiring tokens.

A :class:`Faults` object is shared between the test thread and the server thread; plain attribute
writes are atomic in CPython, and the counters that several requests decrement take a lock.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field


@dataclass
class Faults:
    """Everything that can go wrong on purpose. Mutate freely while the server runs."""

    latency: float = 0.0
    """Seconds from a request's arrival to its API response (the emulator's own work included)."""
    chunk_delay: float = 0.0
    """Seconds to wait between SSE chunks."""
    failure_rate: float = 0.0
    """Probability (0..1) that an API request fails with one of ``failure_statuses``."""
    failure_statuses: tuple[int, ...] = (500, 502, 503)
    """Statuses drawn for random failures."""
    seed: int = 0
    """Seed of the failure RNG (re-seeded by :meth:`reset`)."""
    token_ttl: float = 1800.0
    """Lifetime of newly issued tokens, seconds (DOC: 30 minutes)."""
    cut_stream_after: int | None = None
    """Close streams abruptly after this many chunks (no ``[DONE]``)."""
    stall_seconds: float = 0.0
    """Sleep before a JSON answer, or after the first chunk of a stream."""
    malformed_chunk_at: int | None = None
    """Replace the chunk with this 0-based index by an invalid JSON data line."""
    unauthorized_after: int | None = None
    """Answer 401 once this many API calls succeeded with the current token generation."""
    _fail_remaining: int = 0
    _fail_status: int = 503
    _fail_retry_after: float | None = None
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        """Seed the failure RNG."""
        self._rng.seed(self.seed)

    def fail_first(self, n: int, status: int = 503, retry_after: float | None = None) -> None:
        """Make the next ``n`` API requests fail with ``status``.

        Args:
            n: How many requests fail.
            status: HTTP status to answer with.
            retry_after: Seconds for a ``Retry-After`` header (sent when given).
        """
        with self._lock:
            self._fail_remaining = n
            self._fail_status = status
            self._fail_retry_after = retry_after

    def draw_failure(self) -> tuple[int, dict[str, str]] | None:
        """Decide whether the current API request fails; returns status and headers if so."""
        with self._lock:
            if self._fail_remaining > 0:
                self._fail_remaining -= 1
                headers = {}
                if self._fail_retry_after is not None:
                    headers["Retry-After"] = _seconds(self._fail_retry_after)
                return self._fail_status, headers
            if self.failure_rate > 0 and self._rng.random() < self.failure_rate:
                return self._rng.choice(self.failure_statuses), {}
        return None

    def reset(self) -> None:
        """Turn every fault off (``token_ttl`` is kept) and re-seed the RNG."""
        with self._lock:
            self.latency = 0.0
            self.chunk_delay = 0.0
            self.failure_rate = 0.0
            self.failure_statuses = (500, 502, 503)
            self.cut_stream_after = None
            self.stall_seconds = 0.0
            self.malformed_chunk_at = None
            self.unauthorized_after = None
            self._fail_remaining = 0
            self._rng.seed(self.seed)


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
