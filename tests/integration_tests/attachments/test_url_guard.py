"""The SSRF guard over real HTTP: internal addresses are refused unless explicitly allowed.

Integration tests may only reach loopback, so the "public" host is a name the test's resolver
maps to a public address while its transport delivers the request to the loopback file server;
everything after the first hop (redirects, checks, download) is the real code path.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.attachments import guard as _attachment_guard
from langchain_gigachat_ext.attachments.fetch import AttachmentFetcher
from langchain_gigachat_ext.attachments.guard import resolve_host
from langchain_gigachat_ext.attachments.pinning import AsyncPinnedTransport, PinnedTransport
from langchain_gigachat_ext.errors import GigaChatUnsafeURLError
from tests.integration_tests.attachments.conftest import FileServer, make_image

PUBLIC_NAME = "files.example"
"""Resolves (in these tests) to a public address; requests to it go to the file server."""

_LOOPBACK: dict[str, str] = {}


def _resolve(host: str, port: int) -> list[str]:
    return ["93.184.216.34"] if host == PUBLIC_NAME else resolve_host(host, port)


class _ToFileServer(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Delivers requests for ``PUBLIC_NAME`` to the loopback file server; others as they are."""

    def __init__(self) -> None:
        self._sync = httpx.HTTPTransport()
        self._async = httpx.AsyncHTTPTransport()

    @staticmethod
    def _route(request: httpx.Request) -> httpx.Request:
        if request.url.host != PUBLIC_NAME:
            return request
        url = httpx.URL(_LOOPBACK["base"] + request.url.raw_path.decode())
        return httpx.Request(request.method, url, headers={"Host": PUBLIC_NAME})

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._sync.handle_request(self._route(request))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._async.handle_async_request(self._route(request))


class PublicNameChatGigaChat(ChatGigaChat):
    """A model whose downloads see ``PUBLIC_NAME`` as a public host served by the file server."""

    def _attachment_fetcher(self) -> AttachmentFetcher:
        fetcher = super()._attachment_fetcher()
        fetcher.transport = fetcher.async_transport = _ToFileServer()
        fetcher.resolve = _resolve
        return fetcher


@pytest.fixture(autouse=True)
def _routes(file_server: FileServer) -> None:
    _LOOPBACK["base"] = file_server.base_url
    file_server.redirects.update(
        {
            "/to-loopback.png": file_server.url("/cat.png"),
            "/to-public.png": f"http://{PUBLIC_NAME}/cat.png",
            "/to-metadata": "http://169.254.169.254/latest/meta-data/",
        }
    )


def _ask(url: str) -> list[HumanMessage]:
    return [HumanMessage([{"type": "text", "text": "Что это?"}, {"type": "image", "url": url}])]


def _chats(emu: Any) -> list[Any]:
    return [e for e in emu.request_log if e["path"].endswith("/chat/completions")]


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/cat.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/cat.png",
        "http://2130706433/cat.png",  # 127.0.0.1 written as one number
    ],
)
async def test_internal_addresses_are_refused_by_default(emu: Any, url: str) -> None:
    llm = ChatGigaChat(**emu.client_kwargs(), max_retries=0)
    with pytest.raises(GigaChatUnsafeURLError, match="allow_private_attachment_urls=True"):
        llm.invoke(_ask(url))
    with pytest.raises(GigaChatUnsafeURLError):
        await llm.ainvoke(_ask(url))
    assert _chats(emu) == []


def test_loopback_file_server_is_refused_until_allowed(emu: Any, file_server: FileServer) -> None:
    url = file_server.url("/cat.png")
    before = len(file_server.hits)
    with pytest.raises(GigaChatUnsafeURLError, match=r"'127\.0\.0\.1'.*loopback"):
        ChatGigaChat(**emu.client_kwargs(), max_retries=0).invoke(_ask(url))
    assert len(file_server.hits) == before, "refused before connecting"
    allowed = ChatGigaChat(**emu.client_kwargs(), allow_private_attachment_urls=True)
    allowed.invoke(_ask(url))
    assert len(file_server.hits) == before + 1
    assert emu.state.files.all()[0].content == make_image("PNG")


async def test_redirect_to_loopback_is_refused(emu: Any, file_server: FileServer) -> None:
    llm = PublicNameChatGigaChat(**emu.client_kwargs(), max_retries=0)
    before = len(file_server.hits)
    with pytest.raises(GigaChatUnsafeURLError, match="loopback"):
        llm.invoke(_ask(f"http://{PUBLIC_NAME}/to-loopback.png"))
    with pytest.raises(GigaChatUnsafeURLError, match="link-local"):
        await llm.ainvoke(_ask(f"http://{PUBLIC_NAME}/to-metadata"))
    assert file_server.hits[before:] == ["/to-loopback.png", "/to-metadata"]
    assert _chats(emu) == []


async def test_public_redirects_are_followed(emu: Any, file_server: FileServer) -> None:
    llm = PublicNameChatGigaChat(**emu.client_kwargs(), max_retries=0)
    await llm.ainvoke(_ask(f"http://{PUBLIC_NAME}/to-public.png"))
    (stored,) = emu.state.files.all()
    assert stored.content == make_image("PNG")
    (chat,) = _chats(emu)
    assert chat["body"]["messages"][0]["attachments"] == [stored.id]


def test_allowed_private_urls_still_follow_redirects_by_hand(
    emu: Any, file_server: FileServer
) -> None:
    llm = ChatGigaChat(**emu.client_kwargs(), allow_private_attachment_urls=True)
    llm.invoke(_ask(file_server.url("/to-loopback.png")))
    assert emu.state.files.all()[0].content == make_image("PNG")


# --- connect-time pinning through real sockets ---------------------------------------------------
def _to_loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


async def test_pinned_transport_checks_the_address_it_connects_to(file_server: FileServer) -> None:
    # The name is checked at connect time too (a DNS answer changed since the per-hop check).
    port = httpx.URL(file_server.base_url).port
    url = f"http://{PUBLIC_NAME}:{port}/cat.png"
    with (
        httpx.Client(transport=PinnedTransport(_to_loopback)) as client,
        pytest.raises(GigaChatUnsafeURLError, match=r"127\.0\.0\.1, which is a loopback"),
    ):
        client.get(url)
    async with httpx.AsyncClient(transport=AsyncPinnedTransport(_to_loopback)) as client:
        with pytest.raises(GigaChatUnsafeURLError, match="loopback"):
            await client.get(url)


async def test_pinned_transport_connects_to_the_checked_address(
    file_server: FileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loopback allowed for this test only, to prove the connection goes to the resolved address
    # (the name itself does not resolve anywhere) while the request keeps its host name.
    monkeypatch.setattr(_attachment_guard, "blocked_reason", lambda _address: None)
    port = httpx.URL(file_server.base_url).port
    url = f"http://{PUBLIC_NAME}:{port}/cat.png"
    with httpx.Client(transport=PinnedTransport(_to_loopback)) as client:
        assert client.get(url).content == make_image("PNG")
    async with httpx.AsyncClient(transport=AsyncPinnedTransport(_to_loopback)) as client:
        assert (await client.get(url)).content == make_image("PNG")
