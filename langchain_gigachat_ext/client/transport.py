"""Every API call runs here: with a valid token, one replay after a 401, and retries.

The SDK's client objects bind their ``httpx.AsyncClient`` to the first event loop that used
them (a second ``asyncio.run`` then fails with "Event loop is closed", peers.md row 4). This
transport keeps one sync client and one async client *per running event loop* (built by
:mod:`~langchain_gigachat_ext.client.clients`), shares one
:class:`~langchain_gigachat_ext.client.auth.TokenManager` between them, and runs request
functions (the SDK's ``gigachat.api.*`` and our wires) on them, so the wire format, headers and
error mapping stay the SDK's. Retries are ours alone
(see :mod:`~langchain_gigachat_ext.client.retry`).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, NoReturn, TypeVar

import httpx
import pydantic

from langchain_gigachat_ext.client.auth import AuthSettings, Token, TokenManager
from langchain_gigachat_ext.client.clients import HttpSettings
from langchain_gigachat_ext.client.retry import RetryPolicy
from langchain_gigachat_ext.client.sdk import errors as sdk
from langchain_gigachat_ext.errors import (
    GigaChatError,
    GigaChatMalformedResponseError,
    GigaChatStreamInterruptedError,
    from_sdk_error,
    from_transport_error,
)

T = TypeVar("T")

SyncOp = Callable[[httpx.Client, "str | None"], T]
AsyncOp = Callable[[httpx.AsyncClient, "str | None"], Awaitable[T]]


def translate_error(error: BaseException, *, request_id: str | None = None) -> GigaChatError:
    """Map any failure of a call to this package's typed errors."""
    if isinstance(error, GigaChatError):
        return error
    if isinstance(error, sdk.ResponseError):
        return from_sdk_error(error)
    if isinstance(error, (httpx.HTTPError, ssl.SSLError, OSError)):
        return from_transport_error(error)
    if isinstance(error, (pydantic.ValidationError, json.JSONDecodeError, KeyError, TypeError)):
        return GigaChatMalformedResponseError(
            f"GigaChat sent a response that does not follow the protocol: {_short(error)}",
            request_id=request_id,
        )
    raise error


def _short(error: BaseException) -> str:
    text = str(error).splitlines()
    return text[0][:300] if text else type(error).__name__


