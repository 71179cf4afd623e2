"""Tokens: refreshed ahead of expiry, one 401 replay, single-flight fetching under concurrency."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from langchain_gigachat_ext import GigaChatAuthenticationError
from tests.integration_tests.faults.helpers import (
    chat_entries,
    chat_model,
    oauth_entries,
    wait_until,
)


def test_short_lived_token_is_reused_then_refreshed_before_expiry(emu: Any) -> None:
    emu.faults.token_ttl = 2.0  # shorter than the 60 s margin: the margin caps at half-life
    llm = chat_model(emu)

    for _ in range(5):
        llm.invoke("Hi")
    assert len(oauth_entries(emu)) == 1
    first = llm.transport.tokens.current()
    assert first is not None

    time.sleep(max(0.0, first.refresh_at(llm.token_refresh_margin) - time.time()) + 0.05)
    assert time.time() < first.expires_at  # still valid: this is a refresh *ahead* of expiry
    llm.invoke("Hi")

    assert len(oauth_entries(emu)) == 2
    assert all(e["status"] == 200 for e in chat_entries(emu))  # no 401 was ever needed


@pytest.mark.parametrize("streaming", [False, True])
def test_401_on_cached_token_refreshes_once_and_replays(emu: Any, streaming: bool) -> None:
    emu.faults.unauthorized_after = 1
    llm = chat_model(emu, streaming=streaming)

    assert llm.invoke("Hi").content
    assert llm.invoke("Hi").content

    assert wait_until(lambda: len(emu.request_log) >= 5)  # streams are logged when they end
    log = [(e["oauth"], e["status"]) for e in emu.request_log]
    assert log == [(True, 200), (False, 200), (False, 401), (True, 200), (False, 200)]


async def test_401_on_cached_token_replays_async(emu: Any) -> None:
    emu.faults.unauthorized_after = 1
    llm = chat_model(emu)

    await llm.ainvoke("Hi")
    chunks = [chunk async for chunk in llm.astream("Hi")]

    assert "".join(str(c.content) for c in chunks)
    assert len(oauth_entries(emu)) == 2
    assert wait_until(lambda: len(chat_entries(emu)) >= 3)  # streams are logged when they end
    assert [e["status"] for e in chat_entries(emu)] == [200, 401, 200]


def test_401_right_after_a_fresh_token_is_final(emu: Any) -> None:
    emu.faults.unauthorized_after = 0
    with pytest.raises(GigaChatAuthenticationError):
        chat_model(emu, max_retries=3).invoke("Hi")
    assert len(oauth_entries(emu)) == 1
    assert len(chat_entries(emu)) == 1


async def test_100_concurrent_ainvoke_on_a_cold_client_fetch_one_token(emu: Any) -> None:
    llm = chat_model(emu)
    results = await asyncio.gather(*(llm.ainvoke(f"Hi {i}") for i in range(100)))
    assert all(r.content for r in results)
    assert len(oauth_entries(emu)) == 1
    assert len(chat_entries(emu)) == 100


async def test_concurrent_callers_on_an_expired_client_fetch_one_token(emu: Any) -> None:
    emu.faults.token_ttl = 1.0
    llm = chat_model(emu)
    await llm.ainvoke("Hi")
    token = llm.transport.tokens.current()
    assert token is not None
    await asyncio.sleep(max(0.0, token.expires_at - time.time()) + 0.05)

    await asyncio.gather(*(llm.ainvoke("Hi") for _ in range(50)))

    assert len(oauth_entries(emu)) == 2


def test_32_threads_on_a_cold_client_fetch_one_token(emu: Any) -> None:
    llm = chat_model(emu)
    results = llm.batch([f"Hi {i}" for i in range(32)], config={"max_concurrency": 32})
    assert len(results) == 32
    assert len(oauth_entries(emu)) == 1
    assert len(chat_entries(emu)) == 32


def test_threads_and_event_loops_share_one_token_request(emu: Any) -> None:
    llm = chat_model(emu)
    barrier = threading.Barrier(16)
    errors: list[BaseException] = []

    def sync_caller() -> None:
        barrier.wait(5)
        llm.invoke("Hi")

    def loop_caller() -> None:
        async def run() -> None:
            barrier.wait(5)
            await asyncio.gather(*(llm.ainvoke("Hi") for _ in range(4)))

        asyncio.run(run())

    def guarded(target: Any) -> None:
        try:
            target()
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=guarded, args=(sync_caller if i % 2 else loop_caller,))
        for i in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(oauth_entries(emu)) == 1
    assert len(chat_entries(emu)) == 8 + 8 * 4


def test_password_auth_also_single_flight(emu: Any) -> None:
    llm = chat_model(emu, credentials=None, user=emu.user, password=emu.password)
    llm.batch(["Hi"] * 16, config={"max_concurrency": 16})
    token_calls = [e for e in emu.request_log if e["path"].endswith("/token")]
    assert len(token_calls) == 1
    assert oauth_entries(emu) == []
