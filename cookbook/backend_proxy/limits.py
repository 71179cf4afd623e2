"""Per-client rate limiting (token bucket) and API-key authentication for the proxy."""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """Classic token bucket: ``capacity`` requests at once, refilled at ``rate`` per second."""

    capacity: float
    """Maximum burst size."""
    rate: float
    """Tokens added per second."""
    clock: Callable[[], float] = time.monotonic
    """Time source (injectable for tests)."""
    _tokens: float = field(default=-1.0, init=False)
    _updated: float = field(default=0.0, init=False)

    def take(self) -> float:
        """Take one token; returns 0 when allowed, else the seconds until a token is free."""
        now = self.clock()
        if self._tokens < 0:
            self._tokens, self._updated = self.capacity, now
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.rate if self.rate > 0 else float("inf")


class RateLimiter:
    """One token bucket per client id."""

    def __init__(self, capacity: float, rate: float) -> None:
        """Every client gets ``capacity`` burst and ``rate`` requests per second."""
        self._capacity, self._rate = capacity, rate
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def check(self, client_id: str) -> float:
        """0 when the request may go ahead, else seconds to wait (for ``Retry-After``)."""
        with self._lock:
            bucket = self._buckets.setdefault(client_id, TokenBucket(self._capacity, self._rate))
            return bucket.take()


def client_for_key(presented: str, api_keys: dict[str, str]) -> str | None:
    """The client id owning ``presented`` (compared in constant time), or None."""
    found = None
    for key, client_id in api_keys.items():
        if hmac.compare_digest(presented.encode(), key.encode()):
            found = client_id
    return found


def parse_api_keys(spec: str) -> dict[str, str]:
    """``"key1:client1,key2:client2"`` → ``{"key1": "client1", ...}`` (a bare key is its own id)."""
    keys: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, _, client = item.partition(":")
        keys[key] = client or key
    return keys
