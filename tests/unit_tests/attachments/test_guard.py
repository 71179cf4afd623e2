"""SSRF guard: address policy, URL checks, redirects and connect-time pinning (resolver mocked)."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import httpx
import pytest

from langchain_gigachat_ext.attachments import fetch as _attachment_fetch
from langchain_gigachat_ext.attachments.fetch import MAX_REDIRECTS, AttachmentFetcher
from langchain_gigachat_ext.attachments.guard import (
    OPTION,
    blocked_reason,
    check_url,
    numeric_ipv4,
    parse_url,
)
from langchain_gigachat_ext.attachments.pinning import (
    AsyncPinnedTransport,
    PinnedTransport,
    _AsyncPinnedBackend,
    _PinnedBackend,
)
from langchain_gigachat_ext.attachments.sources import AttachmentSource, source_from_block
from langchain_gigachat_ext.errors import GigaChatInvalidInputError, GigaChatUnsafeURLError

PUBLIC = "93.184.216.34"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(16)

DNS = {
    "cdn.example": [PUBLIC],
    "v6.example": ["2606:4700:4700::1111"],
    "intranet.bank": ["10.20.30.40"],
    "metadata.internal": ["169.254.169.254"],
    "rebind.example": [PUBLIC, "127.0.0.1"],
    "localhost": ["127.0.0.1", "::1"],
}
"""The mocked resolver's answers."""


def fake_resolve(host: str, port: int) -> list[str]:
    try:
        return DNS[host]
    except KeyError:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "non-public"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::", "loopback"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("::127.0.0.1", "reserved"),
        (PUBLIC, None),
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_blocked_reason(address: str, reason: str | None) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["240.0.0.1", "255.255.255.255", "2001:db8::1", "192.0.2.1"])
def test_other_special_ranges_are_blocked(address: str) -> None:
    # The label differs between Python versions; refused they must be.
    assert blocked_reason(ipaddress.ip_address(address)) is not None


