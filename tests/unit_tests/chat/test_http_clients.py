"""The transport's httpx clients: cookies kept as httpx keeps them, the jar skipped without any."""

from __future__ import annotations

import http.cookiejar
from typing import Any

import httpx
import pytest

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.client.http_clients import AsyncClient, Client, ResponseCookies

URL = "https://gigachat.test/api/v1/chat/completions"


@pytest.fixture
def jar_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every call of ``http.cookiejar``'s extraction (what httpx hands each response to)."""
    calls: list[Any] = []
    original = http.cookiejar.CookieJar.extract_cookies

    def spy(self: http.cookiejar.CookieJar, response: Any, request: Any) -> None:
        calls.append(response)
        original(self, response, request)

    monkeypatch.setattr(http.cookiejar.CookieJar, "extract_cookies", spy)
    return calls


@pytest.mark.parametrize(
    ("headers", "stored", "jar_used"),
    [
        pytest.param({}, {}, False, id="no-cookie-header"),
        pytest.param({"X-Request-ID": "r1"}, {}, False, id="other-headers"),
        pytest.param({"Set-Cookie": "spid=abc; Path=/"}, {"spid": "abc"}, True, id="set-cookie"),
        pytest.param({"set-cookie": "spid=abc"}, {"spid": "abc"}, True, id="lower-case"),
        pytest.param({"Set-Cookie2": 'a="1"; Version="1"'}, {}, True, id="set-cookie2"),
    ],
)
def test_response_cookies_match_httpx(
    jar_calls: list[Any], headers: dict[str, str], stored: dict[str, str], jar_used: bool
) -> None:
    request = httpx.Request("POST", URL)
    ours, theirs = ResponseCookies(), httpx.Cookies()
    ours.extract_cookies(httpx.Response(200, headers=headers, request=request))
    assert bool(jar_calls) is jar_used
    theirs.extract_cookies(httpx.Response(200, headers=headers, request=request))
    assert dict(ours) == dict(theirs) == stored


def _server(seen: list[httpx.Request]) -> httpx.MockTransport:
    """Sets ``spid`` on the first answer only, as the recorded GigaChat answers do now and then."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        headers = {"Set-Cookie": "spid=s1; Path=/"} if len(seen) == 1 else {}
        return httpx.Response(200, headers=headers, json={})

    return httpx.MockTransport(handle)


def test_sync_client_keeps_and_replays_cookies(jar_calls: list[Any]) -> None:
    seen: list[httpx.Request] = []
    with Client(transport=_server(seen), cookies={"given": "1"}) as client:
        assert isinstance(client.cookies, ResponseCookies)
        for _ in range(3):
            client.post(URL)
    assert seen[0].headers["cookie"] == "given=1"
    assert sorted(seen[2].headers["cookie"].split("; ")) == ["given=1", "spid=s1"]
    assert len(jar_calls) == 1  # only the answer that set a cookie went through the jar


async def test_async_client_keeps_and_replays_cookies(jar_calls: list[Any]) -> None:
    seen: list[httpx.Request] = []
    async with AsyncClient(transport=_server(seen)) as client:
        assert isinstance(client.cookies, ResponseCookies)
        for _ in range(3):
            await client.post(URL)
    assert "cookie" not in seen[0].headers
    assert seen[1].headers["cookie"] == seen[2].headers["cookie"] == "spid=s1"
    assert len(jar_calls) == 1


def test_cookies_setter_keeps_the_skipping_store() -> None:
    with Client() as client:
        client.cookies = {"a": "1"}  # type: ignore[assignment]  # httpx's setter takes any CookieTypes
        assert isinstance(client.cookies, ResponseCookies)
        assert dict(client.cookies) == {"a": "1"}


async def test_transport_uses_these_clients() -> None:
    model = ChatGigaChat(credentials="secret", base_url="https://gigachat.test/api/v1")
    assert type(model.transport.sync_http()) is Client
    assert type(model.transport.async_http()) is AsyncClient
    model.transport.close()
    await model.transport.aclose()
