"""Quota-aware concurrency in one process: batches never fail on the account's quota."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_gigachat_ext import ChatGigaChat, GigaChatEmbeddings
from langchain_gigachat_ext.emulator.runner import GigaChatEmulator
from langchain_gigachat_ext.errors import GigaChatDeadlineError

B2B = "GIGACHAT_API_B2B"


@pytest.fixture
def quota3() -> Iterator[GigaChatEmulator]:
    """A fresh emulator (a fresh account) enforcing 3 requests in flight, 50 ms answers."""
    with GigaChatEmulator(max_concurrent=3) as emu:
        emu.faults.latency = 0.05
        yield emu


def _chat(emu: GigaChatEmulator, **overrides: Any) -> ChatGigaChat:
    params: dict[str, Any] = {**emu.client_kwargs(), "scope": B2B, "retry_backoff_factor": 0.01}
    params.update(overrides)
    return ChatGigaChat(**params)


def _failures(results: list[Any]) -> list[Exception]:
    return [result for result in results if isinstance(result, Exception)]


async def test_abatch_beyond_the_quota_never_fails(quota3: GigaChatEmulator) -> None:
    llm = _chat(quota3)
    prompts = [f"prompt {i}" for i in range(60)]
    results = await llm.abatch(prompts, config={"max_concurrency": 8}, return_exceptions=True)
    assert _failures(results) == []
    assert quota3.quota.peak <= 3
    assert quota3.quota.rejected <= 6  # the limit is learnt from a handful of 429s


def test_threads_and_event_loops_share_one_limiter(quota3: GigaChatEmulator) -> None:
    llm = _chat(quota3)
    failures: list[Exception] = []

    def in_a_loop() -> None:
        results = asyncio.run(
            llm.abatch(
                [f"a {i}" for i in range(12)], config={"max_concurrency": 6}, return_exceptions=True
            )
        )
        failures.extend(_failures(results))

    def in_threads() -> None:
        twin = _chat(quota3)  # another model of the same account: the same limiter
        results = twin.batch(
            [f"t {i}" for i in range(12)], config={"max_concurrency": 6}, return_exceptions=True
        )
        failures.extend(_failures(results))

    workers = [threading.Thread(target=job) for job in (in_a_loop, in_a_loop, in_threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert failures == []
    assert quota3.quota.peak <= 3


def test_an_absorbed_429_spends_no_retry(quota3: GigaChatEmulator) -> None:
    llm = _chat(quota3, max_retries=0)  # any 429 that reached the retry policy would fail
    results = llm.batch(
        [f"p {i}" for i in range(24)], config={"max_concurrency": 8}, return_exceptions=True
    )
    assert _failures(results) == []
    assert quota3.quota.rejected >= 1  # the quota was really hit and absorbed


def test_personal_scope_defaults_to_one_in_flight() -> None:
    with GigaChatEmulator(max_concurrent=1) as emu:
        llm = ChatGigaChat(**emu.client_kwargs(), scope="GIGACHAT_API_PERS")
        results = llm.batch([f"p {i}" for i in range(8)], config={"max_concurrency": 8})
        assert len(results) == 8
        assert emu.quota.rejected == 0
        assert emu.quota.peak == 1


@pytest.mark.parametrize(
    ("settings", "quota"),
    [
        ({"scope": "GIGACHAT_API_PERS"}, 1),
        ({"scope": "GIGACHAT_API_B2B"}, 10),
        ({"scope": "GIGACHAT_API_CORP"}, 10),
        ({"scope": "GIGACHAT_API_B2B", "max_concurrent": 25}, 25),
        ({"credentials": None, "access_token": "token-of-unknown-scope"}, 1),
        ({"credentials": None, "user": "someone", "password": "secret"}, 1),
        ({"credentials": None, "access_token": "token", "scope": "GIGACHAT_API_B2B"}, 10),
    ],
)
def test_the_quota_comes_from_the_scope_unless_set(
    emu: Any, settings: dict[str, Any], quota: int
) -> None:
    limiter = ChatGigaChat(**{**emu.client_kwargs(), **settings}).transport.limiter
    assert limiter is not None
    assert limiter.store.quota == quota


def test_the_quota_reads_its_environment_variable(
    emu: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIGACHAT_MAX_CONCURRENT", "7")
    llm = _chat(emu)
    assert llm.max_concurrent == 7
    assert llm.transport.limiter is not None
    assert llm.transport.limiter.store.quota == 7


def test_every_kind_of_request_shares_the_accounts_limiter(emu: Any) -> None:
    llm = _chat(emu)
    twin = _chat(emu, temperature=0.5)
    embeddings = GigaChatEmbeddings(**emu.client_kwargs(), scope=B2B)
    assert llm.transport.limiter is twin.transport.limiter is embeddings.transport.limiter
    other_account = _chat(emu, scope="GIGACHAT_API_PERS")
    assert other_account.transport.limiter is not llm.transport.limiter


def test_chat_embeddings_and_token_counts_together_stay_within_the_quota() -> None:
    with GigaChatEmulator(max_concurrent=2) as emu:
        emu.faults.latency = 0.02
        llm = _chat(emu, max_concurrent=2)
        embeddings = GigaChatEmbeddings(
            **emu.client_kwargs(), scope=B2B, max_concurrent=2, batch_size=5, max_concurrency=6
        )
        failures: list[BaseException] = []

        def embed() -> None:
            try:
                vectors = embeddings.embed_documents([f"text {i}" for i in range(60)])
                assert len(vectors) == 60
            except BaseException as error:
                failures.append(error)

        worker = threading.Thread(target=embed)
        worker.start()
        results = llm.batch(
            [f"p {i}" for i in range(10)], config={"max_concurrency": 4}, return_exceptions=True
        )
        counts = [llm.get_num_tokens(f"count {i}") for i in range(3)]
        worker.join(60)
        assert failures == []
        assert _failures(results) == []
        assert all(count > 0 for count in counts)
        assert emu.quota.peak <= 2


def test_waits_and_absorbed_429s_are_visible(
    quota3: GigaChatEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="langchain_gigachat_ext.quota")
    llm = _chat(quota3)
    results = llm.batch([f"p {i}" for i in range(16)], config={"max_concurrency": 8})
    quotas = [result.response_metadata["quota"] for result in results]
    assert all(set(q) == {"waited_s", "absorbed_429", "limit"} for q in quotas)
    assert any(q["waited_s"] > 0 for q in quotas)
    assert sum(q["absorbed_429"] for q in quotas) == quota3.quota.rejected
    assert "waited" in caplog.text


def test_the_budget_covers_the_wait_for_a_slot(emu: Any) -> None:
    emu.faults.chunk_delay = 0.2
    llm = _chat(emu, max_concurrent=1)
    stream = llm.stream("Tell me a long story about a cat")
    next(stream)  # the stream holds the account's only slot
    try:
        started = time.monotonic()
        with pytest.raises(GigaChatDeadlineError, match="waiting for a quota slot"):
            _chat(emu, max_concurrent=1, call_timeout=0.3).invoke("Hi")
        assert time.monotonic() - started < 2
    finally:
        stream.close()
    assert _chat(emu, max_concurrent=1, call_timeout=2).invoke("Hi").content


async def test_a_cancelled_waiter_leaves_the_queue_at_once(emu: Any) -> None:
    emu.faults.chunk_delay = 0.2
    llm = _chat(emu, max_concurrent=1)
    holder = llm.astream("Tell me a long story about a cat")
    await anext(holder)  # the account's only slot is taken
    waiter = asyncio.create_task(llm.ainvoke("queued"))
    await asyncio.sleep(0.1)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await holder.aclose()
    emu.faults.chunk_delay = 0.0
    answer = await _chat(emu, max_concurrent=1, call_timeout=2).ainvoke("next")
    assert answer.response_metadata["quota"]["waited_s"] < 0.5


def test_retry_after_pauses_the_account_then_the_call_succeeds(emu: Any) -> None:
    emu.faults.fail_first(1, status=429, retry_after=0.5)
    llm = _chat(emu, max_concurrent=1)
    started = time.monotonic()
    assert llm.invoke("Hi").content
    assert time.monotonic() - started >= 0.45