REFUSED = [
    ("http://127.0.0.1/cat.png", "127.0.0.1", "loopback"),
    ("http://10.0.0.5/cat.png", "10.0.0.5", "private"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"),
    ("http://[::1]:8080/cat.png", "::1", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1", "loopback"),
    ("http://0.0.0.0:8000/", "0.0.0.0", "unspecified"),  # noqa: S104
    ("http://cdn.example@127.0.0.1/", "127.0.0.1", "loopback"),
    ("http://intranet.bank/report.pdf", "intranet.bank", "10.20.30.40"),
    ("https://metadata.internal/", "metadata.internal", "169.254.169.254"),
    ("http://rebind.example/", "rebind.example", "127.0.0.1"),
    ("http://localhost:9000/", "localhost", "loopback"),
    ("http://nowhere.invalid/", "nowhere.invalid", "does not resolve"),
]


@pytest.mark.parametrize(("url", "host", "detail"), REFUSED, ids=[r[0] for r in REFUSED])
def test_check_url_refuses_non_public_hosts(url: str, host: str, detail: str) -> None:
    with pytest.raises(GigaChatUnsafeURLError) as caught:
        check_url(httpx.URL(url), allow_private=False, resolve=fake_resolve)
    assert caught.value.host == host
    assert repr(host) in str(caught.value)
    assert detail in str(caught.value)
    assert OPTION in str(caught.value)
    assert isinstance(caught.value, GigaChatInvalidInputError)


@pytest.mark.parametrize(
    "url", [f"http://{PUBLIC}/a.png", "https://cdn.example/a.png", "https://v6.example:8443/"]
)
def test_check_url_lets_public_hosts_through(url: str) -> None:
    check_url(httpx.URL(url), allow_private=False, resolve=fake_resolve)


@pytest.mark.parametrize("url", ["ftp://cdn.example/a.png", "file:///etc/passwd", "gopher://x/"])
def test_only_http_and_https_even_when_private_is_allowed(url: str) -> None:
    with pytest.raises(GigaChatUnsafeURLError, match="only http and https"):
        check_url(httpx.URL(url), allow_private=True, resolve=fake_resolve)


def test_allow_private_skips_the_address_check() -> None:
    def no_dns(host: str, port: int) -> list[str]:
        raise AssertionError("no lookup when private hosts are allowed")

    check_url(httpx.URL("http://intranet.bank/x"), allow_private=True, resolve=no_dns)
    check_url(httpx.URL("http://127.0.0.1:1/x"), allow_private=True, resolve=no_dns)


# --- the fetcher: every hop is checked -----------------------------------------------------------
Route = tuple[int, dict[str, str], bytes]


class Server:
    """A MockTransport handler: ``routes`` maps URLs to responses; records requests."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.requested: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requested.append(str(request.url))
        status, headers, body = self.routes.get(str(request.url), (404, {}, b""))
        return httpx.Response(status, headers=headers, content=body)


def _redirect(location: str, status: int = 302) -> Route:
    return (status, {"Location": location}, b"")


def _fetcher(server: Server, **kwargs: Any) -> AttachmentFetcher:
    transport = httpx.MockTransport(server)
    return AttachmentFetcher(
        max_bytes=1000,
        timeout=5,
        transport=transport,
        async_transport=transport,
        resolve=fake_resolve,
        **kwargs,
    )


def _url_source(url: str) -> Any:
    return source_from_block({"type": "image", "url": url})


REDIRECTS = [
    ("to loopback", "http://127.0.0.1/admin"),
    ("to IPv6 loopback", "http://[::1]/"),
    ("to a name resolving privately", "http://intranet.bank/x.png"),
    ("to the metadata service", "http://169.254.169.254/latest/meta-data/"),
    ("to a file URL", "file:///etc/passwd"),
]


@pytest.mark.parametrize(("case", "target"), REDIRECTS, ids=[r[0] for r in REDIRECTS])
async def test_redirects_to_non_public_hosts_are_refused(case: str, target: str) -> None:
    start = "https://cdn.example/cat.png"
    server = Server({start: _redirect(target)})
    fetcher = _fetcher(server)
    with pytest.raises(GigaChatUnsafeURLError):
        fetcher.fetch(_url_source(start))
    with pytest.raises(GigaChatUnsafeURLError):
        await fetcher.afetch(_url_source(start))
    assert server.requested == [start, start], "the refused hop was never requested"


async def test_public_redirects_are_followed_and_each_hop_checked() -> None:
    resolved: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        resolved.append(host)
        return fake_resolve(host, port)

    server = Server(
        {
            "https://cdn.example/a": _redirect("/b", 301),
            "https://cdn.example/b": _redirect("https://v6.example/cat.png", 307),
            "https://v6.example/cat.png": (200, {"Content-Type": "image/png"}, PNG),
        }
    )
    fetcher = _fetcher(server)
    fetcher.resolve = resolve
    fetched = fetcher.fetch(_url_source("https://cdn.example/a"))
    assert (fetched.data, fetched.filename) == (PNG, "cat.png")
    assert resolved == ["cdn.example", "cdn.example", "v6.example"]
    assert (await fetcher.afetch(_url_source("https://cdn.example/a"))).data == PNG


async def test_redirect_loops_stop_at_the_cap() -> None:
    server = Server({"https://cdn.example/loop": _redirect("https://cdn.example/loop")})
    fetcher = _fetcher(server)
    with pytest.raises(GigaChatInvalidInputError, match=f"more than {MAX_REDIRECTS} times"):
        fetcher.fetch(_url_source("https://cdn.example/loop"))
    assert len(server.requested) == MAX_REDIRECTS + 1
    with pytest.raises(GigaChatInvalidInputError, match="redirected more than"):
        await fetcher.afetch(_url_source("https://cdn.example/loop"))


async def test_private_hosts_are_fetched_when_allowed() -> None:
    url = "http://intranet.bank/x.png"
    server = Server({url: (200, {}, PNG)})
    fetcher = _fetcher(server, allow_private_urls=True)
    assert fetcher.fetch(_url_source(url)).data == PNG
    assert (await fetcher.afetch(_url_source(url))).data == PNG


def test_slow_downloads_hit_the_total_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(range(0, 1000, 2))
    monkeypatch.setattr(_attachment_fetch.time, "monotonic", lambda: next(clock))
    url = "https://cdn.example/slow.png"
    server = Server({url: (200, {}, PNG)})
    fetcher = _fetcher(server)
    fetcher.timeout = 1
    with pytest.raises(GigaChatInvalidInputError, match="attachment_download_timeout"):
        fetcher.fetch(_url_source(url))


PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def _set_proxies(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    """Replace the proxy environment (both spellings, as urllib reads either)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


ROUTES = [
    ("no proxy", {}, "https://cdn.example/a", None),
    (
        "https proxy",
        {"https_proxy": "http://proxy:3128"},
        "https://cdn.example/a",
        "http://proxy:3128",
    ),
    ("other scheme", {"https_proxy": "http://proxy:3128"}, "http://cdn.example/a", None),
    ("all proxy, bare", {"all_proxy": "proxy:1080"}, "http://cdn.example/a", "http://proxy:1080"),
    ("NO_PROXY alone", {"no_proxy": "files.example"}, "https://files.example/a", None),
    (
        "NO_PROXY host",
        {"https_proxy": "http://proxy:3128", "no_proxy": "files.example"},
        "https://files.example/a",
        None,
    ),
    (
        "NO_PROXY subdomain",
        {"https_proxy": "http://proxy:3128", "no_proxy": "files.example"},
        "https://eu.files.example/a",
        None,
    ),
    (
        "NO_PROXY other host",
        {"https_proxy": "http://proxy:3128", "no_proxy": "files.example"},
        "https://cdn.example/a",
        "http://proxy:3128",
    ),
    (
        "NO_PROXY star",
        {"https_proxy": "http://p:1", "no_proxy": "*"},
        "https://cdn.example/a",
        None,
    ),
]


@pytest.mark.parametrize(
    ("env", "url", "proxy"), [r[1:] for r in ROUTES], ids=[r[0] for r in ROUTES]
)
def test_each_hop_routes_like_urllib(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], url: str, proxy: str | None
) -> None:
    _set_proxies(monkeypatch, **env)
    fetcher = AttachmentFetcher(max_bytes=10, timeout=1)
    assert fetcher._route(httpx.URL(url), custom=False) == proxy
    assert fetcher._route(httpx.URL(url), custom=True) is None, "a custom transport connects"
    relaxed = AttachmentFetcher(max_bytes=10, timeout=1, allow_private_urls=True)
    assert relaxed._route(httpx.URL(url), custom=False) is None, "httpx picks proxies itself"


def test_direct_hops_are_pinned_and_proxied_hops_use_the_proxy() -> None:
    fetcher = AttachmentFetcher(max_bytes=10, timeout=1)
    assert isinstance(fetcher._client()._transport, PinnedTransport)
    assert isinstance(fetcher._async_client()._transport, AsyncPinnedTransport)
    proxied = fetcher._client("http://proxy:3128")._transport
    assert isinstance(proxied, httpx.HTTPTransport)
    assert not isinstance(proxied, PinnedTransport)
    async_proxied = fetcher._async_client("http://proxy:3128")._transport
    assert not isinstance(async_proxied, AsyncPinnedTransport)
    relaxed = AttachmentFetcher(max_bytes=10, timeout=1, allow_private_urls=True)
    assert not isinstance(relaxed._client()._transport, PinnedTransport)


async def test_no_proxy_hosts_stay_pinned_while_a_proxy_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding on a NO_PROXY host: public at the check, private at connect time."""
    _set_proxies(monkeypatch, https_proxy="http://proxy.invalid:3128", no_proxy="files.example")
    answers: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        answers.append(host)
        return [PUBLIC] if len(answers) % 2 else ["10.0.0.5"]

    fetcher = AttachmentFetcher(max_bytes=1000, timeout=5, resolve=rebinding)
    source = _url_source("https://files.example/cat.png")
    with pytest.raises(GigaChatUnsafeURLError, match=r"resolves to 10\.0\.0\.5"):
        fetcher.fetch(source)
    with pytest.raises(GigaChatUnsafeURLError, match=r"resolves to 10\.0\.0\.5"):
        await fetcher.afetch(source)
    assert answers == ["files.example"] * 4, "checked before the hop, then again at connect"


# --- connect-time pinning (DNS rebinding) --------------------------------------------------------
class RecordingBackend:
    def __init__(self) -> None:
        self.connected: list[tuple[str, int]] = []

    def connect_tcp(self, host: str, port: int, *args: Any) -> str:
        self.connected.append((host, port))
        return "stream"

    async def aconnect_tcp(self, host: str, port: int, *args: Any) -> str:
        return self.connect_tcp(host, port)


def test_pinned_backend_connects_to_the_checked_address() -> None:
    backend = _PinnedBackend(fake_resolve)
    inner = RecordingBackend()
    backend._inner = inner  # type: ignore[assignment]
    assert backend.connect_tcp("cdn.example", 443) == "stream"
    assert inner.connected == [(PUBLIC, 443)]


@pytest.mark.parametrize("host", ["rebind.example", "intranet.bank", "127.0.0.1", "::1"])
def test_pinned_backend_refuses_before_connecting(host: str) -> None:
    backend = _PinnedBackend(fake_resolve)
    inner = RecordingBackend()
    backend._inner = inner  # type: ignore[assignment]
    with pytest.raises(GigaChatUnsafeURLError):
        backend.connect_tcp(host, 80)
    assert inner.connected == []


async def test_async_pinned_backend() -> None:
    backend = _AsyncPinnedBackend(fake_resolve)
    inner = RecordingBackend()
    backend._inner.connect_tcp = inner.aconnect_tcp  # type: ignore[method-assign,assignment]
    assert await backend.connect_tcp("cdn.example", 443) == "stream"
    with pytest.raises(GigaChatUnsafeURLError):
        await backend.connect_tcp("rebind.example", 443)
    assert inner.connected == [(PUBLIC, 443)]


# --- IPv4 in inet_aton spellings, and URLs httpx cannot parse ----------------------------------
@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("0177.0.0.1", "127.0.0.1"),  # octal
        ("0x7f.0.0.1", "127.0.0.1"),  # hex
        ("0x7F.1", "127.0.0.1"),  # two parts: the last fills three bytes
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),  # one decimal number
        ("0x7f000001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),  # trailing dot
        ("012.0.0.1", "10.0.0.1"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("0", "0.0.0.0"),  # noqa: S104
        ("8.8.8.8", "8.8.8.8"),
        ("1.2.3.4.5", None),  # five parts: a name
        ("256.1.1.1", None),
        ("1.16777216", None),  # the last part overflows its three bytes
        ("08.1.1.1", None),  # 8 is no octal digit
        ("0x", None),
        ("１２７.0.0.1", None),  # fullwidth digits are no ASCII digits
        ("cdn.example", None),
        ("", None),
    ],
)
def test_numeric_ipv4_reads_hosts_as_inet_aton_does(host: str, address: str | None) -> None:
    assert numeric_ipv4(host) == (ipaddress.IPv4Address(address) if address else None)


def _no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} is an address; nothing to look up")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://0x7f.1/cat.png", "it means 127.0.0.1, which is a loopback address"),
        ("http://2130706433/", "it means 127.0.0.1, which is a loopback address"),
        ("http://127.1:8080/", "it means 127.0.0.1, which is a loopback address"),
        ("http://0xa9.0xfe.0xa9.0xfe/", "it means 169.254.169.254, which is a link-local"),
        ("http://012.1/", "it means 10.0.0.1, which is a private address"),
    ],
)
def test_numeric_hosts_httpx_parses_are_the_addresses_they_mean(url: str, reason: str) -> None:
    with pytest.raises(GigaChatUnsafeURLError, match=reason):
        check_url(parse_url(url, allow_private=False), allow_private=False, resolve=_no_dns)


@pytest.mark.parametrize(
    "url", ["http://0177.0.0.1/cat.png", "http://user:secret@0177.0.0.01/", "http://00.0.0.0/"]
)
def test_octal_hosts_httpx_refuses_are_refused_as_unsafe(url: str) -> None:
    with pytest.raises(GigaChatUnsafeURLError, match="it means") as caught:
        parse_url(url, allow_private=False)
    assert "secret" not in str(caught.value)
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    ("url", "allow_private", "detail"),
    [
        ("http://0177.0.0.1/cat.png", True, "write the host as 127.0.0.1"),
        ("http://010.0.0.1/", False, "write the host as 8.0.0.1"),  # public, yet unrequestable
        ("http://999.1.1.1/", False, "Invalid IPv4 address"),
        ("http://[::1/cat.png", False, "not a valid URL"),
        ("http://[fe80::1%zz/", True, "not a valid URL"),
        ("http://ＥＸＡＭＰＬＥ.com/", False, "Invalid IDNA hostname"),
        ("http://cdn.example:99999/", False, "port 99999"),
        ("http://cdn.example/\x00", False, "not a valid URL"),
    ],
)
def test_unparseable_urls_give_typed_errors(url: str, allow_private: bool, detail: str) -> None:
    with pytest.raises(GigaChatInvalidInputError, match=detail) as caught:
        parse_url(url, allow_private=allow_private)
    assert not isinstance(caught.value, GigaChatUnsafeURLError)


@pytest.mark.parametrize(
    "url",
    ["http://0177.0.0.1/cat.png", "http://[::1/cat.png", "http://cdn.example:99999/a.png"],
)
async def test_the_fetcher_refuses_unparseable_urls_before_any_request(url: str) -> None:
    def no_request(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request for an unparseable URL")

    source = AttachmentSource("url", "image", location=url)
    fetcher = AttachmentFetcher(
        max_bytes=100,
        timeout=1,
        transport=httpx.MockTransport(no_request),
        async_transport=httpx.MockTransport(no_request),
        resolve=_no_dns,
    )
    with pytest.raises(GigaChatInvalidInputError):
        fetcher.fetch(source)
    with pytest.raises(GigaChatInvalidInputError):
        await fetcher.afetch(source)


def test_block_urls_that_urllib_cannot_split_are_typed_errors() -> None:
    with pytest.raises(GigaChatInvalidInputError, match="cannot be parsed"):
        source_from_block({"type": "image_url", "image_url": {"url": "http://[::1/cat.png"}})
