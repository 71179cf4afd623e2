"""Access tokens shared by every thread and event loop of one client.

One :class:`TokenManager` per configured client: concurrent callers on a cold or expiring client
share one token request (single flight), in threads and in asyncio alike — also across event
loops, because the in-flight fetch is a ``concurrent.futures.Future`` that sync callers wait on
directly and async callers await through ``asyncio.wrap_future``. Tokens are fetched with the
SDK's own OAuth / password functions.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

import httpx
from pydantic import SecretStr

from langchain_gigachat_ext.client.sdk import auth as sdk_auth

# OAuth answers expires_at in milliseconds (REC, PROTOCOL §2.1); the password endpoint answers
# `exp` that is probably seconds (PROTOCOL §2.2, inferred). Values below this bound are seconds.
_SECONDS_BOUND = 10**11


@dataclass(frozen=True)
class AuthSettings:
    """How to obtain a token."""

    auth_url: str
    """Absolute OAuth URL."""
    scope: str
    """OAuth scope."""
    credentials: SecretStr | None = None
    """Base64 authorization key (OAuth)."""
    user: str | None = None
    """User for password auth (``POST {base}/token``)."""
    password: SecretStr | None = None
    """Password for password auth."""
    access_token: SecretStr | None = None
    """A pre-issued token; never refreshed."""
    refresh_margin_s: float = 60.0
    """Refresh this many seconds before expiry (the SDK uses 60 s)."""


@dataclass(frozen=True)
class Token:
    """A bearer token and when it stops being usable."""

    value: str = field(repr=False)
    """The bearer token (never logged)."""
    expires_at: float
    """Unix seconds; ``inf`` for a pre-issued token."""
    issued_at: float = field(default_factory=time.time)
    """Unix seconds when the token was received."""

    def refresh_at(self, margin_s: float) -> float:
        """When to fetch a successor: ``margin_s`` before expiry, but not before half-life.

        Capping the margin at half the lifetime keeps short-lived tokens (shorter than the
        60 s margin) usable for a while instead of refetching one on every call.
        """
        lifetime = self.expires_at - self.issued_at
        return self.expires_at - min(margin_s, max(lifetime, 0.0) / 2)


def _expiry_seconds(raw: int) -> float:
    return raw / 1000 if raw >= _SECONDS_BOUND else float(raw)


class TokenManager:
    """Cache, refresh ahead of expiry, and single-flight fetching of access tokens."""

    def __init__(self, settings: AuthSettings) -> None:
        """Create the manager (no I/O)."""
        self._settings = settings
        self._token: Token | None = None
        if settings.access_token is not None:
            self._token = Token(settings.access_token.get_secret_value(), float("inf"))
        self._lock = threading.Lock()
        self._inflight: Future[Token | None] | None = None
        self.fetch_count = 0
        """How many tokens this manager fetched (observable in tests and benchmarks)."""

    @property
    def can_refresh(self) -> bool:
        """Whether a new token can be fetched (credentials or user+password configured)."""
        s = self._settings
        return s.credentials is not None or (s.user is not None and s.password is not None)

    def _usable(self) -> Token | None:
        token = self._token
        if token is None:
            return None
        if token.refresh_at(self._settings.refresh_margin_s) > time.time():
            return token
        return None

    def current(self) -> Token | None:
        """The cached token if still usable; no I/O."""
        return self._usable()

    def invalidate(self, token: Token) -> None:
        """Drop ``token`` (after a 401) unless another caller already replaced it."""
        with self._lock:
            if self._token is token and self.can_refresh:
                self._token = None

    def _claim(self) -> tuple[Token | None, Future[Token | None] | None, bool]:
        """Under the lock: a usable token, or the in-flight fetch and whether we must run it."""
        with self._lock:
            token = self._usable()
            if token is not None:
                return token, None, False
            if self._inflight is not None:
                return None, self._inflight, False
            self._inflight = Future()
            return None, self._inflight, True

    def _settle(
        self, future: Future[Token | None], token: Token | None, error: Exception | None
    ) -> None:
        with self._lock:
            if token is not None:
                self._token = token
            self._inflight = None
        if error is not None:
            future.set_exception(error)
        else:
            # None tells waiters the leader gave up (cancelled): they claim again.
            future.set_result(token)

    def get(self, http: httpx.Client) -> tuple[Token | None, bool]:
        """A usable token and whether it was fetched by this call (sync)."""
        token = self._usable()
        if token is not None or not self.can_refresh:
            return token if token is not None else self._token, False
        while True:
            token, future, leader = self._claim()
            if future is None:
                return token, False
            if not leader:
                # Waiters treat the token as fresh too: a 401 right after a fetch is final.
                shared = future.result()
                if shared is not None:
                    return shared, True
                continue
            fetched: Token | None = None
            try:
                fetched = self._fetch(http)
            except Exception as exc:
                self._settle(future, None, exc)
                raise
            finally:
                if not future.done():
                    self._settle(future, fetched, None)
            return fetched, True

    async def aget(self, http: httpx.AsyncClient) -> tuple[Token | None, bool]:
        """A usable token and whether it was fetched by this call (async)."""
        token = self._usable()
        if token is not None or not self.can_refresh:
            return token if token is not None else self._token, False
        while True:
            token, future, leader = self._claim()
            if future is None:
                return token, False
            if not leader:
                # shield: a cancelled waiter must not cancel the shared fetch.
                shared = await asyncio.shield(asyncio.wrap_future(future))
                if shared is not None:
                    return shared, True
                continue
            fetched: Token | None = None
            try:
                fetched = await self._afetch(http)
            except Exception as exc:
                self._settle(future, None, exc)
                raise
            finally:
                if not future.done():
                    self._settle(future, fetched, None)
            return fetched, True

    def _fetch(self, http: httpx.Client) -> Token:
        s = self._settings
        self.fetch_count += 1
        if s.credentials is not None:
            oauth = sdk_auth.auth_sync(
                http, url=s.auth_url, credentials=s.credentials.get_secret_value(), scope=s.scope
            )
            return Token(oauth.access_token, _expiry_seconds(oauth.expires_at))
        user, password = _password_pair(s)
        raw = sdk_auth.token_sync(http, user=user, password=password)
        return Token(raw.tok, _expiry_seconds(raw.exp))

    async def _afetch(self, http: httpx.AsyncClient) -> Token:
        s = self._settings
        self.fetch_count += 1
        if s.credentials is not None:
            oauth = await sdk_auth.auth_async(
                http, url=s.auth_url, credentials=s.credentials.get_secret_value(), scope=s.scope
            )
            return Token(oauth.access_token, _expiry_seconds(oauth.expires_at))
        user, password = _password_pair(s)
        raw = await sdk_auth.token_async(http, user=user, password=password)
        return Token(raw.tok, _expiry_seconds(raw.exp))


def _password_pair(settings: AuthSettings) -> tuple[str, str]:
    """User and password for ``POST /token`` (callers checked ``can_refresh``)."""
    if settings.user is None or settings.password is None:
        msg = "password authentication needs both user and password"
        raise ValueError(msg)
    return settings.user, settings.password.get_secret_value()
