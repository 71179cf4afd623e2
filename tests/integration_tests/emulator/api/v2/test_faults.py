"""Fault knobs, the script and the request log on the v2 route, seen through the SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from gigachat import GigaChat
from gigachat.context import request_id_cvar
from gigachat.exceptions import RateLimitError, ServerError

from langchain_gigachat_ext.emulator import GigaChatEmulator

PAYLOAD = {"messages": [{"role": "user", "content": [{"text": "one two three four five"}]}]}


@pytest.fixture
def sdk(emu: GigaChatEmulator) -> Iterator[GigaChat]:
    """An SDK client on the shared emulator (fake brain: echoes the last message)."""
    with GigaChat(**emu.client_kwargs(), model="GigaChat-2") as client:
        yield client


def text_of(parts: Any) -> str:
    return "".join(part.text or "" for part in parts or ())


def test_rate_limit_and_server_errors(emu: GigaChatEmulator, sdk: GigaChat) -> None:
    emu.faults.fail_first(1, status=429, retry_after=2)
    with pytest.raises(RateLimitError) as limited:
        sdk.chat.create(PAYLOAD)
    assert limited.value.retry_after == 2.0
    assert json.loads(limited.value.content) == {"status": 429, "message": "Too many requests"}
    emu.faults.fail_first(1, status=503)
    with pytest.raises(ServerError):
        list(sdk.chat.stream(PAYLOAD))
    assert text_of(sdk.chat.create(PAYLOAD).messages[0].content).startswith("echo")


def test_stream_cut_and_malformed_event(emu: GigaChatEmulator, sdk: GigaChat) -> None:
    emu.faults.cut_stream_after = 2
    received = []
    with pytest.raises(httpx.RemoteProtocolError):
        received.extend(chunk.event for chunk in sdk.chat.stream(PAYLOAD))
    assert received == ["response.message.delta"] * 2
    emu.faults.reset()
    emu.faults.malformed_chunk_at = 1
    with pytest.raises(json.JSONDecodeError):
        list(sdk.chat.stream(PAYLOAD))


def test_latency_and_chunk_delay_keep_the_answer(emu: GigaChatEmulator, sdk: GigaChat) -> None:
    expected = text_of(sdk.chat.create(PAYLOAD).messages[0].content)
    emu.faults.latency = 0.01
    emu.faults.chunk_delay = 0.01
    emu.faults.stall_seconds = 0.01
    chunks = list(sdk.chat.stream(PAYLOAD))
    assert "".join(text_of(m.content) for c in chunks for m in c.messages or ()) == expected


def test_script_drives_v2_answers(emu: GigaChatEmulator, sdk: GigaChat) -> None:
    emu.script.reply_text("Готово!", reasoning="думаю")
    emu.script.reply_function_call("lookup", {"q": "x"})
    emu.script.reply_function_calls([("a", {"n": 1}), ("b", {"n": 2})])
    emu.script.reply_error(503, "Service Unavailable")
    text = sdk.chat.create(PAYLOAD)
    assert [m.role for m in text.messages] == ["reasoning", "assistant"]
    assert text_of(text.messages[1].content) == "Готово!"
    one = sdk.chat.create(PAYLOAD)
    assert one.finish_reason == "function_call"
    assert one.messages[0].tools_state_id
    call = (one.messages[0].content or [])[0].function_call
    assert call is not None
    assert (call.name, call.arguments) == ("lookup", {"q": "x"})
    two = sdk.chat.create(PAYLOAD)
    calls = [p.function_call for p in two.messages[0].content or () if p.function_call]
    assert [(c.name, c.arguments) for c in calls] == [("a", {"n": 1}), ("b", {"n": 2})]
    with pytest.raises(ServerError):
        sdk.chat.create(PAYLOAD)


def test_script_cut_after_on_v2_stream(emu: GigaChatEmulator, sdk: GigaChat) -> None:
    emu.script.reply_text("a b c d e f g h i j k l", cut_after=1)
    with pytest.raises(httpx.RemoteProtocolError):
        list(sdk.chat.stream(PAYLOAD))


def test_v1_route_refuses_a_scripted_multi_call(emu: GigaChatEmulator, http: httpx.Client) -> None:
    emu.script.reply_function_calls([("a", {}), ("b", {})])
    response = http.post(
        "/chat/completions",
        json={"model": "GigaChat", "messages": [{"role": "user", "content": "x"}]},
    )
    assert response.status_code == 500
    assert "several function calls" in response.json()["message"]


def test_request_log_and_id_echo(emu: GigaChatEmulator, sdk: GigaChat) -> None:
    token = request_id_cvar.set("req-v2-1")
    try:
        chunks = list(sdk.chat.stream(PAYLOAD))
    finally:
        request_id_cvar.reset(token)
    assert chunks[-1].x_headers["x-request-id"] == "req-v2-1"
    entry = emu.request_log[-1]
    assert entry["path"] == "/api/v2/chat/completions"
    assert entry["request_id"] == "req-v2-1"
    assert entry["stream"] is True
    assert entry["chunks_sent"] == len(chunks)
    assert entry["body"]["messages"] == PAYLOAD["messages"]
