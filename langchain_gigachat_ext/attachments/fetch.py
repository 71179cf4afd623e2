"""Fetch attachment bytes from http(s) URLs and local paths, with a size cap and timeout.

GigaChat cannot fetch URLs itself (v1 takes only uploaded file ids, PROTOCOL §6.2), so the
client downloads them. Downloads use their own httpx clients (not the API's: different host,
no auth header), never read more than ``max_bytes``, and must finish within ``timeout`` seconds
in total. Redirects are followed by hand (at most ``MAX_REDIRECTS``) so that the SSRF guard in
:mod:`.guard` checks every hop before it is requested.

Each hop picks its route from the environment like ``urllib`` does (``HTTP(S)_PROXY``,
``ALL_PROXY``, ``NO_PROXY``): through the proxy, or directly — and a direct connection always
goes through the pinned transport, also for ``NO_PROXY`` hosts while a proxy is configured.
URLs in error messages are redacted (:func:`~langchain_gigachat_ext.attachments.guard.redact_url`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import httpx

from langchain_gigachat_ext.attachments.guard import (
    Resolver,
    check_url,
    parse_url,
    redact_url,
    resolve_host,
)
from langchain_gigachat_ext.attachments.sources import AttachmentSource, local_path
from langchain_gigachat_ext.errors import GigaChatInvalidInputError

MAX_REDIRECTS = 5
"""Redirects followed per download."""


@dataclass(frozen=True)
class Fetched:
    """Downloaded or read bytes."""

    data: bytes
    """The content."""
    mime_type: str | None
    """Content-Type of the response (None for local files)."""
    filename: str | None
    """Last path segment of the URL or the file name."""


@dataclass
class AttachmentFetcher:
    """Downloads URLs and reads local files for the uploader."""

    max_bytes: int
    """Largest download accepted (bytes)."""
    timeout: float
    """Seconds for one download in total (connect, redirects, reading)."""
    allow_local_paths: bool = False
    """Whether ``file://`` URLs and ``path`` blocks may read the local file system."""
    allow_private_urls: bool = False
    """Whether URLs may point to loopback, private and other non-public addresses."""
    transport: httpx.BaseTransport | None = None
    """Custom sync transport (tests route URLs to local fixtures with it)."""
    async_transport: httpx.AsyncBaseTransport | None = None
    """Custom async transport."""
    resolve: Resolver = resolve_host
    """Host name → addresses, for the SSRF guard (tests replace it)."""
    _headers: dict[str, str] = field(
        default_factory=lambda: {"User-Agent": "langchain-gigachat-ext attachment fetcher"}
    )

    # --- clients -------------------------------------------------------------------------------
    @property
    def _pins(self) -> bool:
        """Whether direct connections go through the pinned (checked-address) transport."""
        return not self.allow_private_urls

    def _route(self, url: httpx.URL, *, custom: bool) -> str | None:
        """The proxy ``url`` goes through, or None for a direct connection.

        Only decided here when pinning (with a custom transport or private URLs allowed, one
        plain client serves every hop). The proxies come from the environment as ``urllib``
        reads them; a host excluded by ``NO_PROXY`` is connected directly — and pinned.
        """
        if custom or not self._pins:
            return None
        proxies = urllib.request.getproxies()
        proxy = proxies.get(url.scheme) or proxies.get("all")
        if not proxy or urllib.request.proxy_bypass(url.host):
            return None
        return proxy if "://" in proxy else f"http://{proxy}"

    def _route_transport(
        self, proxy: str | None, *, asynchronous: bool
    ) -> httpx.BaseTransport | httpx.AsyncBaseTransport | None:
        """The transport of one route: the caller's, the proxy's, or the pinned direct one.

        Any explicit transport also turns off httpx's own environment proxies, so a direct hop
        can never bypass the pinned transport.
        """
        custom = self.async_transport if asynchronous else self.transport
        if custom is not None or not self._pins:
            return custom
        if proxy is not None:
            return (
                httpx.AsyncHTTPTransport(proxy=proxy)
                if asynchronous
                else httpx.HTTPTransport(proxy=proxy)
            )
        from langchain_gigachat_ext.attachments import pinning

        if asynchronous:
            return pinning.AsyncPinnedTransport(self.resolve)
        return pinning.PinnedTransport(self.resolve)

    def _client(self, proxy: str | None = None) -> httpx.Client:
        transport = self._route_transport(proxy, asynchronous=False)
        return httpx.Client(
            timeout=self.timeout,
            follow_redirects=False,
            transport=transport,  # type: ignore[arg-type]
            headers=self._headers,
        )

    def _async_client(self, proxy: str | None = None) -> httpx.AsyncClient:
        transport = self._route_transport(proxy, asynchronous=True)
        return httpx.AsyncClient(
            timeout=self.timeout,
            follow_redirects=False,
            transport=transport,  # type: ignore[arg-type]
            headers=self._headers,
        )

    def url_of(self, source: AttachmentSource) -> httpx.URL:
        """The parsed URL of a ``url`` source (no request, no DNS).

        Raises:
            GigaChatInvalidInputError: The URL cannot be parsed
                (:func:`~langchain_gigachat_ext.attachments.guard.parse_url`); a
                ``GigaChatUnsafeURLError`` when its host spells a non-public address.
        """
        return parse_url(source.location, allow_private=self.allow_private_urls)

    def _check(self, url: httpx.URL) -> None:
        check_url(url, allow_private=self.allow_private_urls, resolve=self.resolve)

    # --- fetching ------------------------------------------------------------------------------
    def fetch(self, source: AttachmentSource) -> Fetched:
        """Bytes of a ``url`` or ``path`` source (sync)."""
        if source.origin == "path":
            return self._read(source)
        deadline = time.monotonic() + self.timeout
        custom = self.transport is not None
        clients: dict[str | None, httpx.Client] = {}
        try:
            with contextlib.ExitStack() as stack:

                def client_for(url: httpx.URL) -> httpx.Client:
                    route = self._route(url, custom=custom)
                    if route not in clients:
                        clients[route] = stack.enter_context(self._client(route))
                    return clients[route]

                url = self.url_of(source)
                request = client_for(url).build_request("GET", url)
                for _ in range(MAX_REDIRECTS + 1):
                    self._check(request.url)
                    response = client_for(request.url).send(request, stream=True)
                    try:
                        if response.next_request is None:
                            self._check_response(response, source)
                            chunks: list[bytes] = []
                            size = 0
                            for chunk in response.iter_bytes():
                                size += len(chunk)
                                self._check_size(size, source)
                                self._check_deadline(deadline, source)
                                chunks.append(chunk)
                            return self._fetched(response, b"".join(chunks), source)
                        request = response.next_request
                    finally:
                        response.close()
                    self._check_deadline(deadline, source)
        except httpx.HTTPError as error:
            raise _download_error(source, error) from None  # the cause quotes the full URL
        raise _too_many_redirects(source)

    async def afetch(self, source: AttachmentSource) -> Fetched:
        """Bytes of a ``url`` or ``path`` source (async; file reads and DNS run in threads)."""
        if source.origin == "path":
            return await asyncio.to_thread(self._read, source)
        deadline = time.monotonic() + self.timeout
        custom = self.async_transport is not None
        clients: dict[str | None, httpx.AsyncClient] = {}
        try:
            async with contextlib.AsyncExitStack() as stack:

                async def client_for(url: httpx.URL) -> httpx.AsyncClient:
                    route = self._route(url, custom=custom)
                    if route not in clients:
                        clients[route] = await stack.enter_async_context(self._async_client(route))
                    return clients[route]

                url = self.url_of(source)
                request = (await client_for(url)).build_request("GET", url)
                for _ in range(MAX_REDIRECTS + 1):
                    await asyncio.to_thread(self._check, request.url)
                    client = await client_for(request.url)
                    response = await client.send(request, stream=True)
                    try:
                        if response.next_request is None:
                            self._check_response(response, source)
                            chunks: list[bytes] = []
                            size = 0
                            async for chunk in response.aiter_bytes():
                                size += len(chunk)
                                self._check_size(size, source)
                                self._check_deadline(deadline, source)
                                chunks.append(chunk)
                            return self._fetched(response, b"".join(chunks), source)
                        request = response.next_request
                    finally:
                        await response.aclose()
                    self._check_deadline(deadline, source)
        except httpx.HTTPError as error:
            raise _download_error(source, error) from None  # the cause quotes the full URL
        raise _too_many_redirects(source)

    # --- checks --------------------------------------------------------------------------------
    def _check_response(self, response: httpx.Response, source: AttachmentSource) -> None:
        if response.status_code != httpx.codes.OK:
            msg = (
                f"Could not download the attachment {redact_url(source.location)}: HTTP "
                f"{response.status_code}. Check the URL, or send the bytes as base64."
            )
            raise GigaChatInvalidInputError(msg)
        declared = response.headers.get("content-length")
        if declared and declared.isdigit():
            self._check_size(int(declared), source)

    def _check_deadline(self, deadline: float, source: AttachmentSource) -> None:
        # httpx's timeout bounds each connect/read; a server trickling bytes could still hold
        # the download open for ever, so the whole download has a deadline too.
        if time.monotonic() > deadline:
            msg = (
                f"Downloading the attachment {redact_url(source.location)} took longer than "
                f"{self.timeout:g} s (attachment_download_timeout). Send the bytes as base64."
            )
            raise GigaChatInvalidInputError(msg)

    def _check_size(self, size: int, source: AttachmentSource) -> None:
        if size > self.max_bytes:
            msg = (
                f"The attachment {redact_url(source.location)} is larger than the download limit "
                f"of {self.max_bytes:,} bytes (attachment_max_download_bytes)."
            )
            raise GigaChatInvalidInputError(msg)

    @staticmethod
    def _fetched(response: httpx.Response, data: bytes, source: AttachmentSource) -> Fetched:
        name = PurePosixPath(response.url.path).name or None
        return Fetched(data, response.headers.get("content-type"), source.filename or name)

    def _read(self, source: AttachmentSource) -> Fetched:
        if not self.allow_local_paths:
            msg = (
                f"Local file attachments ({redact_url(source.location)}) are disabled; set "
                "allow_local_attachment_paths=True on the model to allow reading local files."
            )
            raise GigaChatInvalidInputError(msg)
        path = local_path(source)
        try:
            size = path.stat().st_size
            self._check_size(size, source)
            data = path.read_bytes()
        except OSError as error:
            msg = f"Cannot read the local attachment {path}: {error}."
            raise GigaChatInvalidInputError(msg) from error
        return Fetched(data, None, source.filename or path.name)


def _too_many_redirects(source: AttachmentSource) -> GigaChatInvalidInputError:
    return GigaChatInvalidInputError(
        f"Downloading the attachment {redact_url(source.location)} was redirected more than "
        f"{MAX_REDIRECTS} times. Use the final URL, or send the bytes as base64."
    )


def _download_error(source: AttachmentSource, error: httpx.HTTPError) -> GigaChatInvalidInputError:
    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
    detail = str(error)
    try:
        urls = {source.location, str(error.request.url)}
    except RuntimeError:  # the error carries no request
        urls = {source.location}
    for url in urls:  # httpx messages may quote the URL
        detail = detail.replace(url, redact_url(url))
    return GigaChatInvalidInputError(
        f"Downloading the attachment {redact_url(source.location)} {kind}: {detail} "
        f"({type(error).__name__}). Check the URL, or send the bytes as base64."
    )
