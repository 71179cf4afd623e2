"""Retries: one layer, Retry-After, backoff with jitter, streams retried only before output."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from gigachat import exceptions as sdk
from langchain_core.exceptions import ModelRateLimitError

from langchain_gigachat_ext import (
    ChatGigaChat,
    GigaChatConnectionError,
    GigaChatMalformedResponseError,
    GigaChatStreamInterruptedError,
)
from langchain_gigachat_ext.client.retry import RetryPolicy
from langchain_gigachat_ext.errors import GigaChatRateLimitError, GigaChatServerError
from tests.integration_tests.faults.helpers import chat_entries, chat_model, wait_until

PROMPT = "Tell me a long story about a cat"


def _logged_streams(emu: Any, count: int) -> list[dict[str, Any]]:
    """Chat entries once ``count`` exist (stream entries are logged when the stream ends)."""
    assert wait_until(lambda: len(chat_entries(emu)) >= count)
    return chat_entries(emu)


def _stream_text(llm: ChatGigaChat, prompt: str = PROMPT) -> tuple[list[str], BaseException | None]:
    parts: list[str] = []
    try:
        for chunk in llm.stream(prompt):
            parts.append(str(chunk.content))
    except Exception as error:
        return parts, error
    return parts, None


async def _astream_text(
    llm: ChatGigaChat, prompt: str = PROMPT
) -> tuple[list[str], BaseException | None]:
    parts: list[str] = []
    try:
        async for chunk in llm.astream(prompt):
            parts.append(str(chunk.content))
    except Exception as error:
        return parts, error
    return parts, None


def test_429_waits_retry_after_then_succeeds(emu: Any, retry_delays: list[float]) -> None:
    emu.faults.fail_first(1, 429, retry_after=1)
    llm = chat_model(emu, retry_backoff_factor=5.0)

    assert llm.invoke("Hi").content
    assert retry_delays == [1.0]  # the server's value, not the (5 s) backoff
    statuses = [e["status"] for e in chat_entries(emu)]
    assert statuses == [429, 200]


async def test_429_exhausted_raises_rate_limit_error(emu: Any, retry_delays: list[float]) -> None:
    emu.faults.fail_first(5, 429, retry_after=0)
    llm = chat_model(emu, max_retries=1)

    with pytest.raises(GigaChatRateLimitError) as caught:
        await llm.ainvoke("Hi")
    assert isinstance(caught.value, ModelRateLimitError)
    assert isinstance(caught.value, sdk.RateLimitError)
    assert len(chat_entries(emu)) == 2
    assert len(retry_delays) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize("max_retries", [0, 1, 3])
def test_server_errors_retry_exactly_max_retries(
    emu: Any, retry_delays: list[float], status: int, max_retries: int
) -> None:
    emu.faults.fail_first(10, status)
    llm = chat_model(emu, max_retries=max_retries)

    with pytest.raises(GigaChatServerError) as caught:
        llm.invoke("Hi")
    assert caught.value.status_code == status
    # One retry layer: the SDK adds none of its own.
    assert len(chat_entries(emu)) == 1 + max_retries
    assert len(retry_delays) == max_retries


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_transient_server_error_recovers_async(
    emu: Any, retry_delays: list[float], status: int
) -> None:
    emu.faults.fail_first(2, status)
    llm = chat_model(emu, max_retries=2)

    assert (await llm.ainvoke("Hi")).content
    assert [e["status"] for e in chat_entries(emu)] == [status, status, 200]
    assert len(retry_delays) == 2


@pytest.mark.parametrize("status", [400, 404, 422])
def test_client_errors_are_not_retried(emu: Any, status: int) -> None:
    emu.script.reply_error(status, "nope")
    with pytest.raises(Exception) as caught:
        chat_model(emu, max_retries=3).invoke("Hi")
    assert getattr(caught.value, "status_code", None) == status
    assert len(chat_entries(emu)) == 1


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [(0, 0.25, 0.5), (1, 0.5, 1.0), (2, 1.0, 2.0), (10, 30.0, 30.0)],
)
def test_backoff_is_exponential_with_jitter(attempt: int, low: float, high: float) -> None:
    policy = RetryPolicy(max_retries=20, backoff_factor=0.5, max_delay=30.0)
    error = GigaChatConnectionError("refused")
    delays = {policy.delay(error, attempt) for _ in range(200)}
    assert all(d is not None and low <= d <= high for d in delays)
    if low != high:
        assert len(delays) > 1  # jitter: not one fixed value


@pytest.fixture
def refusing_server() -> Iterator[tuple[str, list[int]]]:
    """Accepts TCP connections and closes them at once; counts them."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    accepted: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(1)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/v1", accepted
    stop.set()
    thread.join(5)
    listener.close()


