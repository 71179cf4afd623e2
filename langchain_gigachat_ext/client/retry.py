"""When to retry a failed call and how long to wait.

This is the only retry layer: the SDK's own retry stays off (``max_retries=0`` in the SDK),
so a call is never retried twice over (the SDK README warns about double retries).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from langchain_gigachat_ext.errors import (
    GigaChatAPIError,
    GigaChatCertificateError,
    GigaChatConnectionError,
    GigaChatError,
    retry_after_seconds,
)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Statuses worth retrying (the SDK's defaults, PROTOCOL §9)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; ``Retry-After`` wins for 429."""

    max_retries: int = 2
    """Retries after the first attempt (0 disables retrying)."""
    backoff_factor: float = 0.5
    """First backoff in seconds; doubles on each attempt."""
    max_delay: float = 30.0
    """Upper bound of any single wait, including a server's ``Retry-After``."""
    statuses: frozenset[int] = RETRY_STATUSES
    """HTTP statuses retried (``retry_on_status_codes`` on the model)."""

    def delay(self, error: GigaChatError, attempt: int) -> float | None:
        """Seconds to wait before retry number ``attempt + 1``, or None to give up."""
        if attempt >= self.max_retries or not is_retryable(error, self.statuses):
            return None
        retry_after = retry_after_seconds(error)
        if retry_after is not None and retry_after > 0:
            return min(retry_after, self.max_delay)
        base = self.backoff_factor * (2**attempt)
        # "Equal jitter": half fixed, half random, so concurrent clients spread out.
        return min(base / 2 + random.uniform(0, base / 2), self.max_delay)  # noqa: S311


def is_retryable(error: GigaChatError, statuses: frozenset[int] = RETRY_STATUSES) -> bool:
    """Statuses in ``statuses`` (429, 500, 502, 503, 504 by default) and connection failures.

    Never timeouts or TLS failures: a read timeout is not retried, because the server may still
    be working, and retrying would multiply the caller's wait beyond the configured ``timeout``.
    """
    if isinstance(error, GigaChatAPIError):
        return error.status_code in statuses
    return isinstance(error, GigaChatConnectionError) and not isinstance(
        error, GigaChatCertificateError
    )
