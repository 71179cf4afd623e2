"""Attachment URLs in errors are redacted: no user info, no signed query, anywhere in the error."""

from __future__ import annotations

import traceback
from typing import Any

import httpx
import pytest

from langchain_gigachat_ext.attachments.fetch import AttachmentFetcher
from langchain_gigachat_ext.attachments.guard import check_url, redact_url
from langchain_gigachat_ext.attachments.sources import source_from_block
from langchain_gigachat_ext.errors import GigaChatInvalidInputError, GigaChatUnsafeURLError

SECRETS = ("hunter2", "SIGNATURE123", "frag-token")
"""Strings that must never show in an error."""

PUBLIC = "93.184.216.34"


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("https://cdn.example/a/b.png", "https://cdn.example/a/b.png"),
        (
            "https://bob:hunter2@cdn.example:8443/a.png?X-Amz-Signature=SIGNATURE123#frag-token",
            "https://***@cdn.example:8443/a.png?…#…",
        ),
        ("http://token@cdn.example/", "http://***@cdn.example/"),
        ("http://a@b@cdn.example/x?", "http://***@cdn.example/x?…"),
        ("http://u:hunter2@[::1/x?sig=SIGNATURE123", "http://***@[::1/x?…"),
        ("photos/cat.png", "photos/cat.png"),
        ("file:///srv/cat.png", "file:///srv/cat.png"),
    ],
    ids=["plain", "everything", "token user", "two at signs", "unparseable", "path", "file URL"],
)
def test_redact_url(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted
    assert redact_url(redacted) == redacted


def _assert_clean(error: BaseException) -> None:
    """No secret in the error, its attributes, or anything a traceback would print."""
    printed = "".join(traceback.format_exception(error))
    texts = [printed, str(error), repr(error), *(repr(value) for value in vars(error).values())]
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, text


def _resolve(host: str, port: int) -> list[str]:
    return {"cdn.example": [PUBLIC], "intranet.bank": ["10.1.2.3"]}[host]


def _fetcher(handler: Any) -> AttachmentFetcher:
    transport = httpx.MockTransport(handler)
    return AttachmentFetcher(
        max_bytes=10,
        timeout=5,
        transport=transport,
        async_transport=transport,
        resolve=_resolve,
    )


def _source(url: str) -> Any:
    return source_from_block({"type": "image", "url": url})


SIGNED = "https://bob:hunter2@cdn.example/cat.png?X-Amz-Signature=SIGNATURE123#frag-token"


def _not_found(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404)


def _too_big(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b"x" * 100)


def _to_private(request: httpx.Request) -> httpx.Response:
    target = "http://bob:hunter2@intranet.bank/x?sig=SIGNATURE123#frag-token"
    return httpx.Response(302, headers={"Location": target})


def _unreachable(request: httpx.Request) -> httpx.Response:
    msg = f"cannot connect to {request.url}"
    raise httpx.ConnectError(msg, request=request)


@pytest.mark.parametrize(
    ("url", "handler", "error_type"),
    [
        (SIGNED, _not_found, GigaChatInvalidInputError),
        (SIGNED, _too_big, GigaChatInvalidInputError),
        (SIGNED, _to_private, GigaChatUnsafeURLError),
        (SIGNED, _unreachable, GigaChatInvalidInputError),
        (SIGNED.replace("cdn.example", "intranet.bank"), _not_found, GigaChatUnsafeURLError),
    ],
    ids=["HTTP error", "too large", "redirect refused", "transport error", "private host"],
)
async def test_fetch_errors_never_show_credentials(
    url: str, handler: Any, error_type: type[Exception]
) -> None:
    fetcher = _fetcher(handler)
    with pytest.raises(error_type) as sync_error:
        fetcher.fetch(_source(url))
    _assert_clean(sync_error.value)
    with pytest.raises(error_type) as async_error:
        await fetcher.afetch(_source(url))
    _assert_clean(async_error.value)


def test_unsafe_url_attributes_are_redacted() -> None:
    with pytest.raises(GigaChatUnsafeURLError) as error:
        check_url(httpx.URL(SIGNED.replace("https", "ftp")), allow_private=False, resolve=_resolve)
    _assert_clean(error.value)
    assert error.value.url == "ftp://***@cdn.example/cat.png?…#…"
    with pytest.raises(GigaChatUnsafeURLError) as private:
        check_url(
            httpx.URL(SIGNED.replace("cdn.example", "intranet.bank")),
            allow_private=False,
            resolve=_resolve,
        )
    _assert_clean(private.value)
    assert (private.value.url, private.value.host) == (
        "https://***@intranet.bank/cat.png?…#…",
        "intranet.bank",
    )