@pytest.mark.parametrize("max_retries", [0, 2])
def test_connection_errors_back_off_and_retry(
    refusing_server: tuple[str, list[int]], retry_delays: list[float], max_retries: int
) -> None:
    base_url, accepted = refusing_server
    llm = ChatGigaChat(
        base_url=base_url,
        access_token="pre-issued",
        max_retries=max_retries,
        retry_backoff_factor=0.01,
    )
    with pytest.raises(GigaChatConnectionError):
        llm.invoke("Hi")
    assert len(accepted) == 1 + max_retries
    assert len(retry_delays) == max_retries


def test_stream_is_retried_before_its_first_chunk(emu: Any) -> None:
    expected = chat_model(emu).invoke(PROMPT).content
    emu.reset()
    emu.faults.fail_first(1, 503)

    parts, error = _stream_text(chat_model(emu))

    assert error is None
    assert "".join(parts) == expected
    assert [e["status"] for e in _logged_streams(emu, 2)] == [503, 200]


async def test_stream_cut_before_first_chunk_is_retried(emu: Any) -> None:
    expected = (await chat_model(emu).ainvoke(PROMPT)).content
    emu.reset()
    emu.script.reply_text("never delivered", cut_after=0)

    parts, error = await _astream_text(chat_model(emu))

    assert error is None
    assert "".join(parts) == expected
    assert len(_logged_streams(emu, 2)) == 2


@pytest.mark.parametrize("cut_after", [1, 2, 4])
def test_stream_cut_midway_raises_once_with_partial_text(emu: Any, cut_after: int) -> None:
    expected = str(chat_model(emu).invoke(PROMPT).content)
    emu.reset()
    emu.faults.cut_stream_after = cut_after

    parts, error = _stream_text(chat_model(emu, max_retries=3))

    assert isinstance(error, GigaChatStreamInterruptedError)
    received = "".join(parts)
    assert received
    assert error.partial_text == received
    assert expected.startswith(received)
    assert received != expected  # the cut is visible, not silently truncated
    assert len(_logged_streams(emu, 1)) == 1  # never re-sent once output was delivered


async def test_async_stream_cut_midway_raises_once_with_partial_text(emu: Any) -> None:
    expected = str((await chat_model(emu).ainvoke(PROMPT)).content)
    emu.reset()
    emu.faults.cut_stream_after = 2

    parts, error = await _astream_text(chat_model(emu, max_retries=3))

    assert isinstance(error, GigaChatStreamInterruptedError)
    assert error.partial_text == "".join(parts)
    assert expected.startswith(error.partial_text)
    assert len(_logged_streams(emu, 1)) == 1


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_malformed_chunk_midway_interrupts_with_partial_text(
    emu: Any, asynchronous: bool
) -> None:
    emu.faults.malformed_chunk_at = 1
    llm = chat_model(emu, max_retries=3)

    parts, error = await _astream_text(llm) if asynchronous else _stream_text(llm)

    assert isinstance(error, GigaChatStreamInterruptedError)
    assert error.partial_text == "".join(parts)
    assert len(parts) == 1
    cause = error.__cause__
    assert isinstance(cause, GigaChatMalformedResponseError)
    request_id = _logged_streams(emu, 1)[0]["request_id"]
    assert error.request_id == request_id
    assert request_id in str(cause)
    assert len(chat_entries(emu)) == 1


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_malformed_first_chunk_is_a_typed_error(emu: Any, asynchronous: bool) -> None:
    emu.faults.malformed_chunk_at = 0
    llm = chat_model(emu, max_retries=3)

    parts, error = await _astream_text(llm) if asynchronous else _stream_text(llm)

    assert parts == []
    assert isinstance(error, GigaChatMalformedResponseError)
    entries = _logged_streams(emu, 1)
    assert len(entries) == 1  # malformed output is not retried
    assert entries[0]["request_id"] in str(error)
