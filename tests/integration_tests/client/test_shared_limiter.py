"""Many processes on one account share one quota through a real ``redis-server``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.client.redis_slots import keys_of
from langchain_gigachat_ext.emulator.runner import GigaChatEmulator
from tests.integration_tests.client.redis_server import redis_server

ROOT = Path(__file__).resolve().parents[3]
B2B = "GIGACHAT_API_B2B"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def worker_env(emu: GigaChatEmulator, redis_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a worker process on the emulator's account."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIGACHAT_")}
    env.update(
        GIGACHAT_BASE_URL=emu.base_url,
        GIGACHAT_AUTH_URL=emu.auth_url,
        GIGACHAT_CREDENTIALS=emu.credentials,
        GIGACHAT_SCOPE=B2B,
        PYTHONPATH=str(ROOT),
        **extra,
    )
    if redis_url is not None:
        env["GIGACHAT_SHARED_LIMITER_URL"] = redis_url
    return env


def start_worker(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """A worker process (``quota_worker``) with ``env``."""
    return subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "tests.integration_tests.client.quota_worker", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_four_processes_share_one_quota_without_failures(redis_url: str) -> None:
    with GigaChatEmulator(max_concurrent=3) as emu:
        emu.faults.latency = 0.05
        env = worker_env(emu, redis_url)
        workers = [start_worker(env, "batch", "15") for _ in range(4)]
        reports = []
        for worker in workers:
            out, _ = worker.communicate(timeout=120)
            reports.append(json.loads(out.strip().splitlines()[-1]))
        assert [report["failed"] for report in reports] == [0, 0, 0, 0], reports
        assert emu.quota.peak <= 3
        requests = 60 + emu.quota.rejected
        assert emu.quota.rejected <= 0.2 * requests


def test_without_redis_the_same_processes_collide(redis_url: str) -> None:
    # The control: what the shared limiter prevents (each process learns on its own).
    with GigaChatEmulator(max_concurrent=3) as emu:
        emu.faults.latency = 0.05
        env = worker_env(emu, None)
        workers = [start_worker(env, "batch", "15") for _ in range(4)]
        for worker in workers:
            worker.communicate(timeout=120)
        assert emu.quota.rejected > 0


def test_keys_carry_no_credentials(redis_url: str) -> None:
    import redis

    with GigaChatEmulator(max_concurrent=3) as emu:
        llm = ChatGigaChat(**emu.client_kwargs(), scope=B2B, shared_limiter_url=redis_url)
        llm.invoke("Hi")
        client = redis.Redis.from_url(redis_url)
        names = [key.decode() for key in client.keys("*")]
        client.close()
    assert names
    dump = json.dumps(names)
    for secret in (emu.credentials, emu.base_url, str(emu.port)):
        assert secret not in dump
    assert all(name.startswith("gigachat:quota:") for name in names)


def test_the_url_is_a_secret(redis_url: str) -> None:
    secret_url = redis_url.replace("redis://", "redis://:pass-word@")
    llm = ChatGigaChat(shared_limiter_url=secret_url, credentials="key")
    assert "pass-word" not in repr(llm)
    assert llm.lc_secrets["shared_limiter_url"] == "GIGACHAT_SHARED_LIMITER_URL"


def test_a_redis_outage_falls_back_to_the_process_limiter_with_a_warning() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with GigaChatEmulator(max_concurrent=3) as emu:
        llm = ChatGigaChat(
            **emu.client_kwargs(), scope=B2B, shared_limiter_url=f"redis://127.0.0.1:{port}/0"
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results = llm.batch([f"p {i}" for i in range(10)], config={"max_concurrency": 4})
        assert len(results) == 10
        assert any("cannot be reached" in str(w.message) for w in caught)


def test_the_learnt_limit_is_kept_in_redis(redis_url: str) -> None:
    import redis

    with GigaChatEmulator(max_concurrent=2) as emu:
        emu.faults.latency = 0.05
        llm = ChatGigaChat(**emu.client_kwargs(), scope=B2B, shared_limiter_url=redis_url)
        llm.batch([f"p {i}" for i in range(12)], config={"max_concurrency": 6})
        limiter = llm.transport.limiter
        assert limiter is not None
        account = limiter.store._keys[1]
        client = redis.Redis.from_url(redis_url)
        state: dict[bytes, Any] = client.hgetall(account)  # type: ignore[assignment]
        client.close()
    assert int(state[b"limit"]) <= 2
    assert state[b"slow"] == b"0"
    assert keys_of("x")[1].endswith(":state")
