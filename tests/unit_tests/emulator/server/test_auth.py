"""OAuth and password tokens: lifetimes, expiry and the OAuth endpoint's errors."""

from __future__ import annotations

import pytest

from langchain_gigachat_ext.emulator.server.auth import TokenStore, basic_key
from langchain_gigachat_ext.emulator.server.errors import ApiError, OAuthError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_tokens_expire() -> None:
    clock = Clock()
    store = TokenStore(credentials="key", user="u", password="p", ttl=10, clock=clock)
    issued = store.oauth("Basic key", "8da54264-2463-42be-9aa7-c844d5e45180", "GIGACHAT_API_PERS")
    assert issued["expires_at"] == 1_010_000
    store.check(f"Bearer {issued['access_token']}")
    clock.now += 11
    with pytest.raises(ApiError) as info:
        store.check(f"Bearer {issued['access_token']}")
    assert info.value.message == "Token has expired"


def test_password_token_in_seconds() -> None:
    store = TokenStore(credentials="key", user="u", password="p", ttl=10, clock=Clock())
    assert store.password_token(f"Basic {basic_key('u', 'p')}")["exp"] == 1010
    with pytest.raises(ApiError):
        store.password_token(f"Basic {basic_key('u', 'wrong')}")


@pytest.mark.parametrize(
    ("authorization", "rquid", "scope", "code"),
    [
        ("Basic key", None, "GIGACHAT_API_PERS", 4),
        ("Bearer key", "8da54264-2463-42be-9aa7-c844d5e45180", "GIGACHAT_API_PERS", 1),
        ("Basic nope", "8da54264-2463-42be-9aa7-c844d5e45180", "GIGACHAT_API_PERS", 6),
        ("Basic key", "8da54264-2463-42be-9aa7-c844d5e45180", "", 5),
        ("Basic key", "8da54264-2463-42be-9aa7-c844d5e45180", "OTHER", 7),
    ],
)
def test_oauth_errors(authorization: str, rquid: str | None, scope: str, code: int) -> None:
    store = TokenStore(credentials="key", user="u", password="p")
    with pytest.raises(OAuthError) as info:
        store.oauth(authorization, rquid, scope)
    assert info.value.code == code
