"""OAuth and password tokens (PROTOCOL.md §2)."""

from __future__ import annotations

import base64
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from langchain_gigachat_ext.emulator.server.errors import ApiError, OAuthError

SCOPES: Final = frozenset({"GIGACHAT_API_PERS", "GIGACHAT_API_B2B", "GIGACHAT_API_CORP"})
"""Scopes the OAuth server knows (DOC; seed 002)."""

EXPIRED: Final = "Token has expired"
"""401 text for an expired token (DOC; 3P n8n-gigachat#11)."""


def basic_key(user: str, password: str) -> str:
    """The base64 ``user:password`` value used after ``Basic``."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _is_uuid4(value: str) -> bool:
    try:
        return uuid.UUID(value).version == 4
    except ValueError:
        return False


@dataclass
class TokenStore:
    """Issues bearer tokens and checks them; thread-safe."""

    credentials: str
    """Authorization key accepted by the OAuth endpoint."""
    user: str
    """User accepted by ``POST /token``."""
    password: str
    """Password accepted by ``POST /token``."""
    ttl: float = 1800.0
    """Token lifetime in seconds (DOC: 30 minutes)."""
    clock: Callable[[], float] = time.time
    """Wall clock, replaceable in tests."""
    _tokens: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _issue(self) -> tuple[str, float]:
        token = secrets.token_urlsafe(32)
        expires = self.clock() + self.ttl
        with self._lock:
            now = self.clock()
            # Drop long-expired tokens so the table stays small in long benchmark runs.
            if len(self._tokens) > 1024:
                self._tokens = {t: e for t, e in self._tokens.items() if e > now}
            self._tokens[token] = expires
        return token, expires

    def oauth(self, authorization: str | None, rquid: str | None, scope: str | None) -> dict:
        """Answer ``POST /api/v2/oauth``.

        Returns:
            ``{"access_token", "expires_at"}`` with ``expires_at`` in milliseconds (SDK, seed 001).

        Raises:
            OAuthError: The documented/inferred OAuth error bodies.
        """
        if not rquid or not _is_uuid4(rquid):
            # DOC: 400 for a missing/invalid RqUID; code and message inferred.
            raise OAuthError(400, 4, "RqUID must be a valid UUID4")
        scheme, _, key = (authorization or "").partition(" ")
        if scheme.lower() != "basic" or not key:
            # inferred (code/message unverified)
            raise OAuthError(401, 1, "Can't decode 'Authorization' header")
        # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, i.e. a 500).
        if not secrets.compare_digest(key.strip().encode(), self.credentials.encode()):
            raise OAuthError(401, 6, "credentials doesn't match db data")  # inferred
        if not scope:
            raise OAuthError(400, 5, "scope is empty")  # DOC
        if scope not in SCOPES:
            raise OAuthError(400, 7, "scope from db not fully includes consumed scope")  # DOC
        token, expires = self._issue()
        return {"access_token": token, "expires_at": int(expires * 1000)}

    def password_token(self, authorization: str | None) -> dict:
        """Answer ``POST {base}/token`` (HTTP Basic user:password).

        Returns:
            ``{"tok", "exp"}`` with ``exp`` in seconds (DOC example; inferred from REC-pre).

        Raises:
            ApiError: 401 for missing or wrong credentials (inferred body).
        """
        scheme, _, key = (authorization or "").partition(" ")
        try:
            decoded = base64.b64decode(key, validate=True)
        except ValueError:  # not base64 (binascii.Error), or not even ASCII
            decoded = b""
        expected = f"{self.user}:{self.password}".encode()
        if scheme.lower() != "basic" or not secrets.compare_digest(decoded, expected):
            raise ApiError(401)
        token, expires = self._issue()
        return {"tok": token, "exp": int(expires)}

    def check(self, authorization: str | None) -> None:
        """Accept a valid ``Bearer`` header or raise the API's 401.

        Raises:
            ApiError: ``Unauthorized`` (missing/unknown) or ``Token has expired``.
        """
        scheme, _, token = (authorization or "").partition(" ")
        expires = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if expires is None:
            raise ApiError(401)
        if expires <= self.clock():
            raise ApiError(401, EXPIRED)

    def revoke_all(self) -> None:
        """Forget every issued token."""
        with self._lock:
            self._tokens.clear()
