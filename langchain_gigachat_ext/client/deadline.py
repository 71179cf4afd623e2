"""A call's budget in time: one deadline for the whole call, or a window a stream keeps moving.

``timeout`` bounds each read, so a server that trickles a few bytes at a time keeps a call alive
for as long as it likes. A :class:`Deadline` bounds the call itself: for a one-shot call it is
fixed when the call starts and covers everything (the token request, waiting for a quota slot,
retries, ``Retry-After`` waits, the reads); for a stream it covers the wait for the first chunk
and then moves forward with every chunk, so it bounds the longest silence between chunks and never
cuts a long stream that keeps talking (a fixed total for streams only when the caller sets one).

The transport makes the running call's deadline current (a context variable) and the clients'
transports (:class:`DeadlineTransport`, :class:`AsyncDeadlineTransport`) apply it to every
request sent under it: no read may wait past it, and the body is checked between the pieces as
they arrive, so a trickling server is cut at most one read after the deadline.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx

from langchain_gigachat_ext.errors import GigaChatDeadlineError


class Deadline:
    """When the running call (or the current wait of a stream) must be over.

    Args:
        window: Seconds the call may take; for a stream, the longest wait for the next chunk.
        total: A stream's fixed total in seconds (None: none).
        what: How the budget was configured, for messages (``"call_timeout=5"``).
    """

    def __init__(self, window: float, *, total: float | None = None, what: str) -> None:
        """Start the budget now."""
        now = time.monotonic()
        self.window = window
        """Seconds of the budget (a stream's window between chunks)."""
        self.what = what
        """The setting that made this budget, as the user wrote it."""
        self._total_at = now + total if total is not None else float("inf")
        self.at = min(now + window, self._total_at)
        """``time.monotonic()`` value by which the call (or the stream's next chunk) is due."""

    def remaining(self) -> float:
        """Seconds left (never below zero)."""
        return max(0.0, self.at - time.monotonic())

    def expired(self) -> bool:
        """Whether the budget is spent."""
        return time.monotonic() >= self.at

    def moved_on(self) -> None:
        """A stream delivered a chunk: the next one has a whole window again (within the total)."""
        self.at = min(time.monotonic() + self.window, self._total_at)

    def check(self, doing: str) -> None:
        """Raise :class:`GigaChatDeadlineError` when the budget is spent.

        Args:
            doing: What the call was doing, for the message ("waiting for a quota slot").
        """
        if self.expired():
            raise self.error(doing)

    def error(self, doing: str) -> GigaChatDeadlineError:
        """The typed error saying the budget ran out while ``doing``."""
        return GigaChatDeadlineError(
            f"The call's time budget ({self.what} s) ran out while {doing}. Raise it, or lower "
            "the load on the account (its requests in flight share one quota)."
        )


_current: ContextVar[Deadline | None] = ContextVar("gigachat_deadline", default=None)


def current() -> Deadline | None:
    """The deadline of the call running in this context, if it has one."""
    return _current.get()


@contextmanager
def applied(deadline: Deadline | None) -> Iterator[None]:
    """Make ``deadline`` current for the requests sent inside the block."""
    token = _current.set(deadline)
    try:
        yield
    finally:
        _current.reset(token)


def _bounded(request: httpx.Request, deadline: Deadline) -> None:
    """No connect, write, pool wait or read of ``request`` may outlast the deadline."""
    left = deadline.remaining()
    if left <= 0:
        raise deadline.error(f"sending {request.method} {request.url.path}")
    timeouts = dict(request.extensions.get("timeout") or {})
    for name in ("connect", "read", "write", "pool"):
        value = timeouts.get(name)
        timeouts[name] = left if value is None else min(value, left)
    request.extensions["timeout"] = timeouts


def _watched(response: httpx.Response, stream: Any) -> httpx.Response:
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=stream,
        extensions=response.extensions,
    )


class DeadlineTransport(httpx.BaseTransport):
    """Sends through ``inner``, holding every request to the current call's deadline."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        """Wrap ``inner`` (closed with this transport)."""
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """``inner``'s answer, its body read under the deadline."""
        deadline = _current.get()
        if deadline is None:
            return self._inner.handle_request(request)
        _bounded(request, deadline)
        response = self._inner.handle_request(request)
        return _watched(response, _Body(response.stream, deadline, request))  # type: ignore[arg-type]

    def close(self) -> None:
        """Close ``inner``."""
        self._inner.close()


class AsyncDeadlineTransport(httpx.AsyncBaseTransport):
    """Async twin of :class:`DeadlineTransport`."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        """Wrap ``inner`` (closed with this transport)."""
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """``inner``'s answer, its body read under the deadline."""
        deadline = _current.get()
        if deadline is None:
            return await self._inner.handle_async_request(request)
        _bounded(request, deadline)
        response = await self._inner.handle_async_request(request)
        return _watched(response, _AsyncBody(response.stream, deadline, request))  # type: ignore[arg-type]

    async def aclose(self) -> None:
        """Close ``inner``."""
        await self._inner.aclose()


class _Body(httpx.SyncByteStream):
    """A response body that stops with a typed error once the deadline has passed."""

    def __init__(
        self, inner: httpx.SyncByteStream, deadline: Deadline, request: httpx.Request
    ) -> None:
        self._inner = inner
        self._deadline = deadline
        self._doing = f"reading the answer to {request.method} {request.url.path}"

    def __iter__(self) -> Iterator[bytes]:
        """The body's pieces as they arrive."""
        for piece in self._inner:
            self._deadline.check(self._doing)
            yield piece

    def close(self) -> None:
        """Close the inner body (and release its connection)."""
        self._inner.close()


class _AsyncBody(httpx.AsyncByteStream):
    """Async twin of :class:`_Body`."""

    def __init__(
        self, inner: httpx.AsyncByteStream, deadline: Deadline, request: httpx.Request
    ) -> None:
        self._inner = inner
        self._deadline = deadline
        self._doing = f"reading the answer to {request.method} {request.url.path}"

    async def __aiter__(self) -> AsyncIterator[bytes]:
        """The body's pieces as they arrive."""
        async for piece in self._inner:
            self._deadline.check(self._doing)
            yield piece

    async def aclose(self) -> None:
        """Close the inner body (and release its connection)."""
        await self._inner.aclose()


@dataclass(frozen=True)
class Budgets:
    """The whole-call time budgets of a model (``call_timeout``, ``stream_timeout``)."""

    call_timeout: float | None = None
    """Seconds a one-shot call may take in all; for a stream, the longest wait for a chunk."""
    stream_timeout: float | None = None
    """Seconds a stream may take in all (None: no total)."""

    def one_shot(self) -> Deadline | None:
        """The deadline of a one-shot call starting now."""
        if self.call_timeout is None:
            return None
        return Deadline(self.call_timeout, what=f"call_timeout={self.call_timeout:g}")

    def stream(self) -> Deadline | None:
        """The deadline of a stream starting now (moved on by every chunk)."""
        window = self.call_timeout if self.call_timeout is not None else self.stream_timeout
        if window is None:
            return None
        what = ", ".join(
            f"{name}={value:g}"
            for name, value in (
                ("call_timeout", self.call_timeout),
                ("stream_timeout", self.stream_timeout),
            )
            if value is not None
        )
        return Deadline(window, total=self.stream_timeout, what=what)
