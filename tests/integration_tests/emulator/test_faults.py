"""Every fault knob, the script, prompt-cache accounting and request-log redaction."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from langchain_gigachat_ext.emulator import GigaChatEmulator
from tests.integration_tests.emulator.emu_helpers import FakeBrain

BODY = {"model": "GigaChat", "messages": [{"role": "user", "content": "one two three"}]}
STREAM = {**BODY, "stream": True}


def data_lines(text: str) -> list[str]:
    return [line for line in text.split("\n\n") if line]


def test_fail_first_with_retry_after(http: httpx.Client, emu: GigaChatEmulator) -> None:
    emu.faults.fail_first(2, status=429, retry_after=1)
    first, second, third = (http.get("/models") for _ in range(3))
    assert first.status_code == second.status_code == 429
    assert first.json() == {"status": 429, "message": "Too many requests"}
    assert first.headers["retry-after"] == "1"
    assert third.status_code == 200


def test_failure_rate_is_seeded(emu: GigaChatEmulator, http: httpx.Client) -> None:
    def run() -> list[int]:
        emu.reset()
        emu.faults.failure_rate = 0.5
        emu.faults.failure_statuses = (500, 502)
        return [http.get("/models").status_code for _ in range(20)]

    first = run()
    assert first == run()
    assert {500, 502, 200} >= set(first)
    assert 200 in first
    assert len(set(first)) > 1


def test_latency_and_stall_do_not_change_answers(emu: GigaChatEmulator, http: httpx.Client) -> None:
    emu.faults.latency = 0.01
    emu.faults.stall_seconds = 0.01
    emu.faults.chunk_delay = 0.01
    assert http.post("/chat/completions", json=BODY).status_code == 200
    streamed = http.post("/chat/completions", json=STREAM)
    assert data_lines(streamed.text)[-1] == "data: [DONE]"


def test_cut_stream_after(emu: GigaChatEmulator, http: httpx.Client) -> None:
    emu.faults.cut_stream_after = 2
    received: list[bytes] = []
    with pytest.raises(httpx.RemoteProtocolError):
        with http.stream("POST", "/chat/completions", json=STREAM) as response:
            received.extend(response.iter_bytes())
    text = b"".join(received).decode()
    assert len(data_lines(text)) == 2
    assert "[DONE]" not in text
    assert emu.request_log[-1]["chunks_sent"] == 2


def test_malformed_chunk(emu: GigaChatEmulator, http: httpx.Client) -> None:
    emu.faults.malformed_chunk_at = 1
    lines = data_lines(http.post("/chat/completions", json=STREAM).text)
    json.loads(lines[0].removeprefix("data: "))
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[1].removeprefix("data: "))
    assert lines[-1] == "data: [DONE]"


def test_unauthorized_after_until_new_token(emu: GigaChatEmulator, http: httpx.Client) -> None:
    emu.faults.unauthorized_after = 2
    statuses = [http.get("/models").status_code for _ in range(4)]
    assert statuses == [200, 200, 401, 401]
    from tests.integration_tests.emulator.emu_helpers import oauth_token

    http.headers["Authorization"] = f"Bearer {oauth_token(emu)}"
    assert http.get("/models").status_code == 200


def test_script_queue(emu: GigaChatEmulator, http: httpx.Client) -> None:
    emu.script.reply_text("scripted answer", reasoning="because")
    emu.script.reply_function_call("lookup", {"a": 1})
    emu.script.reply_error(503, "Service Unavailable", headers={"Retry-After": "1"})
    text = http.post("/chat/completions", json=BODY).json()["choices"][0]
    assert text["message"]["content"] == "scripted answer"
    assert text["message"]["reasoning_content"] == "because"
    call = http.post("/chat/completions", json=BODY).json()["choices"][0]
    assert call["finish_reason"] == "function_call"
    assert call["message"]["function_call"] == {"name": "lookup", "arguments": {"a": 1}}
    error = http.post("/chat/completions", json=BODY)
    assert error.status_code == 503
    assert error.headers["retry-after"] == "1"
    assert error.json() == {"status": 503, "message": "Service Unavailable"}
    assert (
        http.post("/chat/completions", json=BODY)
        .json()["choices"][0]["message"]["content"]
        .startswith("echo")
    )


def test_scripted_function_call_streams_whole(emu: GigaChatEmulator, http: httpx.Client) -> None:
    emu.script.reply_function_call("lookup", {"a": 1})
    lines = data_lines(http.post("/chat/completions", json=STREAM).text)
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert len(chunks) == 1
    choice = chunks[0]["choices"][0]
    assert choice["delta"]["function_call"] == {"name": "lookup", "arguments": {"a": 1}}
    assert choice["delta"]["functions_state_id"]
    assert choice["finish_reason"] == "function_call"
    assert "usage" in chunks[0]


def test_scripted_cut_after(emu: GigaChatEmulator, http: httpx.Client) -> None:
    emu.script.reply_text("a b c d e f g h i j k l", cut_after=1)
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/chat/completions", json=STREAM)


def test_precached_tokens_grow_with_session(http: httpx.Client) -> None:
    session = {"X-Session-ID": "conversation-1"}
    first = http.post("/chat/completions", json=BODY, headers=session)
    assert first.json()["usage"]["precached_prompt_tokens"] == 0
    assert first.headers["x-session-id"] == "conversation-1"
    longer = {
        **BODY,
        "messages": [
            *BODY["messages"],
            {"role": "assistant", "content": "x"},
            {"role": "user", "content": "more"},
        ],
    }
    second = http.post("/chat/completions", json=longer, headers=session)
    assert second.json()["usage"]["precached_prompt_tokens"] == 3  # "one two three"
    other = http.post("/chat/completions", json=longer, headers={"X-Session-ID": "other"})
    assert other.json()["usage"]["precached_prompt_tokens"] == 0


def test_request_id_echo(http: httpx.Client) -> None:
    response = http.get("/models", headers={"X-Request-ID": "req-1"})
    assert response.headers["x-request-id"] == "req-1"


def test_request_log_redacts_secrets(tmp_path: Path) -> None:
    log_path = tmp_path / "requests.jsonl"
    with GigaChatEmulator(brain=FakeBrain(), request_log_path=log_path) as emu:
        from tests.integration_tests.emulator.emu_helpers import oauth_token

        token = oauth_token(emu)
        headers = {"Authorization": f"Bearer {token}"}
        body = {
            **BODY,
            "credentials": emu.credentials,
            "password": "p",
            "meta": {"access_token": token},
        }
        httpx.post(f"{emu.base_url}/chat/completions", json=body, headers=headers)
        basic = httpx.BasicAuth(emu.user, emu.password)
        tok = httpx.post(f"{emu.base_url}/token", auth=basic).json()["tok"]
        entries = list(emu.request_log)
    text = log_path.read_text(encoding="utf-8")
    for secret in (emu.credentials, token, tok, emu.password):
        assert secret not in text
        assert secret not in json.dumps(entries)
    assert [json.loads(line) for line in text.splitlines()] == entries
    chat_entry = next(e for e in entries if e["path"].endswith("/chat/completions"))
    assert chat_entry["body"]["credentials"] == "REDACTED"
    assert chat_entry["body"]["meta"]["access_token"] == "REDACTED"
    assert set(chat_entry) == {
        "ts",
        "method",
        "path",
        "status",
        "request_id",
        "session_id",
        "oauth",
        "body",
        "stream",
        "chunks_sent",
    }
    assert entries[0]["oauth"] is True


def test_start_stop_is_clean() -> None:
    emu = GigaChatEmulator(brain=FakeBrain()).start()
    thread = emu._thread
    assert httpx.get(f"{emu.base_url}/models").status_code == 401
    emu.stop()
    assert thread is not None
    assert not thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{emu.base_url}/models")
