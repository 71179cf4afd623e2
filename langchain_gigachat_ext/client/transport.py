"""Every API call runs here: a token, a quota slot, one replay after a 401, retries, a budget.

The SDK's client objects bind their ``httpx.AsyncClient`` to the first event loop that used
them (a second ``asyncio.run`` then fails with "Event loop is closed", peers.md row 4). This
transport keeps one sync client and one async client *per running event loop* (built by
:mod:`~langchain_gigachat_ext.client.clients`; a loop's client is closed when the loop shuts
down, see :class:`~langchain_gigachat_ext.client.clients.LoopClients`), shares one
:class:`~langchain_gigachat_ext.client.auth.TokenManager` between them, and runs request
functions (the SDK's ``gigachat.api.*`` and our wires) on them, so the wire format, headers and
error mapping stay the SDK's. Each request holds a slot of the account's
:class:`~langchain_gigachat_ext.client.limiter.Limiter` (a stream for its whole life) and runs
under the call's :class:`~langchain_gigachat_ext.client.deadline.Deadline`. Retries are ours
alone (see :mod:`~langchain_gigachat_ext.client.retry`); a 429 the limiter can learn from is
absorbed: the request queues again without spending a retry.

Errors leave as this package's typed errors, raised outside the handler of the raw error (so
``__context__`` holds nothing), with the raw cause's request stripped of credentials.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Literal, NoReturn, TypeVar

import httpx

from langchain_gigachat_ext.client.auth import AuthSettings, Token, TokenManager
from langchain_gigachat_ext.client.clients import HttpSettings, LoopClients
from langchain_gigachat_ext.client.deadline import Budgets, Deadline, applied
from langchain_gigachat_ext.client.failures import scrubbed, translate_error
from langchain_gigachat_ext.client.limiter import CallStats, Limiter, Slot, outcome_of
from langchain_gigachat_ext.client.quota import Outcome
from langchain_gigachat_ext.client.retry import RetryPolicy
from langchain_gigachat_ext.client.sdk import errors as sdk
from langchain_gigachat_ext.errors import (
    GigaChatError,
    GigaChatRateLimitError,
    GigaChatStreamInterruptedError,
    retry_after_seconds,
)

__all__ = ["Budgets", "Transport", "translate_error"]

T = TypeVar("T")

SyncOp = Callable[[httpx.Client, "str | None"], T]
AsyncOp = Callable[[httpx.AsyncClient, "str | None"], Awaitable[T]]

MAX_ABSORBED_429 = 16
"""429s one call may absorb (re-queue without spending a retry) before they count as retries."""


Next = Literal["absorb", "retry"]


class Transport:
    """Runs SDK request functions with a token, a quota slot, one 401 replay and retries."""

    def __init__(
        self,
        http: HttpSettings,
        auth: AuthSettings,
        retry: RetryPolicy,
        *,
        limiter: Limiter | None = None,
        budgets: Budgets | None = None,
    ) -> None:
        """Create the transport; no connection is opened until the first call."""
        self.http_settings = http
        self.retry = retry
        self.limiter = limiter
        self.budgets = budgets or Budgets()
        self.tokens = TokenManager(auth)
        self._sync: httpx.Client | None = None
        self._loops = LoopClients(http.async_client)

    # --- clients -------------------------------------------------------------------------------
    def sync_http(self) -> httpx.Client:
        """The shared synchronous client."""
        if self._sync is None or self._sync.is_closed:
            self._sync = self.http_settings.sync_client()
        return self._sync

    def async_http(self) -> httpx.AsyncClient:
        """The async client of the running event loop (one per loop, closed with the loop)."""
        return self._loops.current()

    @property
    def open_loops(self) -> int:
        """Event loops whose async client this transport still holds."""
        return self._loops.count()

    def close(self) -> None:
        """Close the sync client (async clients close with :meth:`aclose` or their loop)."""
        if self._sync is not None:
            self._sync.close()

    async def aclose(self) -> None:
        """Close the current loop's async client."""
        await self._loops.aclose_current()

    # --- one-shot calls ------------------------------------------------------------------------
    def call(self, op: SyncOp[T], stats: CallStats | None = None) -> T:
        """Run ``op(http, token)`` with auth, a quota slot, retries and the call's budget."""
        deadline = self.budgets.one_shot()
        attempt = absorbed = 0
        with applied(deadline):
            while True:
                slot = Slot(self.limiter)
                try:
                    return self._authed(op, slot, deadline, stats, hold=False)
                except Exception as exc:
                    failure: Exception = exc
                step, wait = self._next(failure, slot, attempt, absorbed, deadline, stats)
                if step == "absorb":
                    absorbed += 1
                else:
                    attempt += 1
                if wait > 0:
                    time.sleep(wait)

    async def acall(self, op: AsyncOp[T], stats: CallStats | None = None) -> T:
        """Async :meth:`call`; a cancelled call gives its slot back at once."""
        deadline = self.budgets.one_shot()
        attempt = absorbed = 0
        with applied(deadline):
            while True:
                slot = Slot(self.limiter)
                try:
                    return await self._aauthed(op, slot, deadline, stats, hold=False)
                except Exception as exc:
                    failure: Exception = exc
                step, wait = self._next(failure, slot, attempt, absorbed, deadline, stats)
                if step == "absorb":
                    absorbed += 1
                else:
                    attempt += 1
                if wait > 0:
                    await asyncio.sleep(wait)

    def _next(  # noqa: PLR0917 - one call site per loop, all positional for brevity
        self,
        failure: Exception,
        slot: Slot,
        attempt: int,
        absorbed: int,
        deadline: Deadline | None,
        stats: CallStats | None,
    ) -> tuple[Next, float]:
        """After a failed attempt: absorb it, retry after a wait, or raise the typed error."""
        error = translate_error(failure)
        if stats is not None and self.limiter is not None:
            stats.limit = self.limiter.store.limit
        if isinstance(error, GigaChatRateLimitError):
            retry_after = retry_after_seconds(error)
            if retry_after is not None and retry_after > 0:
                left = deadline.remaining() if deadline is not None else float("inf")
                if retry_after > min(self.retry.max_delay, left):
                    # The server asks for a wait this call cannot afford: say so now.
                    _fail(error, failure)
                if self.limiter is not None:
                    self.limiter.pause(retry_after)
                    if slot.learnt and absorbed < MAX_ABSORBED_429:
                        if stats is not None:
                            stats.absorbed_429 += 1
                        return "absorb", 0.0  # queued again: the slot waits out the pause
            elif self.limiter is not None and slot.learnt and absorbed < MAX_ABSORBED_429:
                # Sent beside others: the limit was just lowered, so queueing again is the cure.
                if stats is not None:
                    stats.absorbed_429 += 1
                return "absorb", 0.0
        delay = self.retry.delay(error, attempt)
        if delay is None:
            _fail(error, failure)
        if deadline is not None and delay >= deadline.remaining():
            _fail(error, failure)
        return "retry", delay

    def _authed(
        self,
        op: SyncOp[T],
        slot: Slot,
        deadline: Deadline | None,
        stats: CallStats | None,
        *,
        hold: bool,
    ) -> T:
        http = self.sync_http()
        token, fresh = self.tokens.get(http)
        if self.limiter is not None:
            slot.take(self.limiter.acquire(deadline, stats))
        try:
            try:
                result = op(http, _value(token))
            except sdk.AuthenticationError as denied:
                if not self._should_replay(token, fresh, denied):
                    raise
                self.tokens.invalidate(token)  # type: ignore[arg-type]
                token, _ = self.tokens.get(http)
                result = op(http, _value(token))
        except BaseException as exc:
            slot.give_back(outcome_of(exc))
            raise
        if not hold:
            slot.give_back("ok")
            _note(stats, self.limiter)
        return result

    async def _aauthed(
        self,
        op: AsyncOp[T],
        slot: Slot,
        deadline: Deadline | None,
        stats: CallStats | None,
        *,
        hold: bool,
    ) -> T:
        http = self.async_http()
        token, fresh = await self.tokens.aget(http)
        if self.limiter is not None:
            slot.take(await self.limiter.aacquire(deadline, stats))
        try:
            try:
                result = await op(http, _value(token))
            except sdk.AuthenticationError as denied:
                if not self._should_replay(token, fresh, denied):
                    raise
                self.tokens.invalidate(token)  # type: ignore[arg-type]
                token, _ = await self.tokens.aget(http)
                result = await op(http, _value(token))
        except BaseException as exc:
            slot.give_back(outcome_of(exc))
            raise
        if not hold:
            slot.give_back("ok")
            _note(stats, self.limiter)
        return result

    def _should_replay(
        self, token: Token | None, fresh: bool, denied: sdk.AuthenticationError
    ) -> bool:
        # A 401 on a cached token means it was revoked or expired early: refresh once and
        # replay. A 401 right after fetching a token is final (PROTOCOL §2.5) — unless the
        # server says the token expired (PROTOCOL §8.1 "Token has expired"), which a busy client
        # can meet even with a token it just received from a concurrent fetch.
        if token is None or not self.tokens.can_refresh:
            return False
        return not fresh or b"expired" in (denied.content or b"").lower()

    # --- streams -------------------------------------------------------------------------------
    def stream(
        self,
        op: Callable[[httpx.Client, str | None], Iterator[T]],
        stats: CallStats | None = None,
    ) -> Iterator[T]:
        """Iterate ``op(http, token)``; retried only until the first item is yielded.

        The stream holds a quota slot for its whole life. However the iteration ends
        (exhausted, failed, or abandoned by the caller), the response is closed at once, so no
        connection is left half-read, and the slot is given back.
        """
        deadline = self.budgets.stream()
        attempt = absorbed = 0
        while True:
            slot = Slot(self.limiter)
            iterator: Iterator[T] | None = None
            started = False
            outcome: Outcome = "other"
            failure: Exception | None = None
            try:
                with applied(deadline):
                    iterator, item = self._authed(_opened(op), slot, deadline, stats, hold=True)
                while item is not _END:
                    started = True
                    yield item
                    if deadline is not None:
                        deadline.moved_on()  # the caller is back: the next chunk's wait starts
                    with applied(deadline):
                        item = next(iterator, _END)
                outcome = "ok"
                return  # noqa: TRY300 - the finally below must run first
            except Exception as exc:
                failure = exc
            finally:
                _close(iterator)
                slot.give_back(outcome if failure is None else outcome_of(failure))
            if failure is None:  # pragma: no cover - the loop returned above
                return
            if started:
                _fail(_interrupted(translate_error(failure)), failure)
            step, wait = self._next(failure, slot, attempt, absorbed, deadline, stats)
            if step == "absorb":
                absorbed += 1
            else:
                attempt += 1
            if wait > 0:
                time.sleep(wait)

    async def astream(
        self,
        op: Callable[[httpx.AsyncClient, str | None], AsyncIterator[T]],
        stats: CallStats | None = None,
    ) -> AsyncIterator[T]:
        """Async twin of :meth:`stream`; cancelling it closes the connection and frees the slot."""
        deadline = self.budgets.stream()
        attempt = absorbed = 0
        while True:
            slot = Slot(self.limiter)
            iterator: AsyncIterator[T] | None = None
            started = False
            outcome: Outcome = "other"
            failure: Exception | None = None
            try:
                with applied(deadline):
                    opened, item = await self._aauthed(
                        _aopened(op), slot, deadline, stats, hold=True
                    )
                iterator = opened
                while item is not _END:
                    started = True
                    yield item
                    if deadline is not None:
                        deadline.moved_on()
                    with applied(deadline):
                        item = await anext(opened, _END)
                outcome = "ok"
                return  # noqa: TRY300 - the finally below must run first
            except Exception as exc:
                failure = exc
            finally:
                if iterator is not None:
                    await _aclose(iterator)
                slot.give_back(outcome if failure is None else outcome_of(failure))
            if failure is None:  # pragma: no cover - the loop returned above
                return
            if started:
                _fail(_interrupted(translate_error(failure)), failure)
            step, wait = self._next(failure, slot, attempt, absorbed, deadline, stats)
            if step == "absorb":
                absorbed += 1
            else:
                attempt += 1
            if wait > 0:
                await asyncio.sleep(wait)


