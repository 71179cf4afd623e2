"""Chat requests on the wire: our payload verbatim, the SDK's headers, models and error mapping.

The request body is serialised here rather than through the SDK's ``Chat`` model, because that
model strips JSON-Schema keywords from ``functions`` (PROTOCOL §6.2 "SDK schema mangling").
Responses are parsed with the SDK's own ``ChatCompletion`` / ``ChatCompletionChunk`` models.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

import httpx
import pydantic
from gigachat.api.utils import EVENT_STREAM, build_headers, build_response, build_x_headers
from gigachat.models.chat import ChatCompletion, ChatCompletionChunk

from langchain_gigachat_ext.errors import GigaChatMalformedResponseError

CHAT_PATH = "/chat/completions"


def _request(
    payload: Mapping[str, Any], token: str | None, extra_headers: Mapping[str, str], stream: bool
) -> dict[str, Any]:
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
        "url": CHAT_PATH,
        "content": json.dumps(body, ensure_ascii=False).encode(),
        "headers": headers,
    }


def _parse_completion(response: httpx.Response) -> ChatCompletion:
    request_id = response.headers.get("x-request-id")
    try:
        completion = build_response(response, ChatCompletion)
    except (pydantic.ValidationError, ValueError, TypeError) as exc:
        # ValueError: not JSON; TypeError: JSON but not an object (the SDK does **json).
        raise GigaChatMalformedResponseError(
            f"Malformed chat completion from GigaChat: {_first_line(exc)}",
            request_id=request_id,
        ) from exc
    if not completion.choices:
        msg = "Malformed chat completion from GigaChat: `choices` is empty"
        raise GigaChatMalformedResponseError(msg, request_id=request_id)
    return completion


def _first_line(exc: BaseException) -> str:
    lines = str(exc).splitlines()
    return lines[0][:300] if lines else type(exc).__name__


def _check_stream_response(response: httpx.Response) -> None:
    content_type = response.headers.get("content-type", "").partition(";")[0].strip()
    if content_type != EVENT_STREAM:
        # Same check as the SDK (api/utils.py _check_content_type): a 200 that is not SSE.
        msg = f"Malformed stream from GigaChat: expected {EVENT_STREAM!r}, got {content_type!r}"
        raise GigaChatMalformedResponseError(msg, request_id=response.headers.get("x-request-id"))


class _SseReader:
    """Parses SSE lines and notices a stream that ends before it is complete.

    A v1 stream ends with ``data: [DONE]`` after the chunk carrying ``finish_reason``
    (PROTOCOL §6.3, REC ``test_stream_simple``). An EOF before both is a cut connection, which
    must surface as an error rather than as a silently truncated answer.
    """

    def __init__(self, x_headers: dict[str, Any]) -> None:
        self._x_headers = x_headers
        self._finished = False

    def parse(self, line: str) -> ChatCompletionChunk | None:
        """One SSE line → a chunk; None for framing lines and ``[DONE]``."""
        name, _, value = line.partition(":")
        if name != "data":
            return None
        value = value.strip()
        if value == "[DONE]":
            self._finished = True
            return None
        try:
            chunk = ChatCompletionChunk.model_validate_json(value)
        except pydantic.ValidationError as exc:
            raise GigaChatMalformedResponseError(
                f"Malformed stream chunk from GigaChat: {value[:200]!r}",
                request_id=self._x_headers.get("x-request-id"),
            ) from exc
        if any(choice.finish_reason is not None for choice in chunk.choices):
            self._finished = True
        chunk.x_headers = self._x_headers
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

    def op(http: httpx.Client, token: str | None) -> ChatCompletion:
        response = http.request(**_request(payload, token, headers, stream=False))
        return _parse_completion(response)

    return op


def achat_op(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.AsyncClient, str | None], Awaitable[ChatCompletion]]:
    """An async chat call for :meth:`Transport.acall`."""

    async def op(http: httpx.AsyncClient, token: str | None) -> ChatCompletion:
        response = await http.request(**_request(payload, token, headers, stream=False))
        return _parse_completion(response)

    return op


def stream_op(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.Client, str | None], Iterator[ChatCompletionChunk]]:
    """A sync streaming chat call for :meth:`Transport.stream`."""

    def op(http: httpx.Client, token: str | None) -> Iterator[ChatCompletionChunk]:
        with http.stream(**_request(payload, token, headers, stream=True)) as response:
            if response.status_code != httpx.codes.OK:
                response.read()
                build_response(response, ChatCompletion)  # raises the SDK's typed error
            _check_stream_response(response)
            reader = _SseReader(build_x_headers(response))
            for line in response.iter_lines():
                chunk = reader.parse(line)
                if chunk is not None:
                    yield chunk
            reader.check_complete()

    return op


def astream_op(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> Callable[[httpx.AsyncClient, str | None], AsyncIterator[ChatCompletionChunk]]:
    """An async streaming chat call for :meth:`Transport.astream`."""

    async def op(http: httpx.AsyncClient, token: str | None) -> AsyncIterator[ChatCompletionChunk]:
        async with http.stream(**_request(payload, token, headers, stream=True)) as response:
            if response.status_code != httpx.codes.OK:
                await response.aread()
                build_response(response, ChatCompletion)  # raises the SDK's typed error
            _check_stream_response(response)
            reader = _SseReader(build_x_headers(response))
            async for line in response.aiter_lines():
                chunk = reader.parse(line)
                if chunk is not None:
                    yield chunk
            reader.check_complete()

    return op
