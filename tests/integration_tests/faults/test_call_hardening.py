"""Issue 24's client items: typed errors before any request, budgets, no credentials in chains.

Each test talks HTTP to the emulator or to a throwaway stub server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.errors import (
    GigaChatConfigurationError,
    GigaChatConnectionError,
    GigaChatDeadlineError,
    GigaChatInvalidInputError,
    GigaChatMalformedResponseError,
    GigaChatRateLimitError,
    GigaChatStreamInterruptedError,
    GigaChatTimeoutError,
)
from tests.integration_tests.faults.helpers import chat_entries, chat_model, send, stub_server

LONG_PROMPT = "Tell me a long story about a cat"
BAD_TEXT = "broken \ud800 text"


# --- item 4: typed errors ----------------------------------------------------------------------
@pytest.mark.parametrize("way", ["invoke", "stream", "ainvoke", "astream"])
async def test_a_lone_surrogate_is_refused_before_any_request(emu: Any, way: str) -> None:
    llm = chat_model(emu)  # cold: no token yet, so even OAuth would show in the log
    with pytest.raises(GigaChatInvalidInputError, match="UTF-8"):
        if way == "invoke":
            llm.invoke(BAD_TEXT)
        elif way == "stream":
            list(llm.stream(BAD_TEXT))
        elif way == "ainvoke":
            await llm.ainvoke(BAD_TEXT)
        else:
            [chunk async for chunk in llm.astream(BAD_TEXT)]
    assert list(emu.request_log) == []


CP1251_PAGE = "Доступ запрещён прокси-сервером".encode("cp1251")


def _cp1251(handler: BaseHTTPRequestHandler) -> None:
    send(handler, CP1251_PAGE, content_type="application/json")


def test_a_non_utf8_oauth_answer_is_a_typed_error() -> None:
    with stub_server(_cp1251) as origin:
        llm = ChatGigaChat(
            base_url=f"{origin}/api/v1",
            auth_url=f"{origin}/oauth",
            credentials="a2V5",
            max_retries=0,
        )
        with pytest.raises(GigaChatMalformedResponseError):
            llm.invoke("Hi")


def test_a_non_utf8_tokens_count_answer_is_a_typed_error() -> None:
    with stub_server(_cp1251) as origin:
        llm = ChatGigaChat(base_url=f"{origin}/api/v1", access_token="token", max_retries=0)
        with pytest.raises(GigaChatMalformedResponseError):
            llm.get_num_tokens("Hi")


def test_a_non_utf8_files_answer_is_a_typed_error() -> None:
    with stub_server(_cp1251) as origin:
        llm = ChatGigaChat(base_url=f"{origin}/api/v1", access_token="token", max_retries=0)
        with pytest.raises(GigaChatMalformedResponseError):
            llm.upload_file(b"plain text", filename="note.txt", mime_type="text/plain")


# --- item 6: Retry-After beyond the budget ------------------------------------------------------
@pytest.mark.parametrize("asynchronous", [False, True])
async def test_a_retry_after_beyond_the_budget_raises_at_once(
    emu: Any, asynchronous: bool, retry_delays: list[float]
) -> None:
    emu.faults.fail_first(3, status=429, retry_after=1000)
    llm = chat_model(emu, timeout=5.0)
    started = time.monotonic()
    with pytest.raises(GigaChatRateLimitError) as caught:
        if asynchronous:
            await llm.ainvoke("Hi")
        else:
            llm.invoke("Hi")
    assert caught.value.retry_after == 1000
    assert retry_delays == []
    assert len(chat_entries(emu)) == 1
    assert time.monotonic() - started < 3


def test_a_retry_after_beyond_call_timeout_raises_at_once(emu: Any) -> None:
    emu.faults.fail_first(1, status=429, retry_after=5)
    with pytest.raises(GigaChatRateLimitError) as caught:
        chat_model(emu, call_timeout=2).invoke("Hi")
    assert caught.value.retry_after == 5
    assert len(chat_entries(emu)) == 1


# --- item 7: the whole-call deadline ------------------------------------------------------------
def _trickle(handler: BaseHTTPRequestHandler) -> None:
    """A 200 whose body arrives 40 bytes every 0.4 s, for up to ~8 s."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(40 * 20))
    handler.end_headers()
    try:
        for _ in range(20):
            handler.wfile.write(b" " * 40)
            handler.wfile.flush()
            time.sleep(0.4)
    except OSError:
        return


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_call_timeout_bounds_a_trickling_answer(asynchronous: bool) -> None:
    with stub_server(_trickle) as origin:
        llm = ChatGigaChat(
            base_url=f"{origin}/api/v1", access_token="token", timeout=1, call_timeout=1.0
        )
        started = time.monotonic()
        with pytest.raises(GigaChatDeadlineError, match="call_timeout=1"):
            if asynchronous:
                await llm.ainvoke("Hi")
            else:
                llm.invoke("Hi")
        assert time.monotonic() - started < 3  # a trickle of 8 s is cut after ~1 s


