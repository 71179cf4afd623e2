"""v2 chat requests on the wire: ``/api/v2/chat/completions``, JSON or named SSE events.

The URL is derived from the client's ``base_url`` by the SDK's rule (its
``resolve_primary_chat_url``: a ``/vN`` suffix becomes ``/v2``, no suffix keeps the base;
PROTOCOL §11 item 17), once per base URL. Bodies
are parsed with the SDK's own v2 models (``gigachat.models.chat_completions``), which also
rename the response's ``tool_state_id`` to ``tools_state_id``.

Streams are named events (PROTOCOL §7.3, REC ``test_primary_chat_stream_simple``):
``event:`` + ``data:`` lines up to a blank line; no ``[DONE]``; the stream is complete after
``response.message.done``. A block without ``event:`` is ignored, as the SDK ignores it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import pydantic

from langchain_gigachat_ext.chat.v1.wire import (
    absolute_url,
    chat_request,
    check_stream_response,
    first_line,
    raise_for_status,
    x_headers,
)
from langchain_gigachat_ext.chat.v2.response import DONE_EVENT
from langchain_gigachat_ext.client.sdk import (
    ChatCompletionChunk,
    ChatCompletionResponse,
    build_response,
)
from langchain_gigachat_ext.errors import GigaChatMalformedResponseError

VERSION_SUFFIX = re.compile(r"/v\d+$")
"""A trailing API version in ``base_url``'s path (the SDK's ``_VERSION_SUFFIX``)."""


@functools.lru_cache(maxsize=64)
def _v2_url(base_url: httpx.URL) -> httpx.URL:
    path = urlsplit(str(base_url)).path.rstrip("/")
    if not VERSION_SUFFIX.search(path):
        return absolute_url(base_url, "/chat/completions")
    return base_url.copy_with(raw_path=VERSION_SUFFIX.sub("/v2/chat/completions", path).encode())


def _request(
    http: httpx.Client | httpx.AsyncClient,
    payload: Mapping[str, Any],
    token: str | None,
    extra_headers: Mapping[str, str],
    *,
    stream: bool,
) -> dict[str, Any]:
    return chat_request(_v2_url(http.base_url), payload, token, extra_headers, stream=stream)


def _parse_response(response: httpx.Response) -> ChatCompletionResponse:
    try:
        return build_response(response, ChatCompletionResponse)
    except (pydantic.ValidationError, ValueError, TypeError) as exc:
        raise GigaChatMalformedResponseError(
            f"Malformed v2 chat response from GigaChat: {first_line(exc)}",
            request_id=response.headers.get("x-request-id"),
        ) from exc


class EventReader:
    """Assembles named SSE events and notices a stream cut before ``response.message.done``."""

    def __init__(self, x_headers: dict[str, Any]) -> None:
        """Create a reader for one stream whose response had these ``x-*`` headers."""
        self._x_headers = x_headers
        self._event: str | None = None
        self._data: list[str] = []
        self._finished = False

    def feed(self, line: str) -> ChatCompletionChunk | None:
        """One SSE line → a chunk when it completes an event block, else None."""
        if not line:
            return self._flush()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        return None

    def _flush(self) -> ChatCompletionChunk | None:
        event, data = self._event, "\n".join(self._data)
        self._event, self._data = None, []
        if not event or not data:
            return None
        try:
            payload = json.loads(data)
            payload.setdefault("event", event)
            chunk = ChatCompletionChunk.model_validate(payload)
        except (ValueError, TypeError, AttributeError, pydantic.ValidationError) as exc:
            raise GigaChatMalformedResponseError(
                f"Malformed v2 stream event {event!r} from GigaChat: {data[:200]!r}",
                request_id=self._x_headers.get("x-request-id"),
            ) from exc
        chunk.x_headers = self._x_headers
        if event == DONE_EVENT:
            self._finished = True
        return chunk

    def close(self) -> ChatCompletionChunk | None:
        """Flush a last event without a trailing blank line, then check completeness."""
        chunk = self._flush()
        if not self._finished:
            msg = f"GigaChat v2 stream ended before its {DONE_EVENT!r} event"
            raise httpx.RemoteProtocolError(msg)
        return chunk


def chat_op_v2(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.Client, str | None], ChatCompletionResponse]:
    """A sync v2 chat call for :meth:`Transport.call`."""

    def op(http: httpx.Client, token: str | None) -> ChatCompletionResponse:
        return _parse_response(
            http.request(**_request(http, payload, token, headers, stream=False))
        )

    return op


def achat_op_v2(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.AsyncClient, str | None], Awaitable[ChatCompletionResponse]]:
    """An async v2 chat call for :meth:`Transport.acall`."""

    async def op(http: httpx.AsyncClient, token: str | None) -> ChatCompletionResponse:
        request = _request(http, payload, token, headers, stream=False)
        return _parse_response(await http.request(**request))

    return op


def stream_op_v2(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.Client, str | None], Iterator[ChatCompletionChunk]]:
    """A sync v2 streaming call for :meth:`Transport.stream`."""

    def op(http: httpx.Client, token: str | None) -> Iterator[ChatCompletionChunk]:
        with http.stream(**_request(http, payload, token, headers, stream=True)) as response:
            if response.status_code != httpx.codes.OK:
                response.read()
                raise_for_status(response)
            check_stream_response(response)
            reader = EventReader(x_headers(response))
            for line in response.iter_lines():
                chunk = reader.feed(line)
                if chunk is not None:
                    yield chunk
            last = reader.close()
            if last is not None:
                yield last

    return op


def astream_op_v2(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.AsyncClient, str | None], AsyncIterator[ChatCompletionChunk]]:
    """An async v2 streaming call for :meth:`Transport.astream`."""

    async def op(http: httpx.AsyncClient, token: str | None) -> AsyncIterator[ChatCompletionChunk]:
        request = _request(http, payload, token, headers, stream=True)
        async with http.stream(**request) as response:
            if response.status_code != httpx.codes.OK:
                await response.aread()
                raise_for_status(response)
            check_stream_response(response)
            reader = EventReader(x_headers(response))
            async for line in response.aiter_lines():
                chunk = reader.feed(line)
                if chunk is not None:
                    yield chunk
            last = reader.close()
            if last is not None:
                yield last

    return op
