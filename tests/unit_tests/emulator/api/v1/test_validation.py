"""v1 request rules: chat and embeddings bodies into brain inputs, or the API's errors."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gigachat_ext.emulator.api.v1.validation import (
    validate_chat,
    validate_embeddings,
)
from langchain_gigachat_ext.emulator.server.errors import ApiError


def words(text: str) -> int:
    return len(text.split())


def no_files(_file_id: str) -> None:
    return None


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
