"""Typed errors: each one is both the SDK's exception and langchain-core's ``Model*Error``.

Code that catches ``gigachat.exceptions.RateLimitError`` and code that catches
``langchain_core.exceptions.ModelRateLimitError`` both keep working. Messages say what happened
and what to do; they never contain credentials or tokens (only the server's own error text and
the request id).
"""

from __future__ import annotations

import json
import ssl
from typing import Any

import httpx
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

from langchain_gigachat_ext.client.sdk import errors as sdk

__all__ = [
    "GigaChatAPIError",
    "GigaChatAuthenticationError",
    "GigaChatBadRequestError",
    "GigaChatCertificateError",
    "GigaChatConfigurationError",
    "GigaChatConnectionError",
    "GigaChatContextOverflowError",
    "GigaChatDeadlineError",
    "GigaChatError",
    "GigaChatHTTPClientError",
    "GigaChatInvalidInputError",
    "GigaChatMalformedResponseError",
    "GigaChatNotFoundError",
    "GigaChatPermissionError",
    "GigaChatPickleError",
    "GigaChatRateLimitError",
    "GigaChatRequestTooLargeError",
    "GigaChatServerError",
    "GigaChatStreamInterruptedError",
    "GigaChatTimeoutError",
    "GigaChatUnprocessableEntityError",
    "GigaChatUnsafeURLError",
]

RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})
"""5xx statuses worth retrying (the SDK's defaults, PROTOCOL §9)."""

CA_HINT = (
    "GigaChat's TLS certificate is issued by the Russian Trusted Root CA, which is not in "
    "certifi's bundle. Download the root certificate (https://www.gosuslugi.ru/crt) and point "
    "GIGACHAT_CA_BUNDLE_FILE (or ca_bundle_file=...) at it. Do not disable verification."
)


class GigaChatError(ModelError):
    """Base class of every error this package raises for a model call."""

    request_id: str | None = None
    """``X-Request-Id`` of the failed request, when the server sent one."""


class GigaChatAPIError(GigaChatError, sdk.ResponseError):
    """The API answered with an error status: the base of every HTTP status error.

    As ``openai.APIStatusError`` is for OpenAI, ``except GigaChatAPIError`` catches every
    status (400, 401, 403, 404, 413, 422, 429, 5xx and any other); the subclasses say which.
    Each is also the SDK's exception for its status (``gigachat.exceptions.RateLimitError``
    ...) and langchain-core's class for it (``ModelRateLimitError`` ...). This base is not
    core's ``ModelAPIError``, which core reads as a retryable 5xx: a 400 or a 401 is not
    retryable, and only :class:`GigaChatServerError` is a ``ModelAPIError``. Raised as such for
    a status no subclass names (e.g. 402 Payment Required).

    Attributes: ``status_code``, ``url``, ``content`` (the raw body), ``headers``,
    ``server_message`` (the body's ``message``) and ``request_id``.
    """

    is_retryable = False

    hint: str = ""
    """What the user can do about it."""

    def __init__(
        self,
        url: httpx.URL | str,
        status_code: int,
        content: bytes | None,
        headers: httpx.Headers | None,
    ) -> None:
        """Create the error from the failed response.

        Args:
            url: The request URL.
            status_code: The HTTP status.
            content: The response body.
            headers: The response headers (``x-request-id`` is kept).
        """
        # The SDK's ResponseError.__init__ stores url/status_code/content/headers.
        sdk.ResponseError.__init__(self, url, status_code, content, headers)  # type: ignore[arg-type]
        self.request_id = headers.get("x-request-id") if headers is not None else None
        self.server_message = _server_message(content)

    def __str__(self) -> str:
        """Status, the server's message, the request id and what to do (never credentials)."""
        parts = [f"GigaChat API returned {self.status_code}"]  # type: ignore[attr-defined]
        if self.server_message:
            parts.append(f": {self.server_message}")
        if self.request_id:
            parts.append(f" (request id {self.request_id})")
        text = "".join(parts) + "."
        return f"{text} {self.hint}".strip()


def _server_message(content: bytes | None) -> str:
    """The ``message`` of a ``{"status", "message"}`` body, or the raw text (short)."""
    if not content:
        return ""
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return content[:300].decode("utf-8", "replace")
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return json.dumps(body, ensure_ascii=False)[:300]


class GigaChatBadRequestError(GigaChatAPIError, sdk.BadRequestError, ModelInvalidRequestError):
    """HTTP 400: the request body was rejected."""

    hint = "Check the request payload."


