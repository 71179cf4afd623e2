"""Big request bodies never stall the server: read under a cap, worked on off the event loop.

A body is counted while it streams in and refused with 413 past its cap (at once when its
``Content-Length`` already says so), so no request can make the emulator buffer more than the
cap. Decoding a body, checking it and answering it run in a worker thread (:func:`off_loop`),
so one big request does not hold up the small ones arriving meanwhile.

The API documents the status, 413 "request too large" (PROTOCOL.md §8.1), but no size for JSON
bodies: those caps are inferred, and configurable through :class:`BodyLimits`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import Message

from langchain_gigachat_ext._catalog import MAX_FILE_BYTES
from langchain_gigachat_ext.emulator.server.errors import ApiError

MAX_BODY_BYTES: Final = 8 * 2**20
"""Cap of JSON and form bodies (inferred): the 128K-token context window (PROTOCOL.md §10) is
about 1 MB of UTF-8 text, and a full embeddings batch of Cyrillic text stays under it."""

MAX_UPLOAD_BYTES: Final = max(MAX_FILE_BYTES.values()) + 2**20
"""Cap of ``POST /files`` bodies: the largest documented file (text, 40 MB, DOC post-file) plus
1 MiB for the multipart framing and the ``purpose`` field (the margin is inferred)."""

_P = ParamSpec("_P")
_T = TypeVar("_T")


@dataclass
class BodyLimits:
    """Request body caps in bytes; a longer body gets 413."""

    body_bytes: int = MAX_BODY_BYTES
    """JSON bodies (chat, embeddings, token counting) and the OAuth form."""
    upload_bytes: int = MAX_UPLOAD_BYTES
    """Multipart file uploads."""


def too_large(limit: int) -> ApiError:
    """The 413 for a body over ``limit`` bytes (DOC status; wording inferred)."""
    return ApiError(413, f"Request body is too large: the limit is {limit} bytes")


def capped(request: Request, limit: int) -> Request:
    """``request`` whose body stops with a 413 :class:`ApiError` past ``limit`` bytes.

    Read the body (``body()``, ``form()``) through the returned request only.

    Raises:
        ApiError: 413 at once when ``Content-Length`` is over ``limit``.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    receive = request.receive
    received = 0

    async def counted_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise too_large(limit)
        return message

    return Request(request.scope, counted_receive)


async def read_capped(request: Request, limit: int) -> bytes:
    """The whole body of ``request``, or a 413 :class:`ApiError` past ``limit`` bytes."""
    return await capped(request, limit).body()


async def off_loop(func: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """``func(*args, **kwargs)`` in a worker thread, so the event loop keeps serving."""
    return await run_in_threadpool(func, *args, **kwargs)