class Transport:
    """Runs SDK request functions with a valid token, one 401 replay, and retries."""

    def __init__(self, http: HttpSettings, auth: AuthSettings, retry: RetryPolicy) -> None:
        """Create the transport; no connection is opened until the first call."""
        self.http_settings = http
        self.retry = retry
        self.tokens = TokenManager(auth)
        self._sync: httpx.Client | None = None
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )

    # --- clients -------------------------------------------------------------------------------
    def sync_http(self) -> httpx.Client:
        """The shared synchronous client."""
        if self._sync is None or self._sync.is_closed:
            self._sync = self.http_settings.sync_client()
        return self._sync

    def async_http(self) -> httpx.AsyncClient:
        """The async client of the running event loop (one per loop)."""
        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None or client.is_closed:
            client = self.http_settings.async_client()
            self._async[loop] = client
        return client

    def close(self) -> None:
        """Close the sync client (async clients close with :meth:`aclose` or their loop)."""
        if self._sync is not None:
            self._sync.close()

    async def aclose(self) -> None:
        """Close the current loop's async client."""
        client = self._async.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    # --- one-shot calls ------------------------------------------------------------------------
    def call(self, op: SyncOp[T]) -> T:
        """Run ``op(http, token)`` with auth and retries (sync)."""
        attempt = 0
        while True:
            try:
                return self._authed(op)
            except Exception as exc:  # noqa: PERF203 - the retry loop itself
                error = translate_error(exc)
                delay = self.retry.delay(error, attempt)
                if delay is None:
                    _raise(error, exc)
                attempt += 1
                time.sleep(delay)

    async def acall(self, op: AsyncOp[T]) -> T:
        """Run ``await op(http, token)`` with auth and retries (async)."""
        attempt = 0
        while True:
            try:
                return await self._aauthed(op)
            except Exception as exc:  # noqa: PERF203 - the retry loop itself
                error = translate_error(exc)
                delay = self.retry.delay(error, attempt)
                if delay is None:
                    _raise(error, exc)
                attempt += 1
                await asyncio.sleep(delay)

    def _authed(self, op: SyncOp[T]) -> T:
        http = self.sync_http()
        token, fresh = self.tokens.get(http)
        try:
            return op(http, _value(token))
        except sdk.AuthenticationError as denied:
            if not self._should_replay(token, fresh, denied):
                raise
            self.tokens.invalidate(token)  # type: ignore[arg-type]
            token, _ = self.tokens.get(http)
            return op(http, _value(token))

    async def _aauthed(self, op: AsyncOp[T]) -> T:
        http = self.async_http()
        token, fresh = await self.tokens.aget(http)
        try:
            return await op(http, _value(token))
        except sdk.AuthenticationError as denied:
            if not self._should_replay(token, fresh, denied):
                raise
            self.tokens.invalidate(token)  # type: ignore[arg-type]
            token, _ = await self.tokens.aget(http)
            return await op(http, _value(token))

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
    def stream(self, op: Callable[[httpx.Client, str | None], Iterator[T]]) -> Iterator[T]:
        """Iterate ``op(http, token)``; retried only until the first item is yielded.

        However the iteration ends (exhausted, failed, or abandoned by the caller), the
        underlying response is closed, so no connection is left checked out of the pool.
        """
        attempt = 0
        while True:
            started = False
            iterator: Iterator[T] | None = None
            try:
                # Opening the stream (up to its first item) is a one-shot call: same auth.
                iterator, first = self._authed(_opened(op))
                if first is _END:
                    return
                started = True
                yield first
                yield from iterator
            except GeneratorExit:
                raise
            except Exception as exc:
                error = translate_error(exc)
                if started:
                    _raise(_interrupted(error, exc), error)
                delay = self.retry.delay(error, attempt)
                if delay is None:
                    _raise(error, exc)
                attempt += 1
                time.sleep(delay)
            else:
                return
            finally:
                _close(iterator)

    async def astream(
        self, op: Callable[[httpx.AsyncClient, str | None], AsyncIterator[T]]
    ) -> AsyncIterator[T]:
        """Async twin of :meth:`stream`; cancelling it closes the connection."""
        attempt = 0
        while True:
            started = False
            iterator: AsyncIterator[T] | None = None
            try:
                started_iterator, first = await self._aauthed(_aopened(op))
                iterator = started_iterator
                if first is _END:
                    return
                started = True
                yield first
                async for item in started_iterator:
                    yield item
            except (GeneratorExit, asyncio.CancelledError):
                raise
            except Exception as exc:
                error = translate_error(exc)
                if started:
                    _raise(_interrupted(error, exc), error)
                delay = self.retry.delay(error, attempt)
                if delay is None:
                    _raise(error, exc)
                attempt += 1
                await asyncio.sleep(delay)
            else:
                return
            finally:
                if iterator is not None:
                    await _aclose(iterator)


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


def _close(iterator: Iterator[Any] | None) -> None:
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


async def _aclose(iterator: AsyncIterator[Any]) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


def _interrupted(error: GigaChatError, cause: BaseException) -> GigaChatStreamInterruptedError:
    # The typed cause (timeout, broken connection, malformed chunk) becomes __cause__, chained
    # to the raw httpx/pydantic error; chat models fill partial_text with what they delivered.
    if error is not cause and error.__cause__ is None:
        error.__cause__ = cause
    return GigaChatStreamInterruptedError(
        f"The stream broke after output had been delivered ({error}); it was not retried so "
        "that no text is repeated. `partial_text` holds what was received.",
        partial_text="",
        request_id=error.request_id,
    )


def _raise(error: GigaChatError, cause: BaseException) -> NoReturn:
    if error is cause:
        raise error
    raise error from cause
