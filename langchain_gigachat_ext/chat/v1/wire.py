"""Chat requests on the wire: our payload verbatim, the SDK's headers and error mapping.

The request body is serialised here rather than through the SDK's ``Chat`` model, because that
model strips JSON-Schema keywords from ``functions`` (PROTOCOL §6.2 "SDK schema mangling").
Responses are validated against the field types of the SDK's ``ChatCompletion`` /
``ChatCompletionChunk`` models (:mod:`~langchain_gigachat_ext.chat.v1.schema`) straight into plain
dicts; error statuses go through the SDK's own ``build_response``, so they raise its typed errors.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

import httpx
import pydantic

from langchain_gigachat_ext.chat.v1.response import WireChunk, WireCompletion
from langchain_gigachat_ext.chat.v1.schema import parse_chunk, parse_completion
from langchain_gigachat_ext.client.sdk import (
    EVENT_STREAM,
    ChatCompletion,
    build_headers,
    build_response,
)
from langchain_gigachat_ext.errors import GigaChatMalformedResponseError

CHAT_PATH = "/chat/completions"


@functools.lru_cache(maxsize=64)
def absolute_url(base_url: httpx.URL, path: str) -> httpx.URL:
    """``base_url`` joined with ``path``, parsed once.

    httpx re-parses a relative URL and re-joins it with ``base_url`` on every request (~45 µs);
    a ready absolute ``httpx.URL`` is taken as it is.
    """
    return base_url.copy_with(raw_path=base_url.raw_path.rstrip(b"/") + path.encode())


def chat_request(
    url: httpx.URL,
    payload: Mapping[str, Any],
    token: str | None,
    extra_headers: Mapping[str, str],
    *,
    stream: bool,
) -> dict[str, Any]:
    """``httpx.Client.request`` arguments of one chat call (v1 or v2)."""
    headers = build_headers(token)
    headers.update(extra_headers)
    headers["Content-Type"] = "application/json"
    body = dict(payload)
    if stream:
        headers["Accept"] = EVENT_STREAM
        headers["Cache-Control"] = "no-store"
        body["stream"] = True
    return {
        "method": "POST",
        "url": url,
        "content": json.dumps(body, ensure_ascii=False).encode(),
        "headers": headers,
    }


_ID_HEADERS = {
    b"x-request-id": "x-request-id",
    b"x-session-id": "x-session-id",
    b"x-client-id": "x-client-id",
}


def x_headers(response: httpx.Response) -> dict[str, str | None]:
    """The ``x-*`` ids of a response, as the SDK's ``build_x_headers`` returns them.

    One pass over the raw headers: ``Headers.get`` would decode every header once per lookup.
    """
    found: dict[str, str | None] = dict.fromkeys(_ID_HEADERS.values())
    for key, value in response.headers.raw:
        name = _ID_HEADERS.get(key.lower())
        if name is not None and found[name] is None:
            found[name] = value.decode("latin-1")
    return found


def raise_for_status(response: httpx.Response) -> None:
    """Raise the SDK's typed error for a non-200 response (the body must have been read)."""
    if response.status_code != httpx.codes.OK:
        build_response(response, ChatCompletion)  # raises for every non-200 status


def _parse_completion(response: httpx.Response) -> WireCompletion:
    raise_for_status(response)
    ids = x_headers(response)
    request_id = ids["x-request-id"]
    try:
        data = parse_completion(response.content)
    except pydantic.ValidationError as exc:
        raise GigaChatMalformedResponseError(
            f"Malformed chat completion from GigaChat: {first_line(exc)}",
            request_id=request_id,
        ) from exc
    if not data["choices"]:
        msg = "Malformed chat completion from GigaChat: `choices` is empty"
        raise GigaChatMalformedResponseError(msg, request_id=request_id)
    return WireCompletion(data, ids)


def first_line(exc: BaseException) -> str:
    """The first line of an error message, at most 300 characters (for typed wrappers)."""
    lines = str(exc).splitlines()
    return lines[0][:300] if lines else type(exc).__name__


def check_stream_response(response: httpx.Response) -> None:
    """Raise when a 200 answer to a stream request is not ``text/event-stream``."""
    content_type = response.headers.get("content-type", "").partition(";")[0].strip()
    if content_type != EVENT_STREAM:
        # Same check as the SDK (api/utils.py _check_content_type): a 200 that is not SSE.
        msg = f"Malformed stream from GigaChat: expected {EVENT_STREAM!r}, got {content_type!r}"
        raise GigaChatMalformedResponseError(msg, request_id=response.headers.get("x-request-id"))


