"""v2 chat requests on the wire: ``/api/v2/chat/completions``, JSON or named SSE events.

The URL is derived from the client's ``base_url`` by the SDK's rule (its
``resolve_primary_chat_url``: a ``/vN`` suffix becomes ``/v2``, no suffix keeps the base;
PROTOCOL §11 item 17). Bodies are parsed with the SDK's own v2 models
(``gigachat.models.chat_completions``), which also rename the response's ``tool_state_id`` to
``tools_state_id``.

Streams are named events read by the shared :mod:`~langchain_gigachat_ext.chat.sse` reader
(PROTOCOL §7.3, REC ``test_primary_chat_stream_simple``): no ``[DONE]``; the stream is complete
after ``response.message.done``. A block without ``event:`` is ignored, as the SDK ignores it.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

import httpx
import pydantic

from langchain_gigachat_ext.chat import wire
from langchain_gigachat_ext.chat.sse import SseEvent
from langchain_gigachat_ext.chat.v2.response import DONE_EVENT
from langchain_gigachat_ext.client.sdk import (
    ChatCompletionChunk,
    ChatCompletionResponse,
    build_response,
)
from langchain_gigachat_ext.errors import GigaChatMalformedResponseError

VERSION_SUFFIX = re.compile(r"/v\d+$")
"""A trailing API version in ``base_url``'s path (the SDK's ``_VERSION_SUFFIX``)."""


def chat_url(base_url: httpx.URL) -> httpx.URL | str:
    """The v2 chat URL for a client's ``base_url`` (the SDK's ``resolve_primary_chat_url``)."""
    path = base_url.path.rstrip("/")
    if not VERSION_SUFFIX.search(path):
        return "/chat/completions"
    return base_url.copy_with(path=VERSION_SUFFIX.sub("/v2/chat/completions", path))


def parse_response(response: httpx.Response) -> ChatCompletionResponse:
    """A one-shot answer: the SDK's typed error for a non-200, else the validated response.

    Raises:
        GigaChatMalformedResponseError: A 200 whose body is not a v2 response.
    """
    try:
        return build_response(response, ChatCompletionResponse)
    except (pydantic.ValidationError, ValueError, TypeError) as exc:
        raise GigaChatMalformedResponseError(
            f"Malformed v2 chat response from GigaChat: {wire.first_line(exc)}",
            request_id=response.headers.get("x-request-id"),
        ) from exc


class EventParser:
    """v2 named events → chunks; complete after ``response.message.done`` (PROTOCOL §7.3)."""

    def __init__(self, x_headers: dict[str, str | None]) -> None:
        """Read one stream whose response had these ``x-*`` headers."""
        self._x_headers = x_headers
        self._finished = False

    def parse(self, event: SseEvent) -> ChatCompletionChunk | None:
        """One event → its chunk; None for a block without ``event:`` (the SDK ignores those).

        Raises:
            GigaChatMalformedResponseError: Data that is not a v2 chunk.
        """
        if not event.event:
            return None
        try:
            payload = json.loads(event.data)
            payload.setdefault("event", event.event)
            chunk = ChatCompletionChunk.model_validate(payload)
        except (ValueError, TypeError, AttributeError, pydantic.ValidationError) as exc:
            raise GigaChatMalformedResponseError(
                f"Malformed v2 stream event {event.event!r} from GigaChat: {event.data[:200]!r}",
                request_id=self._x_headers.get("x-request-id"),
            ) from exc
        chunk.x_headers = self._x_headers
        if event.event == DONE_EVENT:
            self._finished = True
        return chunk

    def check_complete(self) -> None:
        """Raise when the stream ended before ``response.message.done``."""
        if not self._finished:
            msg = f"GigaChat v2 stream ended before its {DONE_EVENT!r} event"
            raise httpx.RemoteProtocolError(msg)


def chat_op_v2(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.Client, str | None], ChatCompletionResponse]:
    """A sync v2 chat call for :meth:`Transport.call`."""
    return wire.call_op(chat_url, parse_response, payload, headers)


def achat_op_v2(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.AsyncClient, str | None], Awaitable[ChatCompletionResponse]]:
    """An async v2 chat call for :meth:`Transport.acall`."""
    return wire.acall_op(chat_url, parse_response, payload, headers)


def stream_op_v2(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.Client, str | None], Iterator[ChatCompletionChunk]]:
    """A sync v2 streaming call for :meth:`Transport.stream`."""
    return wire.stream_op(chat_url, EventParser, payload, headers)


def astream_op_v2(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.AsyncClient, str | None], AsyncIterator[ChatCompletionChunk]]:
    """An async v2 streaming call for :meth:`Transport.astream`."""
    return wire.astream_op(chat_url, EventParser, payload, headers)
