"""A worker killed in the middle of a request frees its shared slot within the lease time."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.emulator.runner import GigaChatEmulator
from langchain_gigachat_ext.errors import GigaChatDeadlineError
from tests.integration_tests.client.redis_server import redis_server
from tests.integration_tests.client.test_shared_limiter import B2B, start_worker, worker_env

LEASE = 1.0
"""Seconds a shared slot outlives a worker that stopped renewing it (short, for the test)."""


@pytest.fixture
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def _model(emu: GigaChatEmulator, redis_url: str, call_timeout: float) -> ChatGigaChat:
    return ChatGigaChat(
        **emu.client_kwargs(),
        scope=B2B,
        max_concurrent=1,
        shared_limiter_url=redis_url,
        shared_limiter_lease=LEASE,
        call_timeout=call_timeout,
    )


def test_a_killed_worker_frees_its_slot_within_the_lease(redis_url: str) -> None:
    with GigaChatEmulator() as emu:
        emu.faults.chunk_delay = 0.5  # the worker's stream runs for many seconds
        env = worker_env(
            emu, redis_url, GIGACHAT_MAX_CONCURRENT="1", GIGACHAT_SHARED_LIMITER_LEASE=str(LEASE)
        )
        worker = start_worker(env, "hold")
        try:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "streaming"
            # The worker's stream holds the account's only slot, across processes...
            with pytest.raises(GigaChatDeadlineError):
                _model(emu, redis_url, 0.3).invoke("Hi")
            time.sleep(LEASE * 1.5)
            # ... and keeps it past the lease time while it runs: the lease is renewed.
            with pytest.raises(GigaChatDeadlineError):
                _model(emu, redis_url, 0.3).invoke("Hi")
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            killed = time.monotonic()
            emu.faults.chunk_delay = 0.0
            answer = _model(emu, redis_url, LEASE * 4).invoke("Hi")
            freed_after = time.monotonic() - killed
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(10)
            if worker.stdout is not None:
                worker.stdout.close()
    assert answer.content
    assert freed_after <= LEASE + 1.0  # the lease ran out; a poll found the slot free
