"""How many requests an account may have in flight: its quota, learnt adaptively from 429s.

GigaChat lets a personal account (``GIGACHAT_API_PERS``) run 1 request at a time and a business
account (``GIGACHAT_API_B2B``, ``GIGACHAT_API_CORP``) 10 by default, more by contract; requests
beyond the quota are answered 429 (developers.sber.ru, limitations page, in
research/peers.md). The API does not say which quota an account has, and every 429 reads alike,
so the in-flight limit is learnt:

* it starts low (``min(quota, 2)``) and, until the first 429, grows by one with every success
  of a request sent while the limit was reached (slow start: it doubles each busy round);
* a 429 lowers it at once to one below the number of requests in flight when the 429 came
  (the server's quota is below that; a 429 comes at once, so that is what the server saw);
* after that, each ``limit × SUCCESSES_PER_STEP`` such successes raise it by one, up to the
  quota.

:class:`AdaptiveLimit` is that rule as pure state; :class:`LocalSlots` keeps it for one process
(the shared Redis store keeps the same rule in Redis, :mod:`~.redis_slots`).
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Literal, Protocol

DEFAULT_QUOTAS = {"GIGACHAT_API_PERS": 1, "GIGACHAT_API_B2B": 10, "GIGACHAT_API_CORP": 10}
"""The documented in-flight quota of each scope (developers.sber.ru, limitations page)."""

UNKNOWN_SCOPE_QUOTA = 1
"""Quota assumed when the scope is unknown (an access token or user/password sign-in without an
explicit ``scope``): the smallest any account has, so no call is ever refused for it."""

INITIAL_LIMIT = 2
"""The in-flight limit a fresh account starts at (below it when the quota is lower)."""

SUCCESSES_PER_STEP = 8
"""After the first 429, ``limit × SUCCESSES_PER_STEP`` successes raise the limit by one."""

Outcome = Literal["ok", "rate_limited", "other"]
"""How a request that held a slot ended: answered, refused with 429, or anything else."""


def default_quota(scope: str | None) -> int:
    """The quota of ``scope``; :data:`UNKNOWN_SCOPE_QUOTA` when it is None or unknown."""
    if scope is None:
        return UNKNOWN_SCOPE_QUOTA
    return DEFAULT_QUOTAS.get(scope.strip().upper(), UNKNOWN_SCOPE_QUOTA)


@dataclass
class AdaptiveLimit:
    """The learnt in-flight limit of one account (pure state; callers hold a lock)."""

    quota: int
    """The most requests ever allowed in flight (configured, or the scope's default)."""
    limit: int = 0
    """Requests allowed in flight now (``1 ≤ limit ≤ quota``)."""
    slow_start: bool = True
    """Whether no 429 was seen yet (each success then raises the limit)."""
    successes: int = 0
    """Successes since the limit last changed (after slow start)."""

    def __post_init__(self) -> None:
        """Start at :data:`INITIAL_LIMIT` (or the quota when lower)."""
        if self.limit <= 0:
            self.limit = min(self.quota, INITIAL_LIMIT)

    def set_quota(self, quota: int) -> None:
        """A new configured quota; the limit never exceeds it."""
        self.quota = quota
        self.limit = min(self.limit, quota)

    def record(self, outcome: Outcome, granted_at: int, in_flight: int) -> tuple[int, int]:
        """Learn from one finished request; returns the limit before and after.

        Args:
            outcome: How the request ended.
            granted_at: Requests in flight, this one included, when it was granted.
            in_flight: Requests in flight, this one included, as it ends (a 429 comes at once,
                so this is what the server saw: its quota is below it).
        """
        before = self.limit
        if outcome == "rate_limited":
            self.limit = max(1, min(self.limit, in_flight - 1))
            self.slow_start = False
            self.successes = 0
        elif outcome == "ok" and granted_at >= self.limit - 1:
            # Only a request sent while the limit was (nearly) reached says it could be higher.
            if self.slow_start:
                self.limit = min(self.quota, self.limit + 1)
            else:
                self.successes += 1
                if self.successes >= self.limit * SUCCESSES_PER_STEP:
                    self.limit = min(self.quota, self.limit + 1)
                    self.successes = 0
        return before, self.limit


@dataclass(frozen=True)
class Lease:
    """One granted slot."""

    id: str
    """Unique id of the lease (a member of the shared store's lease set)."""
    in_flight: int
    """Requests in flight, this one included, when it was granted."""
    store: SlotStore = field(repr=False, compare=False)
    """The store that granted it (and takes it back)."""


class SlotStore(Protocol):
    """Where an account's slots are counted: this process, or Redis for many."""

    def try_acquire(self) -> Lease | None:
        """A slot if one is free now, else None (never waits)."""
        ...

    def release(self, lease: Lease, outcome: Outcome) -> None:
        """Give the slot back and learn from the outcome."""
        ...

    def pause(self, seconds: float) -> None:
        """Grant nothing for ``seconds`` (a ``Retry-After``)."""
        ...

    def retry_in(self) -> float | None:
        """Seconds after which a refused caller should try again unprompted.

        None when a release in this process is the only thing that can free a slot (the
        caller is woken by it).
        """
        ...

    @property
    def limit(self) -> int:
        """The current in-flight limit."""
        ...

    @property
    def quota(self) -> int:
        """The configured quota."""
        ...

    def set_quota(self, quota: int) -> None:
        """Change the configured quota."""
        ...


_ids = itertools.count(1)


class LocalSlots:
    """The slots of one account in this process."""

    def __init__(self, quota: int) -> None:
        """Start with nothing in flight."""
        self._state = AdaptiveLimit(quota)
        self._lock = threading.Lock()
        self._in_flight = 0
        self._paused_until = 0.0
        self.rejected = 0
        """429s seen (observable in tests and benchmarks)."""

    @property
    def limit(self) -> int:
        """The current in-flight limit."""
        return self._state.limit

    @property
    def quota(self) -> int:
        """The configured quota."""
        return self._state.quota

    @property
    def in_flight(self) -> int:
        """Requests holding a slot now."""
        return self._in_flight

    def set_quota(self, quota: int) -> None:
        """Change the configured quota."""
        with self._lock:
            self._state.set_quota(quota)

    def try_acquire(self) -> Lease | None:
        """A slot if the limit allows one and no ``Retry-After`` pause is running."""
        with self._lock:
            if self._in_flight >= self._state.limit or time.monotonic() < self._paused_until:
                return None
            self._in_flight += 1
            return Lease(f"local-{next(_ids)}", self._in_flight, self)

    def release(self, lease: Lease, outcome: Outcome) -> None:
        """Give the slot back and learn from the outcome."""
        with self._lock:
            if outcome == "rate_limited":
                self.rejected += 1
            self._state.record(outcome, lease.in_flight, self._in_flight)
            self._in_flight -= 1

    def pause(self, seconds: float) -> None:
        """Grant nothing for ``seconds``."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def retry_in(self) -> float | None:
        """The rest of a ``Retry-After`` pause, else None (a local release wakes waiters)."""
        left = self._paused_until - time.monotonic()
        return left if left > 0 else None