class SseReader:
    r"""Splits an SSE byte stream into ``data:`` chunks; notices a stream ended too early.

    Lines are split on the raw bytes and each ``data:`` payload is validated from bytes, without
    httpx's text decoding and line splitting layers (``iter_lines``). ``\r\n``, ``\n`` and
    ``\r`` all end a line (the SSE rules); empty and comment lines are skipped.

    A v1 stream ends with ``data: [DONE]`` after the chunk carrying ``finish_reason``
    (PROTOCOL §6.3, REC ``test_stream_simple``). An EOF before both is a cut connection, which
    must surface as an error rather than as a silently truncated answer.

    Example:
        ```python
        reader = SseReader({"x-request-id": "r1"})
        list(reader.feed(b'data: {"choices": [], "created": 1, "model": "m", "object": "o"}\n\nda'))
        # [WireChunk(data={'choices': [], ...}, x_headers={'x-request-id': 'r1'})]
        list(reader.feed(b"ta: [DONE]\n\n"))  # []
        reader.check_complete()  # no error: [DONE] was seen
        ```
    """

    def __init__(self, x_headers: dict[str, Any]) -> None:
        """Create a reader for one stream whose response had these ``x-*`` headers."""
        self._x_headers = x_headers
        self._buffer = b""
        self._finished = False

    def feed(self, data: bytes) -> Iterator[WireChunk]:
        """The chunks completed by the next bytes of the body, parsed one by one as consumed.

        Lazily: a malformed line raises only after the chunks before it were delivered.
        """
        buffer = self._buffer + data
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buffer.split(b"\n")
        self._buffer = lines.pop()
        return self._parse_all(lines)

    def flush(self) -> Iterator[WireChunk]:
        """The chunk of a last line that had no line end."""
        line, self._buffer = self._buffer, b""
        return self._parse_all([line])

    def _parse_all(self, lines: list[bytes]) -> Iterator[WireChunk]:
        for line in lines:
            chunk = self.parse(line)
            if chunk is not None:
                yield chunk

    def parse(self, line: bytes) -> WireChunk | None:
        """One SSE line → a chunk; None for framing lines and ``[DONE]``."""
        if not line.startswith(b"data:"):
            return None
        value = line[5:].strip()
        if value == b"[DONE]":
            self._finished = True
            return None
        try:
            data = parse_chunk(value)
        except pydantic.ValidationError as exc:
            shown = value[:200].decode("utf-8", "replace")
            raise GigaChatMalformedResponseError(
                f"Malformed stream chunk from GigaChat: {shown!r}",
                request_id=self._x_headers.get("x-request-id"),
            ) from exc
        for choice in data["choices"]:
            if choice.get("finish_reason") is not None:
                self._finished = True
        return WireChunk(data, self._x_headers)

    def check_complete(self) -> None:
        """Raise when the stream ended without ``finish_reason`` or ``[DONE]``."""
        if not self._finished:
            msg = "GigaChat stream ended before its final chunk (no finish_reason, no [DONE])"
            raise httpx.RemoteProtocolError(msg)


def chat_op(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.Client, str | None], WireCompletion]:
    """A sync chat call for :meth:`Transport.call`."""

    def op(http: httpx.Client, token: str | None) -> WireCompletion:
        response = http.request(
            **chat_request(
                absolute_url(http.base_url, CHAT_PATH), payload, token, headers, stream=False
            )
        )
        return _parse_completion(response)

    return op


def achat_op(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.AsyncClient, str | None], Awaitable[WireCompletion]]:
    """An async chat call for :meth:`Transport.acall`."""

    async def op(http: httpx.AsyncClient, token: str | None) -> WireCompletion:
        response = await http.request(
            **chat_request(
                absolute_url(http.base_url, CHAT_PATH), payload, token, headers, stream=False
            )
        )
        return _parse_completion(response)

    return op


def stream_op(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.Client, str | None], Iterator[WireChunk]]:
    """A sync streaming chat call for :meth:`Transport.stream`."""

    def op(http: httpx.Client, token: str | None) -> Iterator[WireChunk]:
        with http.stream(
            **chat_request(
                absolute_url(http.base_url, CHAT_PATH), payload, token, headers, stream=True
            )
        ) as response:
            if response.status_code != httpx.codes.OK:
                response.read()
                raise_for_status(response)
            check_stream_response(response)
            reader = SseReader(x_headers(response))
            for data in response.iter_bytes():
                yield from reader.feed(data)
            yield from reader.flush()
            reader.check_complete()

    return op


def astream_op(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.AsyncClient, str | None], AsyncIterator[WireChunk]]:
    """An async streaming chat call for :meth:`Transport.astream`."""

    async def op(http: httpx.AsyncClient, token: str | None) -> AsyncIterator[WireChunk]:
        async with http.stream(
            **chat_request(
                absolute_url(http.base_url, CHAT_PATH), payload, token, headers, stream=True
            )
        ) as response:
            if response.status_code != httpx.codes.OK:
                await response.aread()
                raise_for_status(response)
            check_stream_response(response)
            reader = SseReader(x_headers(response))
            async for data in response.aiter_bytes():
                for chunk in reader.feed(data):
                    yield chunk
            for chunk in reader.flush():
                yield chunk
            reader.check_complete()

    return op
