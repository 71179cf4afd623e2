"""Prompt-cache accounting behind ``usage.precached_prompt_tokens``.

Inferred rule (no contract exists, PROTOCOL.md §3.2): for a stable ``X-Session-ID`` the server
reuses the longest message prefix it has already seen in that session, and reports that prefix's
token count as precached. Requests without a session id never hit the cache.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Final

from langchain_gigachat_ext.emulator.brain.core import Turn

MAX_SESSIONS: Final = 1024
"""Sessions remembered at once (oldest dropped first)."""


def _prefix_digests(turns: Sequence[Turn]) -> list[bytes]:
    digest = hashlib.blake2b(digest_size=16)
    out = []
    for turn in turns:
        digest.update(repr((turn.role, turn.content, turn.name, turn.function_call)).encode())
        out.append(digest.copy().digest())
    return out


class SessionCache:
    """Seen message prefixes per session id; thread-safe."""

    def __init__(self) -> None:
        """Create an empty cache."""
        self._seen: OrderedDict[str, set[bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def precached_tokens(
        self, session_id: str | None, turns: Sequence[Turn], count_tokens: Callable[[str], int]
    ) -> int:
        """Tokens of the longest previously seen prefix of ``turns``, then remember ``turns``."""
        if not session_id:
            return 0
        digests = _prefix_digests(turns)
        with self._lock:
            seen = self._seen.pop(session_id, set())
            self._seen[session_id] = seen
            while len(self._seen) > MAX_SESSIONS:
                self._seen.popitem(last=False)
            hit = 0
            for index, digest in enumerate(digests, start=1):
                if digest in seen:
                    hit = index
            seen.update(digests)
        return sum(count_tokens(turn.content) for turn in turns[:hit])

    def clear(self) -> None:
        """Forget every session."""
        with self._lock:
            self._seen.clear()
