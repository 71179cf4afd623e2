"""The httpx clients of the API transport: httpx's own, less cookie parsing of cookieless answers.

After every response ``httpx.Client`` hands it to its cookie store, which wraps the request
and the response for ``http.cookiejar`` (re-parsing the URL, copying the headers) before the
jar looks for ``Set-Cookie``: ~32 µs per response on the bench machine, even when there is
none. :class:`ResponseCookies` asks the headers first and runs httpx's whole extraction only
when a ``Set-Cookie`` or ``Set-Cookie2`` header is there. GigaChat does set a ``spid`` cookie
on some answers and httpx sends it back (PROTOCOL §3.1, ``Cookie: spid=…``, REC ``*json_schema*``
cassettes): such answers are handled exactly as before, the others skip the jar. The
transport's clients below use it as their cookie store.
"""

from __future__ import annotations

from typing import Any

import httpx

_SET_COOKIE_HEADERS = ("set-cookie", "set-cookie2")
"""The headers ``http.cookiejar`` reads cookies from (``CookieJar.make_cookies``)."""


class ResponseCookies(httpx.Cookies):
    """``httpx.Cookies`` that skips the cookie jar's work for a response setting no cookie.

    Example:
        ```python
        import httpx

        cookies = ResponseCookies()
        request = httpx.Request("GET", "https://example.test/")
        cookies.extract_cookies(httpx.Response(200, request=request))
        assert not cookies
        answer = httpx.Response(200, headers={"Set-Cookie": "id=1"}, request=request)
        cookies.extract_cookies(answer)
        assert cookies["id"] == "1"
        ```
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        """Store the cookies ``response`` sets, as httpx does (nothing to do without one)."""
        headers = response.headers
        if any(name in headers for name in _SET_COOKIE_HEADERS):
            super().extract_cookies(response)


class _ResponseCookiesStore:
    """Mixin: the client's ``cookies`` are a :class:`ResponseCookies` (getter and setter)."""

    _response_cookies: ResponseCookies

    @property
    def cookies(self) -> httpx.Cookies:
        """The client's cookie store (httpx reads and updates it through this property)."""
        return self._response_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._response_cookies = ResponseCookies(cookies)


class Client(_ResponseCookiesStore, httpx.Client):
    """``httpx.Client`` with :class:`ResponseCookies` as its cookie store."""

    def __init__(self, **kwargs: Any) -> None:
        """Create the client (``httpx.Client``'s keyword arguments)."""
        super().__init__(**kwargs)
        self.cookies = kwargs.get("cookies")


class AsyncClient(_ResponseCookiesStore, httpx.AsyncClient):
    """``httpx.AsyncClient`` with :class:`ResponseCookies` as its cookie store."""

    def __init__(self, **kwargs: Any) -> None:
        """Create the client (``httpx.AsyncClient``'s keyword arguments)."""
        super().__init__(**kwargs)
        self.cookies = kwargs.get("cookies")
