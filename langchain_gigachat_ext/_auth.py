"""Access tokens shared by every thread and event loop of one client.

One :class:`TokenManager` per configured client: concurrent callers on a cold or expiring client
share one token request (single flight), in threads and in asyncio alike. Tokens are fetched
with the SDK's own OAuth / password functions.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from dataclasses import dataclass

import httpx
from gigachat.api import auth as sdk_auth
from pydantic import SecretStr

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

    value: str
    """The bearer token (never logged)."""
    expires_at: float
    """Unix seconds; ``inf`` for a pre-issued token."""

    def __repr__(self) -> str:
        return f"Token(value='**********', expires_at={self.expires_at})"


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
        self._thread_lock = threading.Lock()
        self._loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
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
        if token.expires_at - self._settings.refresh_margin_s > time.time():
            return token
        return None

    def current(self) -> Token | None:
        """The cached token if still usable; no I/O."""
        return self._usable()

    def invalidate(self, token: Token) -> None:
        """Drop ``token`` (after a 401) unless another caller already replaced it."""
        with self._thread_lock:
            if self._token is token and self.can_refresh:
                self._token = None

    def get(self, http: httpx.Client) -> tuple[Token | None, bool]:
        """A usable token and whether it was fetched by this call (sync)."""
        token = self._usable()
        if token is not None or not self.can_refresh:
            return token if token is not None else self._token, False
        with self._thread_lock:
            token = self._usable()
            if token is not None:
                return token, False
            self._token = self._fetch(http)
            return self._token, True

    async def aget(self, http: httpx.AsyncClient) -> tuple[Token | None, bool]:
        """A usable token and whether it was fetched by this call (async)."""
        token = self._usable()
        if token is not None or not self.can_refresh:
            return token if token is not None else self._token, False
        async with self._loop_lock():
            token = self._usable()
            if token is not None:
                return token, False
            fetched = await self._afetch(http)
            with self._thread_lock:
                self._token = fetched
            return fetched, True

    def _loop_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._loop_locks.get(loop)
        if lock is None:
            lock = self._loop_locks.setdefault(loop, asyncio.Lock())
        return lock

    def _fetch(self, http: httpx.Client) -> Token:
        s = self._settings
        self.fetch_count += 1
        if s.credentials is not None:
            oauth = sdk_auth.auth_sync(
                http, url=s.auth_url, credentials=s.credentials.get_secret_value(), scope=s.scope
            )
            return Token(oauth.access_token, _expiry_seconds(oauth.expires_at))
        assert s.user is not None and s.password is not None  # noqa: S101 - can_refresh checked
        raw = sdk_auth.token_sync(http, user=s.user, password=s.password.get_secret_value())
        return Token(raw.tok, _expiry_seconds(raw.exp))

    async def _afetch(self, http: httpx.AsyncClient) -> Token:
        s = self._settings
        self.fetch_count += 1
        if s.credentials is not None:
            oauth = await sdk_auth.auth_async(
                http, url=s.auth_url, credentials=s.credentials.get_secret_value(), scope=s.scope
            )
            return Token(oauth.access_token, _expiry_seconds(oauth.expires_at))
        assert s.user is not None and s.password is not None  # noqa: S101 - can_refresh checked
        raw = await sdk_auth.token_async(http, user=s.user, password=s.password.get_secret_value())
        return Token(raw.tok, _expiry_seconds(raw.exp))
