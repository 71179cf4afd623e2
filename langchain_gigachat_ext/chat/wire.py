"""The HTTP exchange both chat dialects share: send the body, check the answer, read its ids.

The request body is serialised here rather than through the SDK's request models, because
v1's ``Chat`` model strips JSON-Schema keywords from ``functions`` (PROTOCOL §6.2 "SDK schema
mangling"). Headers come from the SDK's ``build_headers`` and error statuses go through its
``build_response``, so they raise the SDK's typed errors (PROTOCOL §8.2), which the transport
maps to ours. Answers are parsed by each dialect into the SDK's response models.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any, Protocol, TypeVar

import httpx

from langchain_gigachat_ext.chat.sse import SseEvent, aiter_events, iter_events
from langchain_gigachat_ext.client.sdk import EVENT_STREAM, ChatCompletion, build_response
from langchain_gigachat_ext.client.sdk import build_headers as sdk_headers
from langchain_gigachat_ext.errors import GigaChatInvalidInputError, GigaChatMalformedResponseError

ID_HEADERS = ("x-request-id", "x-session-id", "x-client-id")
"""Response headers kept with every answer (PROTOCOL §3.3)."""

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


def encode_body(payload: Mapping[str, Any], *, stream: bool) -> bytes:
    """The JSON body of one chat call, encoded before anything is sent.

    Raises:
        GigaChatInvalidInputError: The text holds a character UTF-8 cannot carry (a lone
            surrogate, legal in JSON input) — before the token request.
    """
    body = dict(payload)
    if stream:
        body["stream"] = True
    text = json.dumps(body, ensure_ascii=False)
    try:
        return text.encode()
    except UnicodeEncodeError as exc:
        at = max(0, exc.start - 20)
        msg = (
            f"The request holds text that cannot be sent as UTF-8 ({exc.reason} near "
            f"{text[at : exc.end + 20]!r}). Remove lone surrogates such as '\\ud800'."
        )
        raise GigaChatInvalidInputError(msg) from None


def chat_request(
    url: httpx.URL | str,
    content: bytes,
    token: str | None,
    extra_headers: Mapping[str, str],
    *,
    stream: bool,
) -> dict[str, Any]:
    """``httpx.Client.request``/``stream`` arguments of one chat call (v1 or v2).

    Args:
        url: Absolute, or relative to the client's ``base_url``.
        content: The body from :func:`encode_body` (with ``stream`` for a stream).
        token: The access token, None when the client authenticates otherwise.
        extra_headers: The call's own headers (``X-Session-ID``).
        stream: Whether an SSE answer is asked for.
    """
    headers = sdk_headers(token)
    headers.update(extra_headers)
    headers["Content-Type"] = "application/json"
    if stream:
        headers["Accept"] = EVENT_STREAM
        headers["Cache-Control"] = "no-store"
    return {"method": "POST", "url": url, "content": content, "headers": headers}


def x_headers(response: httpx.Response) -> dict[str, str | None]:
    """The ``x-*`` ids of a response (the first value of a repeated header)."""
    return {name: next(iter(response.headers.get_list(name)), None) for name in ID_HEADERS}


def raise_for_status(response: httpx.Response) -> None:
    """Raise the SDK's typed error for a non-200 response (the body must have been read)."""
    if response.status_code != httpx.codes.OK:
        build_response(response, ChatCompletion)  # raises for every non-200 status


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


class EventParser(Protocol[T_co]):
    """A dialect's reading of one stream: events → parsed chunks, and its completeness rule."""

    def parse(self, event: SseEvent) -> T_co | None:
        """The chunk an event carries; None for framing (v1's ``[DONE]``, unnamed v2 blocks)."""
        ...

    def check_complete(self) -> None:
        """Raise ``httpx.RemoteProtocolError`` when the stream ended before its final event."""
        ...


UrlOf = Callable[[httpx.URL], "httpx.URL | str"]
"""The chat URL of a dialect, from the client's ``base_url``."""


def call_op(
    url_of: UrlOf,
    parse: Callable[[httpx.Response], T],
    payload: Mapping[str, Any],
    headers: Mapping[str, str],
) -> Callable[[httpx.Client, str | None], T]:
    """A sync one-shot chat call for :meth:`Transport.call`."""
    content = encode_body(payload, stream=False)

    def op(http: httpx.Client, token: str | None) -> T:
        request = chat_request(url_of(http.base_url), content, token, headers, stream=False)
        return parse(http.request(**request))

    return op


def acall_op(
    url_of: UrlOf,
    parse: Callable[[httpx.Response], T],
    payload: Mapping[str, Any],
    headers: Mapping[str, str],
) -> Callable[[httpx.AsyncClient, str | None], Awaitable[T]]:
    """An async one-shot chat call for :meth:`Transport.acall`."""
    content = encode_body(payload, stream=False)

    async def op(http: httpx.AsyncClient, token: str | None) -> T:
        request = chat_request(url_of(http.base_url), content, token, headers, stream=False)
        return parse(await http.request(**request))

    return op


def stream_op(
    url_of: UrlOf,
    parser: Callable[[dict[str, str | None]], EventParser[T]],
    payload: Mapping[str, Any],
    headers: Mapping[str, str],
) -> Callable[[httpx.Client, str | None], Iterator[T]]:
    """A sync streaming chat call for :meth:`Transport.stream`.

    ``parser`` is made once per stream from the response's ``x-*`` ids.
    """
    content = encode_body(payload, stream=True)

    def op(http: httpx.Client, token: str | None) -> Iterator[T]:
        request = chat_request(url_of(http.base_url), content, token, headers, stream=True)
        with http.stream(**request) as response:
            if response.status_code != httpx.codes.OK:
                response.read()
                raise_for_status(response)
            check_stream_response(response)
            reader = parser(x_headers(response))
            for event in iter_events(response):
                chunk = reader.parse(event)
                if chunk is not None:
                    yield chunk
            reader.check_complete()

    return op


def astream_op(
    url_of: UrlOf,
    parser: Callable[[dict[str, str | None]], EventParser[T]],
    payload: Mapping[str, Any],
    headers: Mapping[str, str],
) -> Callable[[httpx.AsyncClient, str | None], AsyncIterator[T]]:
    """An async streaming chat call for :meth:`Transport.astream`."""
    content = encode_body(payload, stream=True)

    async def op(http: httpx.AsyncClient, token: str | None) -> AsyncIterator[T]:
        request = chat_request(url_of(http.base_url), content, token, headers, stream=True)
        async with http.stream(**request) as response:
            if response.status_code != httpx.codes.OK:
                await response.aread()
                raise_for_status(response)
            check_stream_response(response)
            reader = parser(x_headers(response))
            async for event in aiter_events(response):
                chunk = reader.parse(event)
                if chunk is not None:
                    yield chunk
            reader.check_complete()

    return op
