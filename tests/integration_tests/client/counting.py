"""httpx transports that count what a user's client carried and which answers are still open."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import httpx


class _Ledger:
    """Requests by path and the answers not yet closed (shared by the sync and async twins)."""

    def __init__(self) -> None:
        self.paths: Counter[str] = Counter()
        self.open_answers = 0
        self._lock = threading.Lock()

    def sent(self, request: httpx.Request) -> None:
        with self._lock:
            self.paths[request.url.path] += 1
            self.open_answers += 1

    def closed(self) -> None:
        with self._lock:
            self.open_answers -= 1


class CountingTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` that counts requests by path and answers left open."""

    def __init__(self) -> None:
        super().__init__()
        self.ledger = _Ledger()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = super().handle_request(request)
        self.ledger.sent(request)
        return _with_body(answer, _Counted(answer.stream, self.ledger))  # type: ignore[arg-type]


class AsyncCountingTransport(httpx.AsyncHTTPTransport):
    """Async twin of :class:`CountingTransport`."""

    def __init__(self) -> None:
        super().__init__()
        self.ledger = _Ledger()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = await super().handle_async_request(request)
        self.ledger.sent(request)
        return _with_body(answer, _AsyncCounted(answer.stream, self.ledger))  # type: ignore[arg-type]


def _with_body(
    answer: httpx.Response, body: httpx.SyncByteStream | httpx.AsyncByteStream
) -> httpx.Response:
    return httpx.Response(
        answer.status_code, headers=answer.headers, stream=body, extensions=answer.extensions
    )


class _Counted(httpx.SyncByteStream):
    def __init__(self, stream: httpx.SyncByteStream, ledger: _Ledger) -> None:
        self._stream, self._ledger, self._closed = stream, ledger, False

    def __iter__(self) -> Iterator[bytes]:
        yield from self._stream

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._ledger.closed()
        self._stream.close()


class _AsyncCounted(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream, ledger: _Ledger) -> None:
        self._stream, self._ledger, self._closed = stream, ledger, False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._ledger.closed()
        await self._stream.aclose()