_END: Any = object()


def _opened(
    op: Callable[[httpx.Client, str | None], Iterator[T]],
) -> SyncOp[tuple[Iterator[T], Any]]:
    """A one-shot op that starts a stream: its iterator and first item (or ``_END``)."""

    def start(http: httpx.Client, token: str | None) -> tuple[Iterator[T], Any]:
        iterator = op(http, token)
        try:
            return iterator, next(iterator, _END)
        except BaseException:
            _close(iterator)
            raise

    return start


def _aopened(
    op: Callable[[httpx.AsyncClient, str | None], AsyncIterator[T]],
) -> AsyncOp[tuple[AsyncIterator[T], Any]]:
    """Async twin of :func:`_opened`."""

    async def start(http: httpx.AsyncClient, token: str | None) -> tuple[AsyncIterator[T], Any]:
        iterator = op(http, token)
        try:
            return iterator, await anext(iterator, _END)
        except BaseException:
            await _aclose(iterator)
            raise

    return start


def _value(token: Token | None) -> str | None:
    return token.value if token is not None else None


def _note(stats: CallStats | None, limiter: Limiter | None) -> None:
    if stats is not None and limiter is not None:
        stats.limit = limiter.store.limit


def _close(iterator: Iterator[Any] | None) -> None:
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


async def _aclose(iterator: AsyncIterator[Any]) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


def _interrupted(error: GigaChatError) -> GigaChatStreamInterruptedError:
    # The typed cause (timeout, broken connection, malformed chunk) becomes __cause__; chat
    # models fill partial_text with what they delivered.
    interrupted = GigaChatStreamInterruptedError(
        f"The stream broke after output had been delivered ({error}); it was not retried so "
        "that no text is repeated. `partial_text` holds what was received.",
        partial_text="",
        request_id=error.request_id,
    )
    interrupted.__cause__ = error
    return interrupted


def _fail(error: GigaChatError, cause: BaseException) -> NoReturn:
    """Raise ``error`` caused by ``cause``, with no credential reachable from the chain.

    Called outside the ``except`` block that caught ``cause``, so ``__context__`` stays empty.
    """
    inner: BaseException = error
    if isinstance(error, GigaChatStreamInterruptedError) and error.__cause__ is not None:
        inner = error.__cause__
    if inner is not cause and inner.__cause__ is None:
        inner.__cause__ = cause
    scrubbed(error)
    raise error
