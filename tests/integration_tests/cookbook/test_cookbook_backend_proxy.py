"""The backend proxy on 127.0.0.1: SSE frames, auth, limits and server-side conversation state."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cookbook._shared.runtime import chat_model, gigachat_backend
from cookbook.backend_proxy import main as proxy_main
from cookbook.backend_proxy.app import ProxySettings, create_app
from cookbook.backend_proxy.client import ProxyError, stream_chat
from cookbook.backend_proxy.main import ProxyServer, postgres_checkpointer, sqlite_checkpointer

pytestmark = pytest.mark.timeout(60)

KEYS = {"key-alice": "alice", "key-bob": "bob", "key-carol": "carol", "key-dave": "dave"}
MAX_BODY = 2048
BURST = 3


@pytest.fixture(scope="module")
def proxy_url(tmp_path_factory) -> Iterator[str]:
    settings = ProxySettings(
        api_keys=KEYS, max_body_bytes=MAX_BODY, rate_capacity=BURST, rate_per_second=0.001
    )
    db = tmp_path_factory.mktemp("proxy") / "state.sqlite"
    with gigachat_backend(announce=False):
        app = create_app(settings, lambda: chat_model(streaming=True), sqlite_checkpointer(db))
        server = ProxyServer(app).start()
        try:
            yield server.url
        finally:
            server.stop()


def test_streams_openai_compatible_sse_frames(proxy_url):
    body = {"messages": [{"role": "user", "content": "Привет! Расскажи про вклад «Бриз»."}]}
    headers = {"Authorization": "Bearer key-alice"}
    with httpx.stream(
        "POST", f"{proxy_url}/v1/chat/completions", json=body, headers=headers, timeout=20
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"
    frames = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert len(frames) >= 3
    assert {frame["object"] for frame in frames} == {"chat.completion.chunk"}
    assert len({frame["id"] for frame in frames}) == 1
    assert frames[0]["choices"][0]["delta"]["role"] == "assistant"
    assert frames[-1]["choices"][0]["finish_reason"] == "stop"
    text = "".join(frame["choices"][0]["delta"].get("content", "") for frame in frames)
    assert text.strip()


@pytest.mark.parametrize("auth", [None, "Bearer wrong-key", "Basic key-alice"])
def test_rejects_unauthenticated_clients(proxy_url, auth):
    headers = {"Authorization": auth} if auth else {}
    response = httpx.post(
        f"{proxy_url}/v1/chat/completions", json={"messages": []}, headers=headers
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == 401


def test_client_raises_on_401(proxy_url):
    with pytest.raises(ProxyError) as caught:
        stream_chat(proxy_url, "nope", "Привет")
    assert caught.value.status == 401


def test_rejects_oversized_requests(proxy_url):
    with pytest.raises(ProxyError) as caught:
        stream_chat(proxy_url, "key-carol", "я" * MAX_BODY)
    assert caught.value.status == 413


def test_rate_limits_each_client_separately(proxy_url):
    for _ in range(BURST):
        assert stream_chat(proxy_url, "key-bob", "Привет").done
    with pytest.raises(ProxyError) as caught:
        stream_chat(proxy_url, "key-bob", "Привет")
    assert caught.value.status == 429
    response = httpx.post(
        f"{proxy_url}/v1/chat/completions",
        json={"messages": [{"role": "user", "content": "x"}]},
        headers={"Authorization": "Bearer key-bob"},
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert stream_chat(proxy_url, "key-dave", "Привет").done  # another client is unaffected


def test_conversation_state_carries_across_requests(proxy_url):
    first = stream_chat(proxy_url, "key-alice", "Меня зовут Анна.", "conv-1")
    second = stream_chat(proxy_url, "key-alice", "Как меня зовут?", "conv-1")
    assert first.conversation_id == second.conversation_id == "conv-1"
    headers = {"Authorization": "Bearer key-alice"}
    history = httpx.get(f"{proxy_url}/v1/conversations/conv-1", headers=headers).json()["messages"]
    assert [m["role"] for m in history] == ["human", "ai", "human", "ai"]
    assert history[0]["content"] == "Меня зовут Анна."
    assert history[3]["content"] == second.text
    other_client = httpx.get(
        f"{proxy_url}/v1/conversations/conv-1", headers={"Authorization": "Bearer key-dave"}
    )
    assert other_client.json()["messages"] == []  # state is per client


def test_demo_mode_runs_end_to_end(capsys):
    assert proxy_main.main(["--demo"]) == 0
    assert "[DONE]=True" in capsys.readouterr().out


# --- PostgreSQL: two replicas sharing conversation state -------------------------------------


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_dsn() -> Iterator[str]:
    pytest.importorskip(
        "langgraph.checkpoint.postgres", reason="langgraph-checkpoint-postgres is not installed"
    )
    pytest.importorskip("psycopg", reason="psycopg is not installed")
    bin_dir = _pg_bin()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        pytest.skip("PostgreSQL server binaries (pg_ctl, initdb) not found")
    run_as: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="cookbook-pg-"))
    if os.geteuid() == 0:  # initdb refuses to run as root: use an unprivileged account
        user = "postgres" if shutil.which("runuser") else None
        if user is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        shutil.chown(workdir, user)
        run_as = ["runuser", "-u", user, "--"]
    data, port = workdir / "data", _free_port()
    subprocess.run(  # noqa: S603 - fixed local PostgreSQL binaries
        [*run_as, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "cookbook"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    options = f"-h 127.0.0.1 -p {port} -k {workdir}"
    subprocess.run(  # noqa: S603 - fixed local PostgreSQL binaries
        [
            *run_as,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            "-l",
            str(workdir / "log"),
            "start",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    try:
        yield f"postgresql://cookbook@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(  # noqa: S603 - fixed local PostgreSQL binaries
            [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(workdir, ignore_errors=True)


def test_postgres_state_is_shared_between_replicas(postgres_dsn):
    settings = ProxySettings(api_keys=KEYS, rate_capacity=100)
    with gigachat_backend(announce=False):
        replicas = [
            ProxyServer(
                create_app(
                    settings,
                    lambda: chat_model(streaming=True),
                    postgres_checkpointer(postgres_dsn),
                )
            ).start()
            for _ in range(2)
        ]
        try:
            stream_chat(replicas[0].url, "key-alice", "Меня зовут Анна.", "pg-conv")
            stream_chat(replicas[1].url, "key-alice", "Как меня зовут?", "pg-conv")
            deadline = time.monotonic() + 5
            history: list[dict[str, str]] = []
            while time.monotonic() < deadline and len(history) < 4:
                history = httpx.get(
                    f"{replicas[0].url}/v1/conversations/pg-conv",
                    headers={"Authorization": "Bearer key-alice"},
                ).json()["messages"]
        finally:
            for replica in replicas:
                replica.stop()
    assert [m["content"] for m in history[::2]] == ["Меня зовут Анна.", "Как меня зовут?"]
