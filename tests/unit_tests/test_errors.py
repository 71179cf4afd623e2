"""One error base for every HTTP answer: the status table, pinned class by class.

Every status error is a :class:`GigaChatAPIError` (as every OpenAI status error is an
``openai.APIStatusError``), the SDK's exception for its status and langchain-core's class for
it; ``is_retryable`` agrees with what the transport retries.
"""

from __future__ import annotations

import httpx
import pytest
from gigachat import exceptions as sdk
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
)

from langchain_gigachat_ext import errors
from langchain_gigachat_ext.client.retry import is_retryable
from langchain_gigachat_ext.errors import GigaChatAPIError, GigaChatError, from_sdk_error

URL = "https://gigachat.example/api/v1/chat/completions"

# status, body, our class, the SDK's class, core's class, retryable
TABLE = [
    (400, b'{"status":400,"message":"bad"}', "GigaChatBadRequestError", sdk.BadRequestError, ModelInvalidRequestError, False),
    (401, b'{"status":401,"message":"Unauthorized"}', "GigaChatAuthenticationError", sdk.AuthenticationError, ModelAuthenticationError, False),
    (402, b'{"status":402,"message":"Payment Required"}', "GigaChatAPIError", sdk.ResponseError, ModelError, False),
    (403, b'{"status":403,"message":"Forbidden"}', "GigaChatPermissionError", sdk.ForbiddenError, ModelPermissionDeniedError, False),
    (404, b'{"status":404,"message":"No such model"}', "GigaChatNotFoundError", sdk.NotFoundError, ModelNotFoundError, False),
    (408, b"", "GigaChatAPIError", sdk.ResponseError, ModelError, False),
    (413, b'{"status":413,"message":"too large"}', "GigaChatRequestTooLargeError", sdk.RequestEntityTooLargeError, ModelInvalidRequestError, False),
    (422, b'{"status":422,"message":"Invalid params"}', "GigaChatUnprocessableEntityError", sdk.UnprocessableEntityError, ModelInvalidRequestError, False),
    (422, b'{"status":422,"message":"the context length is exceeded"}', "GigaChatContextOverflowError", sdk.UnprocessableEntityError, ContextOverflowError, False),
    (429, b'{"status":429,"message":"Too Many Requests"}', "GigaChatRateLimitError", sdk.RateLimitError, ModelRateLimitError, True),
    (500, b"Internal Server Error", "GigaChatServerError", sdk.ServerError, ModelAPIError, True),
    (501, b"Not Implemented", "GigaChatServerError", sdk.ServerError, ModelAPIError, False),
    (502, b"Bad Gateway", "GigaChatServerError", sdk.ServerError, ModelAPIError, True),
    (503, b"Service Unavailable", "GigaChatServerError", sdk.ServerError, ModelAPIError, True),
    (504, b"Gateway Timeout", "GigaChatServerError", sdk.ServerError, ModelAPIError, True),
]  # fmt: skip


def _error(status: int, body: bytes) -> GigaChatError:
    headers = httpx.Headers({"x-request-id": "req-1"})
    return from_sdk_error(sdk.ResponseError(URL, status, body, headers))


@pytest.mark.parametrize(
    ("status", "body", "name", "sdk_class", "core_class", "retryable"),
    TABLE,
    ids=[f"{row[0]}-{row[2]}" for row in TABLE],
)
def test_every_status_has_one_base_the_sdk_class_and_the_core_class(  # noqa: PLR0917
    status: int,
    body: bytes,
    name: str,
    sdk_class: type[Exception],
    core_class: type[Exception],
    retryable: bool,
) -> None:
    error = _error(status, body)
    assert type(error) is getattr(errors, name)
    assert isinstance(error, GigaChatAPIError)
    assert issubclass(type(error), GigaChatAPIError)
    assert isinstance(error, sdk_class)
    assert isinstance(error, core_class)
    assert error.is_retryable is retryable
    assert is_retryable(error) is retryable, "the transport retries what the error says"
    assert isinstance(error, ModelAPIError) is (status >= 500), "only 5xx is core's ModelAPIError"
    assert error.status_code == status  # type: ignore[attr-defined]
    assert error.request_id == "req-1"
    assert str(status) in str(error)


def test_every_status_error_class_subclasses_the_base() -> None:
    status_classes = {
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, sdk.ResponseError)
    }
    assert len(status_classes) == 10
    assert all(issubclass(cls, GigaChatAPIError) for cls in status_classes)


def test_the_base_is_not_cores_retryable_server_error() -> None:
    assert not issubclass(GigaChatAPIError, ModelAPIError)
    assert GigaChatAPIError.is_retryable is False
    assert issubclass(GigaChatAPIError, sdk.ResponseError)
    assert issubclass(GigaChatAPIError, GigaChatError)


def test_except_the_base_catches_a_rate_limit_and_a_server_error() -> None:
    for status in (429, 503):
        with pytest.raises(GigaChatAPIError):
            raise _error(status, b"")


def test_the_404_hint_names_a_method_that_exists() -> None:
    from langchain_gigachat_ext import ChatGigaChat

    message = str(_error(404, b'{"status":404,"message":"No such model"}'))
    assert "get_models()" in message
    assert callable(getattr(ChatGigaChat, "get_models", None))
