"""Pure pieces of the emulator: rendering, validation, sessions, faults, script, auth, files."""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_gigachat_ext.emulator.api.v1.render import (
    Completion,
    completion_body,
    split_text,
    stream_chunks,
)
from langchain_gigachat_ext.emulator.api.v1.validation import (
    parse_json,
    validate_chat,
    validate_embeddings,
)
from langchain_gigachat_ext.emulator.brain.core import Reply, Turn
from langchain_gigachat_ext.emulator.faults import Faults
from langchain_gigachat_ext.emulator.runner import GigaChatEmulator, uvicorn_server
from langchain_gigachat_ext.emulator.script import Script, ScriptedError, ScriptedReply
from langchain_gigachat_ext.emulator.server.auth import TokenStore, basic_key
from langchain_gigachat_ext.emulator.server.errors import ApiError, OAuthError
from langchain_gigachat_ext.emulator.server.files import FileStore, resolve_mime
from langchain_gigachat_ext.emulator.server.protocol import chat_model_version, dumps, sse_event
from langchain_gigachat_ext.emulator.server.requestlog import redact
from langchain_gigachat_ext.emulator.server.sessions import SessionCache


def words(text: str) -> int:
    return len(text.split())


def no_files(_file_id: str) -> None:
    return None


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"a": 1, "b": [1, 2]}, b'{"a":1,"b":[1,2]}'),
        ({"t": "Привет"}, '{"t":"Привет"}'.encode()),
    ],
)
def test_dumps_is_compact_utf8(payload: Any, expected: bytes) -> None:
    assert dumps(payload) == expected


def test_sse_event_framing() -> None:
    assert sse_event({"a": 1}) == b'data: {"a":1}\n\n'


@pytest.mark.parametrize(
    ("model", "version"),
    [
        ("GigaChat", "GigaChat:2.0.28.2"),
        ("GigaChat-3-Ultra", "GigaChat-3-Ultra:32.3.18.5"),
        ("Other", "Other:2.0.28.2"),
    ],
)
def test_chat_model_version(model: str, version: str) -> None:
    assert chat_model_version(model) == version


@pytest.mark.parametrize(
    "text", ["", "one", "one two three four five six", "  lead and trail  ", "a\nb\n\nc"]
)
def test_split_text_round_trips(text: str) -> None:
    assert "".join(split_text(text)) == text


def _completion(reply: Reply) -> Completion:
    return Completion(
        reply=reply,
        model_version="GigaChat:2.0.28.2",
        created=1,
        precached_tokens=1,
        functions_state_id="sid",
    )


def test_completion_body_shape() -> None:
    body = completion_body(_completion(Reply(content="Hi", prompt_tokens=3, completion_tokens=1)))
    assert body == {
        "choices": [
            {"message": {"content": "Hi", "role": "assistant"}, "index": 0, "finish_reason": "stop"}
        ],
        "created": 1,
        "model": "GigaChat:2.0.28.2",
        "object": "chat.completion",
        "usage": {
            "prompt_tokens": 3,
            "completion_tokens": 1,
            "total_tokens": 4,
            "precached_prompt_tokens": 1,
        },
    }


def test_stream_chunks_text() -> None:
    chunks = stream_chunks(
        _completion(Reply(content="a b", chunks=("a ", "b"), finish_reason="length"))
    )
    assert [c["choices"][0]["delta"] for c in chunks] == [
        {"content": "a ", "role": "assistant"},
        {"content": "b"},
        {"content": ""},
    ]
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"
    assert "usage" in chunks[-1]
    assert all("usage" not in c for c in chunks[:-1])


def test_stream_chunks_reasoning_then_function_call() -> None:
    call = {"name": "f", "arguments": {"x": 1}}
    chunks = stream_chunks(
        _completion(Reply(function_call=call, reasoning_content="r", finish_reason="function_call"))
    )
    assert chunks[0]["choices"][0]["delta"] == {
        "content": "",
        "role": "assistant",
        "reasoning_content": "r",
    }
    last = chunks[-1]["choices"][0]
    assert last["delta"] == {"content": "", "function_call": call, "functions_state_id": "sid"}
    assert last["finish_reason"] == "function_call"
    assert len(chunks) == 2


def test_stream_chunks_empty_reply_still_has_role() -> None:
    (only,) = stream_chunks(_completion(Reply()))
    assert only["choices"][0]["delta"] == {"content": "", "role": "assistant"}


def test_parse_json_rejects_garbage() -> None:
    with pytest.raises(ApiError) as info:
        parse_json(b"{")
    assert (info.value.status, info.value.message) == (
        400,
        "Your request contains invalid JSON syntax.",
    )


def test_validate_chat_builds_conversation() -> None:
    body = {
        "model": "GigaChat",
        "messages": [
            {"role": "system", "content": "s"},
            {"role": "user", "content": "u"},
            {
                "role": "assistant",
                "content": "",
                "function_call": {"name": "f", "arguments": {"a": 1}},
            },
            {"role": "function", "name": "f", "content": '{"ok": true}'},
        ],
        "functions": [{"name": "f", "parameters": {}}],
        "max_tokens": 5,
        "stream": True,
    }
    request = validate_chat(body, no_files)
    assert request.stream is True
    conversation = request.conversation
    assert [t.role for t in conversation.turns] == ["system", "user", "assistant", "function"]
    assert conversation.turns[2].function_call == {"name": "f", "arguments": {"a": 1}}
    assert conversation.max_tokens == 5


