"""v1 chat on the wire: ``/chat/completions`` under ``base_url``, parsed into the SDK's models.

One parsing style for both dialects: answers are validated into the SDK's own response models
(v1 ``ChatCompletion`` / ``ChatCompletionChunk``, v2 ``ChatCompletionResponse`` /
``ChatCompletionChunk``), the reference of the wire shapes, so a body the SDK would reject is
rejected here too and no hand-kept copy of its schema can drift. Each stream chunk costs a few
nested model objects; at a dozen chunks per answer that is well under a millisecond of CPU
against a 0.5-10 s answer (measured: the stream stays within the project's CPU target).

A v1 stream is ``data:`` events only and ends with ``data: [DONE]`` after the chunk carrying
``finish_reason`` (PROTOCOL §6.3, REC ``test_stream_simple``). An end of body before either
is a cut connection and raises rather than passing off a truncated answer as whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

import httpx
import pydantic

from langchain_gigachat_ext.chat import wire
from langchain_gigachat_ext.chat.sse import SseEvent
from langchain_gigachat_ext.client.sdk import ChatCompletion, ChatCompletionChunkV1
from langchain_gigachat_ext.errors import GigaChatMalformedResponseError

CHAT_PATH = "/chat/completions"
"""Relative to ``base_url`` (PROTOCOL §6.2)."""

DONE = "[DONE]"
"""The data of v1's last event (PROTOCOL §6.3)."""


def chat_url(base_url: httpx.URL) -> str:
    """The v1 chat URL: relative, so the client joins it with its ``base_url``."""
    del base_url
    return CHAT_PATH


def parse_completion(response: httpx.Response) -> ChatCompletion:
    """A one-shot answer: the SDK's typed error for a non-200, else the validated completion.

    Raises:
        GigaChatMalformedResponseError: A 200 whose body is not a completion with a choice.
    """
    wire.raise_for_status(response)
    ids = wire.x_headers(response)
    try:
        completion = ChatCompletion.model_validate_json(response.content)
    except pydantic.ValidationError as exc:
        raise GigaChatMalformedResponseError(
            f"Malformed chat completion from GigaChat: {wire.first_line(exc)}",
            request_id=ids["x-request-id"],
        ) from exc
    if not completion.choices:
        msg = "Malformed chat completion from GigaChat: `choices` is empty"
        raise GigaChatMalformedResponseError(msg, request_id=ids["x-request-id"])
    completion.x_headers = ids
    return completion


class ChunkParser:
    """v1 events → chunks; complete after ``[DONE]`` or a chunk with ``finish_reason``.

    Example:
        ```python
        from langchain_gigachat_ext.chat.sse import SseEvent

        parser = ChunkParser({"x-request-id": "r1"})
        parser.parse(SseEvent("", '{"choices": [], "created": 1, "model": "m", "object": "o"}'))
        parser.parse(SseEvent("", "[DONE]"))  # None
        parser.check_complete()  # no error: [DONE] was seen
        ```
    """

    def __init__(self, x_headers: dict[str, str | None]) -> None:
        """Read one stream whose response had these ``x-*`` headers."""
        self._x_headers = x_headers
        self._finished = False

    def parse(self, event: SseEvent) -> ChatCompletionChunkV1 | None:
        """One event → its chunk; None for ``[DONE]``.

        Raises:
            GigaChatMalformedResponseError: Data that is not a v1 chunk.
        """
        if event.data == DONE:
            self._finished = True
            return None
        try:
            chunk = ChatCompletionChunkV1.model_validate_json(event.data)
        except pydantic.ValidationError as exc:
            raise GigaChatMalformedResponseError(
                f"Malformed stream chunk from GigaChat: {event.data[:200]!r}",
                request_id=self._x_headers.get("x-request-id"),
            ) from exc
        chunk.x_headers = self._x_headers
        if any(choice.finish_reason is not None for choice in chunk.choices):
            self._finished = True
        return chunk

    def check_complete(self) -> None:
        """Raise when the stream ended without ``finish_reason`` or ``[DONE]``."""
        if not self._finished:
            msg = "GigaChat stream ended before its final chunk (no finish_reason, no [DONE])"
            raise httpx.RemoteProtocolError(msg)


def chat_op(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.Client, str | None], ChatCompletion]:
    """A sync chat call for :meth:`Transport.call`."""
    return wire.call_op(chat_url, parse_completion, payload, headers)


def achat_op(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.AsyncClient, str | None], Awaitable[ChatCompletion]]:
    """An async chat call for :meth:`Transport.acall`."""
    return wire.acall_op(chat_url, parse_completion, payload, headers)


def stream_op(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.Client, str | None], Iterator[ChatCompletionChunkV1]]:
    """A sync streaming chat call for :meth:`Transport.stream`."""
    return wire.stream_op(chat_url, ChunkParser, payload, headers)


def astream_op(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.AsyncClient, str | None], AsyncIterator[ChatCompletionChunkV1]]:
    """An async streaming chat call for :meth:`Transport.astream`."""
    return wire.astream_op(chat_url, ChunkParser, payload, headers)
