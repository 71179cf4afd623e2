"""Transports for attachment downloads that connect only to addresses the SSRF guard checked.

Kept apart from :mod:`~langchain_gigachat_ext.attachments.guard` because it needs httpcore, which
costs import time; it is imported on the first URL download only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from langchain_gigachat_ext.attachments.guard import Resolver, public_address, resolve_host
from langchain_gigachat_ext.errors import GigaChatUnsafeURLError


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects only to an address that passed the check a moment ago."""

    def __init__(self, resolve: Resolver) -> None:
        self._resolve = resolve
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = public_address(f"{host}:{port}", host, port, self._resolve)
        return self._inner.connect_tcp(address, port, timeout, local_address, socket_options)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        msg = "Attachment downloads never use unix sockets."
        raise GigaChatUnsafeURLError(msg, url=path, host="")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _AsyncPinnedBackend(httpcore.AsyncNetworkBackend):
    """Async :class:`_PinnedBackend` (resolution runs in a worker thread)."""

    def __init__(self, resolve: Resolver) -> None:
        self._resolve = resolve
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's backend signature)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = await asyncio.to_thread(
            public_address, f"{host}:{port}", host, port, self._resolve
        )
        return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's backend signature)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        msg = "Attachment downloads never use unix sockets."
        raise GigaChatUnsafeURLError(msg, url=path, host="")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport, connecting only to checked public addresses."""

    def __init__(self, resolve: Resolver = resolve_host) -> None:
        """Build the transport (TLS still verifies the certificate against the host name)."""
        super().__init__()
        # httpx has no public hook for the network backend, so the pool it built is replaced by
        # an equivalent one that connects through the pinned backend.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_PinnedBackend(resolve)
        )


class AsyncPinnedTransport(httpx.AsyncHTTPTransport):
    """Async :class:`PinnedTransport`."""

    def __init__(self, resolve: Resolver = resolve_host) -> None:
        """Build the transport (TLS still verifies the certificate against the host name)."""
        super().__init__()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_AsyncPinnedBackend(resolve)
        )
