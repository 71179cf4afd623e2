"""Timeouts and cancellation: a hung server ends in a typed timeout; cancelling frees the stream."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from langchain_core.exceptions import ModelTimeoutError

from langchain_gigachat_ext import GigaChatStreamInterruptedError, GigaChatTimeoutError
from tests.integration_tests.client.counting import AsyncCountingTransport, CountingTransport
from tests.integration_tests.faults.helpers import chat_entries, chat_model, wait_until

LIMIT = 0.5
"""Read timeout used against the stalled server (seconds)."""
MARGIN = 5.0
"""Generous slack: this bounds correctness (no retry, no hang), it is not a performance target."""
LONG_PROMPT = "Tell me a long story about a cat"


def test_timeouts_reach_every_request(emu: Any) -> None:
    sent: list[dict[str, float]] = []
    hooks = {"request": [lambda request: sent.append(request.extensions["timeout"])]}
    with httpx.Client(event_hooks=hooks) as client:
        chat_model(emu, timeout=12.5, connect_timeout=3.5, http_client=client).invoke("Hi")
    expected = {"connect": 3.5, "read": 12.5, "write": 12.5, "pool": 12.5}
    assert sent == [expected, expected]  # OAuth, then chat


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_hung_server_raises_timeout_within_the_limit(emu: Any, asynchronous: bool) -> None:
    emu.faults.stall_seconds = 3.0
    llm = chat_model(emu, timeout=LIMIT, max_retries=3)

    started = time.monotonic()
    with pytest.raises(GigaChatTimeoutError) as caught:
        if asynchronous:
            await llm.ainvoke("Hi")
        else:
            llm.invoke("Hi")
    elapsed = time.monotonic() - started

    assert isinstance(caught.value, ModelTimeoutError)
    assert elapsed < LIMIT + MARGIN
    # A read timeout is not retried (the wait would multiply past the limit): once the stalled
    # request finishes server-side, the log holds exactly one chat request.
    assert wait_until(lambda: len(chat_entries(emu)) >= 1, seconds=10)
    assert len(chat_entries(emu)) == 1


def test_stream_stalling_after_first_chunk_interrupts_with_timeout_cause(emu: Any) -> None:
    emu.faults.stall_seconds = 3.0
    llm = chat_model(emu, timeout=LIMIT, max_retries=3)
    parts: list[str] = []

    started = time.monotonic()
    with pytest.raises(GigaChatStreamInterruptedError) as caught:
        for chunk in llm.stream(LONG_PROMPT):
            parts.append(str(chunk.content))
    elapsed = time.monotonic() - started

    assert elapsed < LIMIT + MARGIN
    assert isinstance(caught.value.__cause__, GigaChatTimeoutError)
    assert caught.value.partial_text == "".join(parts)
    assert parts


def _stream_entries(emu: Any) -> list[dict[str, Any]]:
    return [e for e in chat_entries(emu) if e["stream"]]


async def test_cancelling_an_async_stream_closes_the_connection(emu: Any) -> None:
    full = chat_model(emu).invoke(LONG_PROMPT)
    emu.reset()
    emu.faults.chunk_delay = 0.3
    transport = AsyncCountingTransport()
    llm = chat_model(emu, http_async_client=httpx.AsyncClient(transport=transport))
    first_chunk = asyncio.Event()

    async def consume() -> None:
        async for _ in llm.astream(LONG_PROMPT):
            first_chunk.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first_chunk.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert transport.ledger.open_answers == 0
    # The server saw the disconnect: its stream ended early and was logged then.
    assert await asyncio.to_thread(wait_until, lambda: bool(_stream_entries(emu)), seconds=5)
    sent = _stream_entries(emu)[0]["chunks_sent"]
    assert sent < len(str(full.content).split())


def test_abandoning_a_sync_stream_releases_the_connection(emu: Any) -> None:
    emu.faults.chunk_delay = 0.3
    transport = CountingTransport()
    llm = chat_model(emu, http_client=httpx.Client(transport=transport))

    stream = llm.stream(LONG_PROMPT)
    next(stream)
    stream.close()

    assert transport.ledger.open_answers == 0
    assert wait_until(lambda: bool(_stream_entries(emu)), seconds=5)
    assert _stream_entries(emu)[0]["chunks_sent"] <= 2
