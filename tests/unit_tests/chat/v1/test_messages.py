"""Table-driven tests of the message normaliser (LangChain → GigaChat v1)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_gigachat_ext.chat.normalise import LATE_SYSTEM_PREFIX
from langchain_gigachat_ext.chat.v1.messages import (
    HistoryRepairWarning,
    to_gigachat_messages,
    tool_result_json,
)
from langchain_gigachat_ext.errors import GigaChatInvalidInputError


def _call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


CASES: list[Any] = [
    pytest.param([HumanMessage("Hi")], [{"role": "user", "content": "Hi"}], id="single-human"),
    pytest.param(
        [SystemMessage("A"), SystemMessage("B"), HumanMessage("Hi")],
        [{"role": "system", "content": "A\n\nB"}, {"role": "user", "content": "Hi"}],
        id="leading-systems-merged",
    ),
    pytest.param(
        [HumanMessage("Hi"), AIMessage("Yo"), SystemMessage("Be formal"), HumanMessage("Ok")],
        [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Yo"},
            {"role": "user", "content": LATE_SYSTEM_PREFIX + "Be formal\n\nOk"},
        ],
        id="late-system-demoted-and-merged",
    ),
    pytest.param(
        [HumanMessage("a"), HumanMessage("b"), AIMessage("c"), AIMessage("d"), HumanMessage("e")],
        [
            {"role": "user", "content": "a\n\nb"},
            {"role": "assistant", "content": "c\n\nd"},
            {"role": "user", "content": "e"},
        ],
        id="same-role-merged",
    ),
    pytest.param(
        [HumanMessage([{"type": "text", "text": "x"}, {"type": "text", "text": "y"}])],
        [{"role": "user", "content": "xy"}],
        id="list-content-text",
    ),
    pytest.param(
        [HumanMessage("hello", name="example_user")],
        [{"role": "user", "content": "hello"}],
        id="human-name-not-sent",
    ),
    pytest.param(
        [ChatMessage(role="developer", content="rules"), ChatMessage(role="user", content="q")],
        [{"role": "system", "content": "rules"}, {"role": "user", "content": "q"}],
        id="chat-message-roles",
    ),
    pytest.param(
        [
            HumanMessage("weather?"),
            AIMessage("", tool_calls=[_call("get_weather", {"city": "Kazan"}, "c1")]),
            ToolMessage('{"t": 5}', tool_call_id="c1"),
        ],
        [
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": "",
                "function_call": {"name": "get_weather", "arguments": {"city": "Kazan"}},
            },
            {"role": "function", "name": "get_weather", "content": '{"t": 5}'},
        ],
        id="one-call-name-from-call",
    ),
    pytest.param(
        [
            HumanMessage("three"),
            AIMessage(
                "Checking.",
                tool_calls=[_call("a", {}, "1"), _call("b", {"x": 1}, "2"), _call("c", {}, "3")],
            ),
            ToolMessage("r3", tool_call_id="3"),
            ToolMessage("r1", tool_call_id="1"),
            ToolMessage("r2", tool_call_id="2"),
            AIMessage("done"),
        ],
        [
            {"role": "user", "content": "three"},
            {
                "role": "assistant",
                "content": "Checking.",
                "function_call": {"name": "c", "arguments": {}},
            },
            {"role": "function", "name": "c", "content": '{"result": "r3"}'},
            {"role": "assistant", "content": "", "function_call": {"name": "a", "arguments": {}}},
            {"role": "function", "name": "a", "content": '{"result": "r1"}'},
            {
                "role": "assistant",
                "content": "",
                "function_call": {"name": "b", "arguments": {"x": 1}},
            },
            {"role": "function", "name": "b", "content": '{"result": "r2"}'},
            {"role": "assistant", "content": "done"},
        ],
        id="openai-style-three-calls-linearised-in-answer-order",
    ),
    pytest.param(
        [
            HumanMessage("q"),
            AIMessage(
                [
                    {"type": "text", "text": "x"},
                    {"type": "tool_use", "id": "t", "name": "f", "input": {}},
                ],
                tool_calls=[_call("f", {}, "t")],
            ),
            ToolMessage("ok", tool_call_id="t", name="f"),
        ],
        [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "x", "function_call": {"name": "f", "arguments": {}}},
            {"role": "function", "name": "f", "content": '{"result": "ok"}'},
        ],
        id="anthropic-list-content",
    ),
    pytest.param(
        [
            HumanMessage("q"),
            AIMessage(
                "",
                tool_calls=[_call("f", {}, "t")],
                additional_kwargs={"functions_state_id": "state-1"},
            ),
            ToolMessage("boom", tool_call_id="t", status="error"),
        ],
        [
            {"role": "user", "content": "q"},
            {
                "role": "assistant",
                "content": "",
                "function_call": {"name": "f", "arguments": {}},
                "functions_state_id": "state-1",
            },
            {"role": "function", "name": "f", "content": '{"error": "boom"}'},
        ],
        id="error-status-and-state-id",
    ),
    pytest.param(
        [HumanMessage("q"), FunctionMessage(name="f", content="plain")],
        [
            {"role": "user", "content": "q"},
            {"role": "function", "name": "f", "content": '{"result": "plain"}'},
        ],
        id="legacy-function-message",
    ),
]


@pytest.mark.parametrize(("history", "expected"), CASES)
def test_to_gigachat_messages(history: list[BaseMessage], expected: list[dict[str, Any]]) -> None:
    assert to_gigachat_messages(history) == expected


def test_wire_names_are_applied_to_calls_and_results() -> None:
    history = [
        HumanMessage("q"),
        AIMessage("", tool_calls=[_call("get-time", {}, "1")]),
        ToolMessage("now", tool_call_id="1"),
    ]
    out = to_gigachat_messages(history, wire_name=lambda name: name.replace("-", "_"))
    assert out[1]["function_call"]["name"] == "get_time"
    assert out[2]["name"] == "get_time"


def test_unanswered_call_gets_error_result_with_warning() -> None:
    history = [HumanMessage("q"), AIMessage("", tool_calls=[_call("f", {}, "1")])]
    with pytest.warns(HistoryRepairWarning, match="has no ToolMessage"):
        out = to_gigachat_messages(history)
    assert out[-1]["role"] == "function"
    assert "not executed" in json.loads(out[-1]["content"])["error"]


def test_orphan_result_becomes_user_message_with_warning() -> None:
    history = [HumanMessage("q"), ToolMessage("42", tool_call_id="missing", name="calc")]
    with pytest.warns(HistoryRepairWarning, match="answers no tool call"):
        out = to_gigachat_messages(history)
    assert out[-1] == {"role": "user", "content": 'q\n\nResult of tool calc: {"result": 42}'}


@pytest.mark.parametrize(
    ("content", "status", "expected"),
    [
        ('{"a": 1}', "success", {"a": 1}),
        ("[1, 2]", "success", {"result": [1, 2]}),
        ("17", "success", {"result": 17}),
        ("plain text", "success", {"result": "plain text"}),
        ("", "success", {"result": ""}),
        ([{"type": "text", "text": "from list"}], "success", {"result": "from list"}),
        ('{"a": 1}', "error", {"error": {"a": 1}}),
        ("Привет", "success", {"result": "Привет"}),
    ],
)
def test_tool_result_json(content: Any, status: str, expected: dict[str, Any]) -> None:
    text = tool_result_json(content, status=status)
    assert json.loads(text) == expected
    assert "\\u" not in text  # raw UTF-8, as the SDK sends


@pytest.mark.parametrize(
    "history",
    [
        [],
        [HumanMessage([{"type": "image", "base64": "AAAA", "mime_type": "image/png"}])],
        [AIMessage([{"type": "image_url", "image_url": {"url": "x"}}])],
    ],
    ids=["empty", "image-without-uploader", "ai-unsupported-block"],
)
def test_rejected_before_sending(history: list[BaseMessage]) -> None:
    with pytest.raises(GigaChatInvalidInputError):
        to_gigachat_messages(history)


def test_generated_image_in_history_is_sent_back_as_markup() -> None:
    history = [
        HumanMessage("Нарисуй кота"),
        AIMessage([{"type": "text", "text": "Готово. "}, {"type": "image", "file_id": "f-1"}]),
        HumanMessage("Спасибо"),
    ]
    out = to_gigachat_messages(history)
    assert out[1]["role"] == "assistant"
    assert 'src="f-1"' in out[1]["content"] and out[1]["content"].startswith("Готово. ")
