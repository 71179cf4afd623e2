"""Prompt-cache accounting: the longest prefix seen in a session counts as precached."""

from __future__ import annotations

from langchain_gigachat_ext.emulator.brain.core import Turn
from langchain_gigachat_ext.emulator.server.sessions import SessionCache


def words(text: str) -> int:
    return len(text.split())


def test_sessions_count_longest_seen_prefix() -> None:
    cache = SessionCache()
    first = (Turn(role="user", content="a b c"),)
    assert cache.precached_tokens("s", first, words) == 0
    second = (*first, Turn(role="assistant", content="d"), Turn(role="user", content="e f"))
    assert cache.precached_tokens("s", second, words) == 3
    assert cache.precached_tokens("s", second, words) == 6
    assert cache.precached_tokens(None, second, words) == 0