def _sse_keepalives(handler: BaseHTTPRequestHandler) -> None:
    """An SSE answer that sends only comments, one every 0.2 s, for up to ~8 s."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.end_headers()
    try:
        for _ in range(40):
            handler.wfile.write(b": keep-alive\n\n")
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:
        return


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_a_stream_without_chunks_is_cut_at_the_deadline(asynchronous: bool) -> None:
    with stub_server(_sse_keepalives) as origin:
        llm = ChatGigaChat(
            base_url=f"{origin}/api/v1", access_token="token", timeout=5, call_timeout=1.0
        )
        started = time.monotonic()
        with pytest.raises(GigaChatDeadlineError):
            if asynchronous:
                [chunk async for chunk in llm.astream("Hi")]
            else:
                list(llm.stream("Hi"))
        assert time.monotonic() - started < 3


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_a_long_stream_that_keeps_talking_is_never_cut(emu: Any, asynchronous: bool) -> None:
    emu.faults.chunk_delay = 0.25
    llm = chat_model(emu, call_timeout=0.8)
    started = time.monotonic()
    if asynchronous:
        chunks = [chunk async for chunk in llm.astream(LONG_PROMPT)]
    else:
        chunks = list(llm.stream(LONG_PROMPT))
    assert time.monotonic() - started > 0.8 * 2  # the whole stream took well over the window
    assert len(chunks) > 4


def test_a_slow_reader_is_not_cut_by_its_own_pauses(emu: Any) -> None:
    llm = chat_model(emu, call_timeout=0.5)
    received = []
    for chunk in llm.stream(LONG_PROMPT):
        received.append(chunk)
        time.sleep(0.2)  # the caller's time between chunks is not the server's silence
    assert len(received) > 4


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_silence_after_the_first_chunk_is_cut_at_the_window(
    emu: Any, asynchronous: bool
) -> None:
    emu.faults.stall_seconds = 4.0
    llm = chat_model(emu, call_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(GigaChatStreamInterruptedError) as caught:
        if asynchronous:
            [chunk async for chunk in llm.astream(LONG_PROMPT)]
        else:
            list(llm.stream(LONG_PROMPT))
    assert isinstance(caught.value.__cause__, GigaChatTimeoutError)
    assert time.monotonic() - started < 3


def test_stream_timeout_caps_a_whole_stream(emu: Any) -> None:
    emu.faults.chunk_delay = 0.25
    with pytest.raises(GigaChatStreamInterruptedError) as caught:
        list(chat_model(emu, stream_timeout=0.6).stream(LONG_PROMPT))
    assert isinstance(caught.value.__cause__, GigaChatDeadlineError)


# --- item 9: a wrong mTLS key password ----------------------------------------------------------
@pytest.fixture(scope="module")
def encrypted_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("mtls")
    cert, key = folder / "client.pem", folder / "client.key"
    subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-days", "1", "-subj", "/CN=client",
            "-keyout", str(key), "-out", str(cert), "-passout", "pass:right-password",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_a_wrong_key_password_is_a_configuration_error_at_once(
    emu: Any, encrypted_key: tuple[Path, Path], asynchronous: bool, retry_delays: list[float]
) -> None:
    cert, key = encrypted_key
    llm = chat_model(
        emu, cert_file=str(cert), key_file=str(key), key_file_password="wrong-password"
    )
    with pytest.raises(GigaChatConfigurationError) as caught:
        if asynchronous:
            await llm.ainvoke("Hi")
        else:
            llm.invoke("Hi")
    assert str(key) in str(caught.value)
    assert "wrong-password" not in str(caught.value)
    assert retry_delays == []
    assert list(emu.request_log) == []


# --- item 10: no credentials in exception chains ------------------------------------------------
def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _assert_no_credentials(error: BaseException, secrets: list[str]) -> None:
    for raised in _chain(error):
        for name in ("request", "response"):
            try:
                value = getattr(raised, name, None)
            except RuntimeError:  # httpx: no request attached
                continue
            request = value.request if isinstance(value, httpx.Response) else value
            if isinstance(request, httpx.Request):
                assert "authorization" not in request.headers
                text = repr(request.headers.multi_items()) + repr(request.content)
                assert not [secret for secret in secrets if secret in text]
        rendered = f"{raised}\n{raised!r}\n{raised.args}\n{vars(raised)}"
        assert not [secret for secret in secrets if secret in rendered]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_failed_oauth_request_leaves_no_key_in_the_chain(emu: Any) -> None:
    llm = chat_model(emu, auth_url=f"http://127.0.0.1:{_closed_port()}/oauth", max_retries=0)
    with pytest.raises(GigaChatConnectionError) as caught:
        llm.invoke("Hi")
    assert caught.value.__cause__ is not None
    _assert_no_credentials(caught.value, [emu.credentials])


@pytest.mark.parametrize("streaming", [False, True])
def test_a_timed_out_call_leaves_no_token_in_the_chain(emu: Any, streaming: bool) -> None:
    llm = chat_model(emu, timeout=0.5, max_retries=0)
    llm.invoke("warm up")  # the token is cached: the failing request carries the bearer token
    token = llm.transport.tokens.current()
    assert token is not None
    emu.faults.stall_seconds = 2.0
    with pytest.raises(Exception) as caught:
        if streaming:
            list(llm.stream(LONG_PROMPT))
        else:
            llm.invoke("Hi")
    _assert_no_credentials(caught.value, [token.value, emu.credentials])


# --- item 14: a stream the caller stops reading -------------------------------------------------
def test_a_sync_break_closes_the_stream_and_frees_its_slot(emu: Any) -> None:
    emu.faults.chunk_delay = 0.3
    llm = chat_model(emu, max_concurrent=1)
    for _ in llm.stream(LONG_PROMPT):
        break
    limiter = llm.transport.limiter
    assert limiter is not None
    lease = limiter.store.try_acquire()
    assert lease is not None  # the stream's slot is free again
    limiter.release(lease, "other")


async def test_an_async_break_closes_the_stream_and_frees_its_slot(emu: Any) -> None:
    emu.faults.chunk_delay = 0.3
    llm = chat_model(emu, max_concurrent=1, call_timeout=2)
    async for _ in llm.astream(LONG_PROMPT):
        break
    # The abandoned generator is closed by the loop on the next iterations: the next call on
    # the account (quota 1) gets the slot without waiting for the stream's end.
    emu.faults.chunk_delay = 0.0
    answer = await llm.ainvoke("Hi")
    assert answer.response_metadata["quota"]["waited_s"] < 1.0
    streams = [e for e in chat_entries(emu) if e["stream"]]
    assert streams
    assert streams[0]["chunks_sent"] <= 3


async def test_a_cancelled_stream_frees_its_slot_at_once(emu: Any) -> None:
    emu.faults.chunk_delay = 0.3
    llm = chat_model(emu, max_concurrent=1)
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in llm.astream(LONG_PROMPT):
            first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    limiter = llm.transport.limiter
    assert limiter is not None
    lease = limiter.store.try_acquire()
    assert lease is not None
    limiter.release(lease, "other")
