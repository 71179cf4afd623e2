"""The backend proxy with several worker processes on one account, and clients that hang up."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cookbook.backend_proxy.app import ProxySettings, create_app
from cookbook.backend_proxy.main import ProxyServer, sqlite_checkpointer
from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.emulator.runner import GigaChatEmulator
from tests.integration_tests.client.redis_server import redis_server

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[3]
CLIENTS = 12


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path) as url:
        yield url


def _worker_pids(parent: int) -> set[str]:
    """The pids of uvicorn's worker processes under ``parent`` (Linux ``/proc``)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return {
        pid
        for pid in children
        if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    }


def _redis_keys(url: str) -> list[bytes]:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return list(client.keys("gigachat:quota:*"))
    finally:
        client.close()


def _chat(url: str, key: str) -> tuple[str | None, list[str]]:
    body = {"messages": [{"role": "user", "content": "Привет! Расскажи про вклад."}]}
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.stream(
        "POST", f"{url}/v1/chat/completions", json=body, headers=headers, timeout=60
    ) as response:
        lines = [line for line in response.iter_lines() if line]
        return response.headers.get("x-proxy-worker"), lines


def test_two_workers_share_the_accounts_quota_through_redis(redis_url: str, tmp_path: Path) -> None:
    with GigaChatEmulator(max_concurrent=1) as emu:
        emu.faults.latency = 0.05
        port = _free_port()
        keys = {f"key-{i}": f"client-{i}" for i in range(CLIENTS)}
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIGACHAT_", "PROXY_"))}
        env.update(
            GIGACHAT_BASE_URL=emu.base_url,
            GIGACHAT_AUTH_URL=emu.auth_url,
            GIGACHAT_CREDENTIALS=emu.credentials,
            GIGACHAT_SCOPE="GIGACHAT_API_PERS",  # one request in flight for the whole account
            GIGACHAT_SHARED_LIMITER_URL=redis_url,
            PROXY_API_KEYS=",".join(f"{key}:{client}" for key, client in keys.items()),
            PYTHONPATH=str(ROOT),
        )
        command = [sys.executable, "cookbook/backend_proxy/main.py", "--port", str(port)]
        command += ["--workers", "2", "--sqlite", str(tmp_path / "state.sqlite")]
        proxy = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)  # noqa: S603
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the proxy did not start"
                time.sleep(0.2)
            results: list[tuple[str | None, list[str]]] = []
            threads = [
                threading.Thread(target=lambda key=key: results.append(_chat(url, key)))
                for key in keys
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(90)
            workers = _worker_pids(proxy.pid)
            shared = _redis_keys(redis_url)
        finally:
            proxy.terminate()
            proxy.wait(30)
        assert len(results) == CLIENTS
        for _, lines in results:
            assert lines[-1] == "data: [DONE]"
            frames = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
            assert not [frame for frame in frames if "error" in frame]
        assert len(workers) >= 2  # uvicorn's worker processes, each with its own model
        assert {worker for worker, _ in results} <= workers
        assert emu.quota.peak == 1
        assert emu.quota.rejected == 0  # the workers never collided on the account
        assert shared  # and they counted their slots in Redis


def _hang_up_after_three_frames(tmp_path: Path) -> tuple[float, int, Any]:
    """Stream through the proxy, hang up after three frames; returns when the emulator saw the
    upstream stream end (seconds after the hang-up), its chunks sent, and the next answer."""
    with GigaChatEmulator() as emu:
        emu.faults.chunk_delay = 0.3
        settings = ProxySettings(api_keys={"key": "client"})

        def model() -> Any:
            return ChatGigaChat(**emu.client_kwargs(), streaming=True, max_concurrent=1)

        app = create_app(settings, model, sqlite_checkpointer(tmp_path / "state.sqlite"))
        server = ProxyServer(app).start()
        try:
            body = {"messages": [{"role": "user", "content": "Tell me a long story about a cat"}]}
            with httpx.stream(
                "POST",
                f"{server.url}/v1/chat/completions",
                json=body,
                headers={"Authorization": "Bearer key"},
                timeout=30,
            ) as response:
                frames = 0
                for line in response.iter_lines():
                    frames += bool(line)
                    if frames >= 3:
                        break  # the app closes: the proxy's SSE client is gone
            hung_up = time.monotonic()
            streams: list[dict[str, Any]] = []
            while time.monotonic() - hung_up < 10 and not streams:
                streams = [e for e in emu.request_log if e["stream"]]
                time.sleep(0.02)
            closed_after = time.monotonic() - hung_up
            # The account's only slot is free again: the next client is answered.
            again = ChatGigaChat(**emu.client_kwargs(), max_concurrent=1).invoke("Hi")
        finally:
            server.stop()
    assert streams, "the upstream stream was not closed within 10 s"
    return closed_after, streams[0]["chunks_sent"], again


def test_a_client_that_hangs_up_ends_the_stream_to_gigachat(tmp_path: Path) -> None:
    closed_after, _, again = _hang_up_after_three_frames(tmp_path)
    assert closed_after < 5
    assert again.response_metadata["quota"]["waited_s"] < 1


def test_a_client_that_hangs_up_closes_the_stream_to_gigachat_at_once(tmp_path: Path) -> None:
    closed_after, chunks_sent, _ = _hang_up_after_three_frames(tmp_path)
    assert closed_after < 0.5
    assert chunks_sent <= 4