@pytest.mark.parametrize(
    ("messages", "status"),
    [
        ([], 422),
        ([{"role": "robot", "content": "x"}], 422),
        ([{"role": "user", "content": 5}], 422),
        ([{"role": "function", "name": "f", "content": "{}"}], 422),
    ],
    ids=["empty", "bad role", "non-string content", "result without call"],
)
def test_validate_chat_rejects(messages: list[Any], status: int) -> None:
    with pytest.raises(ApiError) as info:
        validate_chat({"model": "GigaChat", "messages": messages}, no_files)
    assert info.value.status == status
    assert info.value.message.startswith("Invalid params: ")


def test_validate_chat_refuses_regex_format_on_v1() -> None:
    body = {
        "model": "GigaChat",
        "messages": [{"role": "user", "content": "code?"}],
        "response_format": {"type": "regex", "regex": "[A-Z]{3}"},
    }
    with pytest.raises(ApiError) as info:
        validate_chat(body, no_files)
    assert (info.value.status, info.value.message) == (
        422,
        "Invalid params: response_format type 'regex' is only supported by the v2 API",
    )


def test_validate_embeddings_accepts_a_single_string() -> None:
    assert validate_embeddings({"model": "Embeddings", "input": "hi"}, words).texts == ("hi",)


def test_sessions_count_longest_seen_prefix() -> None:
    cache = SessionCache()
    first = (Turn(role="user", content="a b c"),)
    assert cache.precached_tokens("s", first, words) == 0
    second = (*first, Turn(role="assistant", content="d"), Turn(role="user", content="e f"))
    assert cache.precached_tokens("s", second, words) == 3
    assert cache.precached_tokens("s", second, words) == 6
    assert cache.precached_tokens(None, second, words) == 0


def test_faults_fail_first_then_clean() -> None:
    faults = Faults()
    faults.fail_first(2, status=500)
    assert [faults.draw_failure() for _ in range(3)] == [(500, {}), (500, {}), None]


def test_faults_random_failures_are_reproducible() -> None:
    def draws() -> list[Any]:
        faults = Faults(failure_rate=0.5, seed=7)
        return [faults.draw_failure() for _ in range(30)]

    first = draws()
    assert first == draws()
    assert None in first
    assert any(first)


def test_script_is_fifo() -> None:
    script = Script().reply_text("a").reply_error(429, "Too many requests", {"Retry-After": "2"})
    assert script.pop() == ScriptedReply(content="a")
    assert script.pop() == ScriptedError(429, "Too many requests", {"Retry-After": "2"})
    assert script.pop() is None


def test_redact_nested_secrets() -> None:
    data = {
        "Authorization": "Bearer x",
        "messages": [{"password": "p", "content": "ok"}],
        "tok": "t",
    }
    assert redact(data) == {
        "Authorization": "REDACTED",
        "messages": [{"password": "REDACTED", "content": "ok"}],
        "tok": "REDACTED",
    }


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_tokens_expire() -> None:
    clock = Clock()
    store = TokenStore(credentials="key", user="u", password="p", ttl=10, clock=clock)
    issued = store.oauth("Basic key", "8da54264-2463-42be-9aa7-c844d5e45180", "GIGACHAT_API_PERS")
    assert issued["expires_at"] == 1_010_000
    store.check(f"Bearer {issued['access_token']}")
    clock.now += 11
    with pytest.raises(ApiError) as info:
        store.check(f"Bearer {issued['access_token']}")
    assert info.value.message == "Token has expired"


def test_password_token_in_seconds() -> None:
    store = TokenStore(credentials="key", user="u", password="p", ttl=10, clock=Clock())
    assert store.password_token(f"Basic {basic_key('u', 'p')}")["exp"] == 1010
    with pytest.raises(ApiError):
        store.password_token(f"Basic {basic_key('u', 'wrong')}")


@pytest.mark.parametrize(
    ("authorization", "rquid", "scope", "code"),
    [
        ("Basic key", None, "GIGACHAT_API_PERS", 4),
        ("Bearer key", "8da54264-2463-42be-9aa7-c844d5e45180", "GIGACHAT_API_PERS", 1),
        ("Basic nope", "8da54264-2463-42be-9aa7-c844d5e45180", "GIGACHAT_API_PERS", 6),
        ("Basic key", "8da54264-2463-42be-9aa7-c844d5e45180", "", 5),
        ("Basic key", "8da54264-2463-42be-9aa7-c844d5e45180", "OTHER", 7),
    ],
)
def test_oauth_errors(authorization: str, rquid: str | None, scope: str, code: int) -> None:
    store = TokenStore(credentials="key", user="u", password="p")
    with pytest.raises(OAuthError) as info:
        store.oauth(authorization, rquid, scope)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("filename", "declared", "expected"),
    [
        ("a.png", "image/png", "image/png"),
        ("a.jpg", "application/octet-stream", "image/jpeg"),
        ("v.opus", None, "audio/opus"),
    ],
)
def test_resolve_mime(filename: str, declared: str | None, expected: str) -> None:
    assert resolve_mime(filename, declared) == expected


def test_file_store_round_trip() -> None:
    store = FileStore()
    stored = store.add("a.txt", "text/plain", b"hello", "general")
    assert json.loads(dumps(stored.card()))["bytes"] == 5
    assert store.lookup(stored.id) == ("document", 5)
    store.delete(stored.id)
    with pytest.raises(ApiError):
        store.get(stored.id)


def test_idle_connections_are_kept_as_long_as_the_api_keeps_them() -> None:
    # PROTOCOL §3.3: the GigaChat stands answer "Keep-Alive: timeout=15".
    server = uvicorn_server(GigaChatEmulator().state)
    assert server.config.timeout_keep_alive == 15
