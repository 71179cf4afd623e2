"""Fixtures of the fault-injection tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from langchain_gigachat_ext.client.retry import RetryPolicy


@pytest.fixture
def retry_delays(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Every backoff the transport decided on (the real waits still happen)."""
    seen: list[float] = []
    original = RetryPolicy.delay

    def spy(self: RetryPolicy, error: Any, attempt: int) -> float | None:
        delay = original(self, error, attempt)
        if delay is not None:
            seen.append(delay)
        return delay

    monkeypatch.setattr(RetryPolicy, "delay", spy)
    yield seen
