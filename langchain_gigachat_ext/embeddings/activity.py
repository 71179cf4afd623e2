"""When an ``/embeddings`` answer may be decoded without holding back the network.

Decoding an ``/embeddings`` answer takes milliseconds under the GIL. A request whose bytes are
moving (being written, or its answer read) at that moment waits for it, and so does the next
request of its slot. :class:`Activity` follows every request in flight and tells the decoder
when to run:

* never while a request is moving bytes;
* not when an answer is due within the time a decode takes: each request reports when it was
  written, the server's latency is learnt from the answers so far (the shortest of the recent
  ones), so the next arrivals are predictable. An answer more than one decode late no longer
  holds decoding back.

A ``send`` that returns without ever reporting (a transport without httpcore's trace hook,
such as ``httpx.MockTransport``) shows that nothing will report: from then on nobody waits.
"""

from __future__ import annotations

import collections
import enum
import math
import threading
import time
from collections.abc import Callable

Moving = Callable[[bool], None]
"""A request reports whether its bytes are moving (being written or its answer read)."""

DECODE_GUESS = 0.002
"""Seconds one decode is assumed to take before the first one is measured."""
LATENCY_SAMPLES = 8
"""Recent server latencies kept; the shortest is the prediction."""


class _Phase(enum.Enum):
    QUEUED = enum.auto()
    MOVING = enum.auto()
    WAITING = enum.auto()
    DONE = enum.auto()


class Activity:
    """The requests of one batch run: which move bytes, which answer soon (thread-safe)."""

    def __init__(self, count: int, on_change: Callable[[], None] | None = None) -> None:
        """Follow ``count`` requests; ``on_change`` is called (under the lock) on any change."""
        self._phases = [_Phase.QUEUED] * count
        self._reported = [False] * count
        self._written_at: list[float | None] = [None] * count
        self._answered = [False] * count
        self._latencies: collections.deque[float] = collections.deque(maxlen=LATENCY_SAMPLES)
        self._decode = DECODE_GUESS
        self._moving = 0
        self._blind = False
        self._lock = threading.Condition()
        self._on_change = on_change

    # --- reports -------------------------------------------------------------------------------
    def expect(self, index: int) -> None:
        """Request ``index`` is starting: moving until it reports (unless it already has)."""
        with self._lock:
            if self._phases[index] is _Phase.QUEUED:
                self._set(index, _Phase.MOVING)

    def reporter(self, index: int) -> Moving:
        """The ``moving`` callback of request ``index``."""

        def report(moving: bool) -> None:
            now = time.monotonic()
            with self._lock:
                self._reported[index] = True
                written_at = self._written_at[index]
                if not moving and written_at is None:
                    self._written_at[index] = now
                elif moving and written_at is not None and not self._answered[index]:
                    self._answered[index] = True
                    self._latencies.append(now - written_at)
                self._set(index, _Phase.MOVING if moving else _Phase.WAITING)

        return report

    def done(self, index: int) -> None:
        """Request ``index``'s ``send`` returned or raised."""
        with self._lock:
            if not self._reported[index]:
                self._blind = True
            self._set(index, _Phase.DONE)

    def decoded(self, seconds: float) -> None:
        """One decode took ``seconds`` (a moving average predicts the next)."""
        with self._lock:
            self._decode += (seconds - self._decode) / 4

    # --- decisions -----------------------------------------------------------------------------
    def pause(self) -> float | None:
        """How long a decode should wait now: None for not at all, ``math.inf`` for a change."""
        with self._lock:
            if self._blind:
                return None
            if self._moving:
                return math.inf
            if not self._latencies:
                return None
            now = time.monotonic()
            latency = min(self._latencies)
            soonest = math.inf
            for index, written_at in enumerate(self._written_at):
                if (
                    written_at is None
                    or self._answered[index]
                    or self._phases[index] is not _Phase.WAITING
                ):
                    continue
                due = written_at + latency - now
                if -self._decode < due < self._decode:
                    soonest = min(soonest, due)
            # Wait until the answer arrives (a change) or is late by one decode.
            return None if soonest is math.inf else soonest + self._decode

    def wait(self) -> None:
        """Block until :meth:`pause` says a decode may run (threads)."""
        with self._lock:
            while (delay := self.pause()) is not None:
                self._lock.wait(None if delay == math.inf else delay)

    # --- internals -----------------------------------------------------------------------------
    def _set(self, index: int, phase: _Phase) -> None:
        old = self._phases[index]
        if old is _Phase.DONE:
            return
        self._phases[index] = phase
        self._moving += (phase is _Phase.MOVING) - (old is _Phase.MOVING)
        self._lock.notify_all()
        if self._on_change is not None:
            self._on_change()
