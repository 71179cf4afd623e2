"""v2 request validation as a pure function: wire body → brain ``Conversation``."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gigachat_ext.emulator.api.v2.validation import validate_chat_v2
from langchain_gigachat_ext.emulator.brain.core import Turn
from langchain_gigachat_ext.emulator.server.errors import ApiError

SPEC = {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}
OTHER = {"name": "get_rate", "parameters": {"type": "object", "properties": {}}}


def no_files(_file_id: str) -> None:
    return None


def image_files(_file_id: str) -> tuple[str, int]:
    return "image", 10


def body(**fields: Any) -> dict[str, Any]:
    return {
        "model": "GigaChat-2",
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
        **fields,
    }


@pytest.mark.parametrize(
    ("messages", "turns"),
    [
        (
            [{"role": "user", "content": [{"text": "a"}, {"text": "b"}]}],
            [Turn(role="user", content="a\nb")],
        ),
        (
            [
                {"role": "system", "content": [{"text": "s"}]},
                {"role": "user", "content": [{"text": "q"}, {"files": [{"id": "img"}]}]},
            ],
            [
                Turn(role="system", content="s"),
                Turn(role="user", content="q", attachments=("img",)),
            ],
        ),
        (
            [
                {"role": "user", "content": [{"text": "q"}]},
                {"role": "reasoning", "content": [{"text": "hmm"}]},
                {
                    "role": "assistant",
                    "tools_state_id": "s1",
                    "content": [
                        {"function_call": {"id": "1", "name": "f", "arguments": {"x": 1}}},
                        {"function_call": {"id": "2", "name": "g", "arguments": {}}},
                    ],
                },
                {
                    "role": "tool",
                    "content": [
                        {"function_result": {"id": "2", "name": "g", "result": [1, 2]}},
                        {"function_result": {"id": "1", "name": "f", "result": {"ok": "да"}}},
                    ],
                },
            ],
            [
                Turn(role="user", content="q"),
                Turn(
                    role="assistant",
                    function_call={"name": "f", "arguments": {"x": 1}},
                    function_calls=(
                        {"name": "f", "arguments": {"x": 1}},
                        {"name": "g", "arguments": {}},
                    ),
                ),
                Turn(role="function", name="g", content="[1, 2]"),
                Turn(role="function", name="f", content='{"ok": "да"}'),
            ],
        ),
    ],
    ids=["text parts joined", "system and files", "two calls, results in one message"],
)
def test_messages_become_turns(messages: list[dict[str, Any]], turns: list[Turn]) -> None:
    request = validate_chat_v2(body(messages=messages), image_files)
    assert list(request.conversation.turns) == turns


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, {"functions": (), "function_call": None, "builtin_tools": (), "forced_tool": None}),
        (
            {"tools": [{"functions": {"specifications": [SPEC]}}, {"web_search": {}}]},
            {"function_call": "auto", "builtin_tools": ("web_search",), "parallel_calls": True},
        ),
        (
            {
                "tools": [{"functions": {"specifications": [SPEC]}}],
                "tool_config": {"mode": "forced", "function_name": "get_weather"},
            },
            {"function_call": {"name": "get_weather"}},
        ),
        (
            {
                "tools": [{"functions": {"specifications": [SPEC]}}, {"image_generate": {}}],
                "tool_config": {"mode": "forced", "tool_name": "image_generate"},
            },
            {"function_call": "none", "forced_tool": "image_generate"},
        ),
        (
            {
                "tools": [{"functions": {"specifications": [SPEC]}}, {"web_search": {}}],
                "tool_config": {"mode": "none"},
            },
            {"function_call": "none", "builtin_tools": ()},
        ),
        (
            {
                "tools": [{"functions": {"specifications": [SPEC, OTHER]}}],
                "tool_config": {"mode": "any", "functions_names_any": ["get_rate"]},
            },
            {"function_call": "any", "functions": (OTHER,)},
        ),
        (
            {
                "model_options": {
                    "temperature": 0.5,
                    "max_tokens": 7,
                    "reasoning": {"effort": "low"},
                    "response_format": {"type": "regex", "regex": "[a-z]+"},
                    "parallel_tool_calls": False,
                }
            },
            {
                "temperature": 0.5,
                "max_tokens": 7,
                "reasoning_effort": "low",
                "response_format": {"type": "regex", "regex": "[a-z]+"},
                "parallel_calls": False,
            },
        ),
        (
            {
                "model_options": {
                    "response_format": {"type": "json_schema", "schema": '{"type": "object"}'}
                }
            },
            {"response_format": {"type": "json_schema", "schema": {"type": "object"}}},
        ),
        ({"model_options": {"response_format": {"type": "text"}}}, {"response_format": None}),
    ],
    ids=[
        "no tools",
        "auto with a built-in",
        "forced function",
        "forced built-in",
        "mode none",
        "mode any",
        "model options",
        "schema as a JSON string",
        "text format",
    ],
)
def test_options_map_to_the_conversation(fields: dict[str, Any], expected: dict[str, Any]) -> None:
    conversation = validate_chat_v2(body(**fields), no_files).conversation
    assert {key: getattr(conversation, key) for key in expected} == expected


def test_stream_and_interval() -> None:
    request = validate_chat_v2(body(stream=True, model_options={"update_interval": 0.5}), no_files)
    assert (request.stream, request.update_interval) == (True, 0.5)


@pytest.mark.parametrize(("options", "expected"), [({}, None), ({"top_logprobs": 1}, 1)])
def test_top_logprobs_reaches_the_request(options: dict[str, Any], expected: int | None) -> None:
    assert validate_chat_v2(body(model_options=options), no_files).top_logprobs == expected


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"messages": [{"role": "user", "content": [{"files": [{"id": "x"}]}]}]}, 404),
        ({"model_options": {"top_logprobs": -1}}, 422),
        ({"model_options": {"top_logprobs": 0}}, 422),
        ({"model_options": {"top_logprobs": True}}, 422),
        ({"model_options": {"top_logprobs": 1.5}}, 422),
        ({"model_options": {"update_interval": -1}}, 422),
        ({"model_options": {"parallel_tool_calls": "yes"}}, 422),
        ({"tools": {"web_search": {}}}, 422),
        ({"tools": [{"web_search": {"flags": "x"}}]}, 422),
        ({"tool_config": {"mode": "any"}}, 422),
        ({"stream": "yes"}, 422),
        ({"tools_state_id": 5}, 422),
    ],
    ids=[
        "unknown file",
        "negative top_logprobs",
        "zero top_logprobs",
        "bool top_logprobs",
        "float top_logprobs",
        "negative interval",
        "parallel flag not bool",
        "tools not a list",
        "web_search flags",
        "any without functions",
        "stream not bool",
        "state id not a string",
    ],
)
def test_rejections(fields: dict[str, Any], status: int) -> None:
    with pytest.raises(ApiError) as error:
        validate_chat_v2(body(**fields), no_files)
    assert error.value.status == status


def test_non_object_body_is_400() -> None:
    with pytest.raises(ApiError) as error:
        validate_chat_v2([1, 2], no_files)
    assert error.value.status == 400
