"""Any failure of a call becomes one of this package's typed errors, with no credential inside.

:func:`translate_error` maps the SDK's errors, httpx's and the standard library's to
:mod:`langchain_gigachat_ext.errors`. :func:`scrubbed` strips credentials from the raw errors
kept as ``__cause__``: an ``httpx`` error holds the request it failed on, whose headers carry
``Authorization`` (the Basic key on OAuth, the bearer token elsewhere), and error reporters that
walk exception chains would ship it.
"""

from __future__ import annotations

import json
import ssl

import httpx
import pydantic

from langchain_gigachat_ext.client.sdk import errors as sdk
from langchain_gigachat_ext.errors import (
    GigaChatError,
    GigaChatInvalidInputError,
    GigaChatMalformedResponseError,
    from_sdk_error,
    from_transport_error,
)

SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
"""Request headers that carry credentials."""


def translate_error(error: BaseException, *, request_id: str | None = None) -> GigaChatError:
    """Map any failure of a call to this package's typed errors (unknown ones re-raise)."""
    if isinstance(error, GigaChatError):
        return error
    if isinstance(error, sdk.ResponseError):
        return from_sdk_error(error)
    if isinstance(error, (httpx.HTTPError, ssl.SSLError, OSError)):
        return from_transport_error(error)
    if isinstance(error, UnicodeEncodeError):
        # Text that UTF-8 cannot carry (a lone surrogate such as "\ud800", legal in JSON input).
        return GigaChatInvalidInputError(
            f"The input holds text that cannot be sent as UTF-8: {_short(error)}. Remove lone "
            "surrogates (e.g. '\\ud800') from the text."
        )
    if isinstance(
        error,
        (pydantic.ValidationError, json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError),
    ):
        return GigaChatMalformedResponseError(
            f"GigaChat sent a response that does not follow the protocol: {_short(error)}",
            request_id=request_id,
        )
    raise error


def _short(error: BaseException) -> str:
    text = str(error).splitlines()
    return text[0][:300] if text else type(error).__name__


def scrubbed(error: BaseException) -> BaseException:
    """``error`` after replacing every request in its chain by one without credentials.

    Walks ``__cause__`` and ``__context__``; the requests of ``httpx`` errors (and of their
    responses) are replaced by copies without ``Authorization``, ``Proxy-Authorization`` and
    ``Cookie`` headers and without a body.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    pending: list[BaseException] = []
    while current is not None or pending:
        if current is None:
            current = pending.pop()
        if id(current) in seen:
            current = None
            continue
        seen.add(id(current))
        if isinstance(current, httpx.HTTPError):
            _scrub_httpx(current)
        if current.__context__ is not None and current.__context__ is not current.__cause__:
            pending.append(current.__context__)
        current = current.__cause__
    return error


def _scrub_httpx(error: httpx.HTTPError) -> None:
    try:
        request = error.request
    except RuntimeError:  # an httpx error raised without a request
        return
    error.request = _redacted(request)
    response = getattr(error, "response", None)
    if isinstance(response, httpx.Response):
        response.request = error.request


def _redacted(request: httpx.Request) -> httpx.Request:
    headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() not in SECRET_HEADERS]
    return httpx.Request(request.method, request.url, headers=headers)
