"""Fetch attachment bytes from http(s) URLs and local paths, with a size cap and timeout.

GigaChat cannot fetch URLs itself (v1 takes only uploaded file ids, PROTOCOL §6.2), so the
client downloads them. Downloads use their own httpx clients (not the API's: different host,
no auth header) and never read more than ``max_bytes``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import unquote, urlparse

import httpx

from langchain_gigachat_ext._attachment_sources import AttachmentSource, local_path
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
    """Seconds for connect/read of one download."""
    allow_local_paths: bool = False
    """Whether ``file://`` URLs and ``path`` blocks may read the local file system."""
    transport: httpx.BaseTransport | None = None
    """Custom sync transport (tests route URLs to local fixtures with it)."""
    async_transport: httpx.AsyncBaseTransport | None = None
    """Custom async transport."""
    _headers: dict[str, str] = field(
        default_factory=lambda: {"User-Agent": "langchain-gigachat-ext attachment fetcher"}
    )

    def fetch(self, source: AttachmentSource) -> Fetched:
        """Bytes of a ``url`` or ``path`` source (sync)."""
        if source.origin == "path":
            return self._read(source)
        try:
            with (
                httpx.Client(
                    timeout=self.timeout,
                    follow_redirects=True,
                    max_redirects=MAX_REDIRECTS,
                    transport=self.transport,
                    headers=self._headers,
                ) as client,
                client.stream("GET", source.location) as response,
            ):
                self._check_response(response, source)
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    self._check_size(size, source)
                    chunks.append(chunk)
                return self._fetched(response, b"".join(chunks), source)
        except httpx.HTTPError as error:
            raise _download_error(source, error) from error

    async def afetch(self, source: AttachmentSource) -> Fetched:
        """Bytes of a ``url`` or ``path`` source (async; file reads run in a thread)."""
        if source.origin == "path":
            return await asyncio.to_thread(self._read, source)
        try:
            async with (
                httpx.AsyncClient(
                    timeout=self.timeout,
                    follow_redirects=True,
                    max_redirects=MAX_REDIRECTS,
                    transport=self.async_transport,
                    headers=self._headers,
                ) as client,
                client.stream("GET", source.location) as response,
            ):
                self._check_response(response, source)
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    self._check_size(size, source)
                    chunks.append(chunk)
                return self._fetched(response, b"".join(chunks), source)
        except httpx.HTTPError as error:
            raise _download_error(source, error) from error

    def _check_response(self, response: httpx.Response, source: AttachmentSource) -> None:
        if response.status_code != httpx.codes.OK:
            msg = (
                f"Could not download the attachment {source.location}: HTTP "
                f"{response.status_code}. Check the URL, or send the bytes as base64."
            )
            raise GigaChatInvalidInputError(msg)
        declared = response.headers.get("content-length")
        if declared and declared.isdigit():
            self._check_size(int(declared), source)

    def _check_size(self, size: int, source: AttachmentSource) -> None:
        if size > self.max_bytes:
            msg = (
                f"The attachment {source.location} is larger than the download limit of "
                f"{self.max_bytes:,} bytes (attachment_max_download_bytes)."
            )
            raise GigaChatInvalidInputError(msg)

    @staticmethod
    def _fetched(response: httpx.Response, data: bytes, source: AttachmentSource) -> Fetched:
        name = PurePosixPath(unquote(urlparse(str(response.url)).path)).name or None
        return Fetched(data, response.headers.get("content-type"), source.filename or name)

    def _read(self, source: AttachmentSource) -> Fetched:
        if not self.allow_local_paths:
            msg = (
                f"Local file attachments ({source.location}) are disabled; set "
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


def _download_error(source: AttachmentSource, error: httpx.HTTPError) -> GigaChatInvalidInputError:
    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
    return GigaChatInvalidInputError(
        f"Downloading the attachment {source.location} {kind}: {error!s} "
        f"({type(error).__name__}). Check the URL, or send the bytes as base64."
    )
