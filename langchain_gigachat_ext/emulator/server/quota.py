"""The account's quota of requests in flight: 429 beyond ``max_concurrent``, as the API does.

GigaChat lets a personal account run 1 request at a time and a business account 10 by default;
requests beyond the quota are answered 429 ``{"status":429,"message":"Too many requests"}``
(PROTOCOL §8.1 for the shape; the quotas from developers.sber.ru's limitations page). Which
requests count and whether the answer carries ``Retry-After`` is not documented: here every API
request counts except the token endpoints (OAuth, ``POST /token``), a stream counts until its
last byte, and the 429 carries no ``Retry-After`` and comes at once (all inferred).
"""

from __future__ import annotations

import threading

UNCOUNTED_SUFFIXES = ("/oauth", "/token")
"""Paths that never count against the quota (sign-in)."""


class ConcurrencyQuota:
    """How many API requests may be in flight at once (None: no limit)."""

    def __init__(self, max_concurrent: int | None = None) -> None:
        """Create the quota; ``max_concurrent`` may be changed while the server runs."""
        self.max_concurrent = max_concurrent
        """Requests allowed in flight; None disables the quota."""
        self.in_flight = 0
        """Counted requests being served now."""
        self.peak = 0
        """The most counted requests ever in flight at once."""
        self.rejected = 0
        """Requests answered 429 for the quota."""
        self._lock = threading.Lock()

    def enter(self) -> bool:
        """Count one more request in flight; False (nothing counted) past the quota."""
        with self._lock:
            limit = self.max_concurrent
            if limit is not None and self.in_flight >= limit:
                self.rejected += 1
                return False
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            return True

    def leave(self) -> None:
        """One counted request is over."""
        with self._lock:
            self.in_flight -= 1

    def reset_counts(self) -> None:
        """Zero ``peak`` and ``rejected`` (the quota itself stays)."""
        with self._lock:
            self.peak = self.in_flight
            self.rejected = 0