class GigaChatAuthenticationError(
    GigaChatAPIError, sdk.AuthenticationError, ModelAuthenticationError
):
    """HTTP 401: credentials or token rejected."""

    hint = (
        "Check GIGACHAT_CREDENTIALS (the base64 authorization key, not the client secret) "
        "and GIGACHAT_SCOPE (GIGACHAT_API_PERS, _B2B or _CORP)."
    )


class GigaChatPermissionError(GigaChatAPIError, sdk.ForbiddenError, ModelPermissionDeniedError):
    """HTTP 403: the account may not do this (e.g. ``/balance`` without a prepaid package)."""

    hint = "The account or scope lacks access to this resource."


class GigaChatNotFoundError(GigaChatAPIError, sdk.NotFoundError, ModelNotFoundError):
    """HTTP 404: unknown model, file or function."""

    hint = "Check the model name (list them with get_models()) or the file id."


class GigaChatRequestTooLargeError(
    GigaChatAPIError, sdk.RequestEntityTooLargeError, ModelInvalidRequestError
):
    """HTTP 413: the request is too large."""

    hint = "Send fewer or smaller inputs per request."


class GigaChatUnprocessableEntityError(
    GigaChatAPIError, sdk.UnprocessableEntityError, ModelInvalidRequestError
):
    """HTTP 422: the API rejected a parameter or the message history."""

    hint = "The API rejected a parameter or the message history."


class GigaChatContextOverflowError(GigaChatUnprocessableEntityError, ContextOverflowError):
    """HTTP 422 whose message says the input exceeds the model's context."""

    hint = "Shorten the history or attachments, or use a model with a larger context."


class GigaChatRateLimitError(GigaChatAPIError, sdk.RateLimitError, ModelRateLimitError):
    """HTTP 429: rate limited. ``retry_after`` holds the server's ``Retry-After`` seconds."""

    is_retryable = True

    hint = "Slow down or raise max_retries; Retry-After is honoured automatically."


class GigaChatServerError(GigaChatAPIError, sdk.ServerError, ModelAPIError):
    """HTTP 5xx: a server-side failure (langchain-core's ``ModelAPIError``).

    ``is_retryable`` is True for 500, 502, 503 and 504, the statuses that are retried (the
    SDK's defaults, PROTOCOL §9); another 5xx (501 Not Implemented, ...) is not.
    """

    hint = "A transient server failure; it is retried up to max_retries."

    def __init__(
        self,
        url: httpx.URL | str,
        status_code: int,
        content: bytes | None,
        headers: httpx.Headers | None,
    ) -> None:
        """Create the error; ``is_retryable`` follows the status."""
        super().__init__(url, status_code, content, headers)
        self.is_retryable = status_code in RETRYABLE_SERVER_STATUSES


class GigaChatConnectionError(ModelConnectionError, GigaChatError):
    """The server could not be reached (DNS, refused connection, broken TLS or connection)."""


class GigaChatCertificateError(GigaChatConnectionError):
    """TLS verification failed: almost always the missing Russian Trusted Root CA."""

    is_retryable = False


class GigaChatTimeoutError(ModelTimeoutError, GigaChatError):
    """The request did not complete within the configured timeout."""


class GigaChatDeadlineError(GigaChatTimeoutError):
    """The call's whole-call budget (``call_timeout``, or a stream's ``stream_timeout``) ran out.

    Waiting for a quota slot, retries, ``Retry-After`` waits and the reads themselves all come
    out of that one budget; the call is not retried once it is spent.
    """

    is_retryable = False


class GigaChatConfigurationError(GigaChatError, ValueError):
    """The model's configuration cannot work (e.g. an mTLS key that its password does not open).

    Raised at once, before any request, and never retried; the message names the file or field.
    """

    is_retryable = False


class GigaChatStreamInterruptedError(ModelAPIError, GigaChatError):
    """A stream failed after chunks had reached the caller.

    The stream is not retried (that would repeat text the caller already has); this error carries
    what was received so the caller can decide: ``partial_text`` is the received text — its last
    8,192 characters for longer answers, so that a stream's memory stays bounded however long it
    runs — and ``received_chars`` the number of characters received in total (``partial_text``
    is complete when both lengths agree).
    """

    is_retryable = False

    def __init__(
        self,
        message: str,
        *,
        partial_text: str,
        request_id: str | None,
        received_chars: int | None = None,
    ) -> None:
        """Create the error.

        Args:
            message: What went wrong.
            partial_text: The text the caller had already received (at most its last 8,192
                characters).
            request_id: ``X-Request-Id`` of the interrupted stream.
            received_chars: Characters received in total (default: ``len(partial_text)``).
        """
        super().__init__(message)
        self.partial_text = partial_text
        """The received text, or its last 8,192 characters when more was received."""
        self.request_id = request_id
        self._received_chars = received_chars

    @property
    def received_chars(self) -> int:
        """How many characters of text the caller received before the failure.

        ``len(partial_text)`` unless a larger count was recorded.
        """
        if self._received_chars is None:
            return len(self.partial_text)
        return max(self._received_chars, len(self.partial_text))

    @received_chars.setter
    def received_chars(self, value: int) -> None:
        self._received_chars = value


