"""SSRF guard for attachment URLs: only public http(s) hosts are fetched by default.

A URL in a user message makes *this* process download it, so without a guard an end user could
reach the cloud metadata service, the bank's intranet or the host's own ports. The rules:

* Schemes: ``http`` and ``https`` only (checked for every redirect hop too).
* Every address the host resolves to must be public: loopback, private, link-local, multicast,
  reserved, unspecified, shared (CGNAT) and other non-global ranges are refused, for IPv4 and
  IPv6, including IPv4 embedded in IPv6 (mapped ``::ffff:a.b.c.d``, 6to4, NAT64).
* IPv4 addresses written the old ``inet_aton`` ways (``0177.0.0.1`` octal, ``0x7f.1`` hex,
  ``2130706433`` decimal, fewer than four parts) are the addresses they mean, as the system
  resolver reads them (:func:`numeric_ipv4`).
* A URL that cannot be parsed is refused with a typed error before anything is requested
  (:func:`parse_url`); httpx's own ``InvalidURL`` never leaves the package.
* The check runs before each hop (:func:`check_url`), and — for every direct connection —
  again at connect time: :class:`.pinning.PinnedTransport` connects only to an address it
  has just checked, so a DNS answer that changes between check and connect (DNS rebinding)
  cannot slip through. A hop that goes through an ``HTTP(S)_PROXY``/``ALL_PROXY`` (its host not
  excluded by ``NO_PROXY``) is connected by the proxy; the per-hop check still runs for it.
* URLs in errors are redacted (:func:`redact_url`): user info and query strings (credentials,
  signatures of pre-signed URLs) never reach messages, attributes or logs.

``allow_private_attachment_urls=True`` on the model turns the address rules off (schemes stay).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import urllib.parse
from collections.abc import Callable, Iterable

import httpx

from langchain_gigachat_ext.errors import GigaChatInvalidInputError, GigaChatUnsafeURLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

Resolver = Callable[[str, int], list[str]]
"""``(host, port)`` → the addresses a connection could use."""

ALLOWED_SCHEMES = frozenset({"http", "https"})
"""URL schemes the fetcher follows."""

OPTION = "allow_private_attachment_urls=True"
"""How users lift the address check (named in every refusal)."""

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

_USERINFO = re.compile(r"(//)[^/?#]*@")

_IPV4_PART = re.compile(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*")
"""One part of an ``inet_aton`` address: hex, octal (leading zero) or decimal (ASCII only)."""

_MAX_PORT = 65_535


def redact_url(url: str | httpx.URL) -> str:
    """``url`` fit for messages and logs: ``scheme://***@host:port/path?…#…``.

    User info becomes ``***@`` and a query or fragment ``?…``/``#…``, since either may carry
    credentials (pre-signed URLs). Text without ``://`` (a local path) is returned unchanged.
    """
    text = str(url)
    if "://" not in text:
        return text
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError:  # unparseable (e.g. a broken IPv6 literal): cut by hand
        head = _USERINFO.sub(r"\1***@", re.split(r"[?#]", text, maxsplit=1)[0], count=1)
        return head + ("?…" if "?" in text else "") + ("#…" if "#" in text else "")
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    query = "…" if parts.query or "?" in text.split("#", 1)[0] else ""
    fragment = "…" if "#" in text else ""
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver, as the HTTP client uses)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def blocked_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be fetched (e.g. ``"loopback"``), or None when it is public."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return blocked_reason(embedded)
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("non-public", not address.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def _refusal(url: str, host: str, detail: str) -> GigaChatUnsafeURLError:
    return GigaChatUnsafeURLError(
        f"Refused to download the attachment from host {host!r}: {detail}. Attachment URLs "
        f"must point to public hosts; set {OPTION} on the model if the URLs come from a "
        "trusted source, or send the file as base64 or a GigaChat file id.",
        url=redact_url(url),
        host=host,
    )


def check_addresses(url: str, host: str, addresses: Iterable[str]) -> str:
    """The first of ``addresses`` when all are public.

    Raises:
        GigaChatUnsafeURLError: Any address is not public, or there is none.
    """
    first: str | None = None
    for text in addresses:
        reason = blocked_reason(ipaddress.ip_address(text))
        if reason is not None:
            if text == host:
                detail = "it is"
            elif literal_address(host) == text:
                detail = f"it means {text}, which is"
            else:
                detail = f"it resolves to {text}, which is"
            raise _refusal(url, host, f"{detail} a {reason} address")
        first = first or text
    if first is None:
        raise _refusal(url, host, "it resolves to no address")
    return first


def numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address ``host`` spells in any ``inet_aton`` form, or None for other hosts.

    ``inet_aton`` (and so ``getaddrinfo``) reads one to four parts, each decimal, octal with a
    leading ``0`` or hex with ``0x``; the last part fills the remaining bytes: ``0177.0.0.1``,
    ``0x7f.1``, ``127.1`` and ``2130706433`` all mean 127.0.0.1. One trailing dot is allowed.
    """
    parts = host.removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4 or not all(_IPV4_PART.fullmatch(part) for part in parts):
        return None
    *head, last = [_ipv4_part(part) for part in parts]
    if any(value > 255 for value in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for index, byte in enumerate(head):
        value += byte << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _ipv4_part(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part, 16)
    return int(part, 8 if part.startswith("0") else 10)


def literal_address(host: str) -> str | None:
    """The address ``host`` is, written canonically, when it is an IP literal; else None."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        address = numeric_ipv4(host)
        return None if address is None else str(address)


def public_address(url: str, host: str, port: int, resolve: Resolver) -> str:
    """A checked public address of ``host`` (resolving it unless it is an IP literal).

    Raises:
        GigaChatUnsafeURLError: ``host`` is or resolves to a non-public address, or does not
            resolve.
    """
    literal = literal_address(host)
    if literal is not None:
        return check_addresses(url, host, [literal])
    try:
        addresses = resolve(host, port)
    except OSError as error:
        raise _refusal(url, host, f"its name does not resolve ({error})") from error
    return check_addresses(url, host, addresses)


def _host_of(text: str) -> str | None:
    try:
        return urllib.parse.urlsplit(text).hostname
    except ValueError:
        return None


def parse_url(text: str, *, allow_private: bool) -> httpx.URL:
    """``text`` as httpx (the client that requests it) parses it, or a typed error.

    httpx refuses some hosts the system resolver would read as addresses (``0177.0.0.1``):
    those name the address they mean, so a non-public one is refused as unsafe, not as a typo.

    Raises:
        GigaChatUnsafeURLError: The host spells a non-public IPv4 address httpx cannot parse
            (unless ``allow_private``).
        GigaChatInvalidInputError: The URL cannot be parsed, or its port is out of range.
    """
    shown = redact_url(text)
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, ValueError, TypeError) as error:
        host = _host_of(text)
        address = numeric_ipv4(host) if host else None
        if address is not None and not allow_private:
            reason = blocked_reason(address)
            if reason is not None:
                raise _refusal(
                    text, host or "", f"it means {address}, which is a {reason} address"
                ) from None
        hint = f"; write the host as {address}" if address is not None else ""
        msg = f"The attachment URL {shown} is not a valid URL ({error}{hint})."
        raise GigaChatInvalidInputError(msg) from None
    if url.port is not None and not 0 < url.port <= _MAX_PORT:
        msg = f"The attachment URL {shown} has port {url.port}, outside 1..{_MAX_PORT}."
        raise GigaChatInvalidInputError(msg)
    return url


def check_url(url: httpx.URL, *, allow_private: bool, resolve: Resolver) -> None:
    """Refuse ``url`` unless it is http(s) to a public host (or ``allow_private`` is set).

    The URL is parsed by httpx, the same parser that makes the request, so tricks such as
    ``http://public@127.0.0.1/`` are seen as the client sees them.

    Raises:
        GigaChatUnsafeURLError: The scheme is not http(s), or the host is not public.
    """
    text = redact_url(url)
    if url.scheme not in ALLOWED_SCHEMES:
        msg = (
            f"Refused to download the attachment {text}: only http and https URLs are fetched "
            f"(got {url.scheme or 'no'} scheme)."
        )
        raise GigaChatUnsafeURLError(msg, url=text, host=url.host)
    if allow_private:
        return
    if not url.host:
        raise _refusal(text, url.host, "the URL has no host")
    public_address(text, url.host, url.port or (443 if url.scheme == "https" else 80), resolve)