class GigaChatMalformedResponseError(ModelAPIError, GigaChatError):
    """The server answered 200 with a body that does not follow the protocol."""

    is_retryable = False

    def __init__(self, message: str, *, request_id: str | None) -> None:
        """Create the error.

        Args:
            message: What was malformed.
            request_id: ``X-Request-Id`` of the request.
        """
        suffix = f" (request id {request_id})" if request_id else ""
        super().__init__(f"{message}{suffix}")
        self.request_id = request_id


class GigaChatInvalidInputError(ModelInvalidRequestError, GigaChatError, ValueError):
    """Raised before any request when the input cannot be sent as it is."""


class GigaChatHTTPClientError(GigaChatError, RuntimeError):
    """The ``http_client`` / ``http_async_client`` given to the model cannot carry the call.

    Raised before any request: the client was closed, or an ``httpx.AsyncClient`` first used on
    one event loop is used from another (its pooled connections belong to the first loop).
    """


class GigaChatPickleError(GigaChatError, TypeError):
    """The model holds a live object (an injected httpx client, an SSL context): no pickle.

    Configure it in the receiving process instead. A ``TypeError``, as ``pickle`` raises for
    any object it cannot serialise.
    """


class GigaChatUnsafeURLError(GigaChatInvalidInputError):
    """An attachment URL points where the client must not fetch (loopback, private network, ...).

    Raised before any download; ``allow_private_attachment_urls=True`` on the model lifts the
    address check for trusted inputs.
    """

    def __init__(self, message: str, *, url: str, host: str) -> None:
        """Create the error.

        Args:
            message: What was refused and how to allow it.
            url: The refused URL (the redirect target when a redirect was refused), redacted by
                the caller: no user info, no query string (see ``_attachment_guard.redact_url``).
            host: Its host.
        """
        super().__init__(message)
        self.url = url
        """The refused URL, redacted (``scheme://***@host:port/path?…``)."""
        self.host = host
        """The refused host."""


_BY_STATUS: dict[int, type[GigaChatAPIError]] = {
    400: GigaChatBadRequestError,
    401: GigaChatAuthenticationError,
    403: GigaChatPermissionError,
    404: GigaChatNotFoundError,
    413: GigaChatRequestTooLargeError,
    422: GigaChatUnprocessableEntityError,
    429: GigaChatRateLimitError,
}

_CONTEXT_OVERFLOW_MARKERS = ("context", "too many tokens", "maximum length", "max_tokens exceeded")


def from_sdk_error(error: sdk.ResponseError) -> GigaChatError:
    """Translate an SDK ``ResponseError`` into the matching typed error."""
    status = error.status_code
    cls: type[GigaChatAPIError] = (
        GigaChatServerError if status >= 500 else _BY_STATUS.get(status, GigaChatAPIError)
    )
    converted = cls(error.url, status, error.content, error.headers)
    if cls is GigaChatUnprocessableEntityError and any(
        marker in converted.server_message.lower() for marker in _CONTEXT_OVERFLOW_MARKERS
    ):
        converted = GigaChatContextOverflowError(error.url, status, error.content, error.headers)
    return converted


def from_transport_error(error: Exception) -> GigaChatError:
    """Translate an httpx/ssl failure into a connection, certificate or timeout error."""
    if isinstance(error, httpx.TimeoutException):
        kind = type(error).__name__
        return GigaChatTimeoutError(f"GigaChat request timed out ({kind}). Raise `timeout`.")
    if _is_certificate_failure(error):
        return GigaChatCertificateError(f"TLS certificate verification failed: {error}. {CA_HINT}")
    return GigaChatConnectionError(f"Could not reach GigaChat: {type(error).__name__}: {error}")


def _is_certificate_failure(error: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def retry_after_seconds(error: BaseException) -> float | None:
    """The server's ``Retry-After`` in seconds for a 429, else None."""
    headers: Any = getattr(error, "headers", None)
    if not isinstance(error, sdk.RateLimitError) or headers is None:
        return None
    value = headers.get("retry-after")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None
