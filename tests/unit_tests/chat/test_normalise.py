"""The normalised conversation, and both dialects' wire messages made from it (table-driven)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, FunctionMessage, HumanMessage, ToolMessage

from langchain_gigachat_ext.chat.normalise import (
    UNANSWERED_CALL_RESULT,
    HistoryRepairWarning,
    normalise,
    tool_result_value,
)
from langchain_gigachat_ext.chat.v1.messages import to_v1_messages
from langchain_gigachat_ext.chat.v2.messages import to_v2_messages

CALLS = AIMessage(
    "Checking.",
    tool_calls=[
        {"name": "a", "args": {"x": 1}, "id": "1", "type": "tool_call"},
        {"name": "b", "args": {}, "id": "2", "type": "tool_call"},
    ],
    additional_kwargs={"functions_state_id": "S"},
)
RESULT_A = {"name": "a", "value": {"result": 10}}
RESULT_B = {"name": "b", "value": {"ok": True}}

# (history, normalised turns, v1 messages, v2 messages)
CASES: list[Any] = [
    pytest.param(
        [
            HumanMessage("Hi"),
            CALLS,
            ToolMessage('{"ok": true}', tool_call_id="2"),
            ToolMessage("10", tool_call_id="1"),
        ],
        [
            {"role": "user", "content": "Hi"},
            {
                "role": "assistant",
                "content": "Checking.",
                "state_id": "S",
                "calls": [  # in the order the results answer them
                    {"name": "b", "arguments": {}, "result": RESULT_B},
                    {"name": "a", "arguments": {"x": 1}, "result": RESULT_A},
                ],
            },
        ],
        [
            {"role": "user", "content": "Hi"},
            {
                "role": "assistant",
                "content": "Checking.",
                "function_call": {"name": "b", "arguments": {}},
                "functions_state_id": "S",
            },
            {"role": "function", "name": "b", "content": '{"ok": true}'},
            {
                "role": "assistant",
                "content": "",
                "function_call": {"name": "a", "arguments": {"x": 1}},
            },
            {"role": "function", "name": "a", "content": '{"result": 10}'},
        ],
        [
            {"role": "user", "content": [{"text": "Hi"}]},
            {
                "role": "assistant",
                "content": [
                    {"text": "Checking."},
                    {"function_call": {"name": "b", "arguments": {}}},
                    {"function_call": {"name": "a", "arguments": {"x": 1}}},
                ],
                "tools_state_id": "S",
            },
            {
                "role": "tool",
                "content": [{"function_result": {"name": "b", "result": {"ok": True}}}],
                "tools_state_id": "S",
            },
            {
                "role": "tool",
                "content": [{"function_result": {"name": "a", "result": {"result": 10}}}],
                "tools_state_id": "S",
            },
        ],
        id="two calls, answered out of order: v1 pairs, v2 groups",
    ),
    pytest.param(
        [
            HumanMessage("Hi"),
            AIMessage("x", additional_kwargs={"tools_state_id": "T"}),
            FunctionMessage(name="f", content="[1, 2]"),
        ],
        [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "x", "state_id": "T"},
            {
                "role": "function",
                "content": "",
                "result": {"name": "f", "value": {"result": [1, 2]}},
            },
        ],
        [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "x", "functions_state_id": "T"},
            {"role": "function", "name": "f", "content": '{"result": [1, 2]}'},
        ],
        [
            {"role": "user", "content": [{"text": "Hi"}]},
            {"role": "assistant", "content": [{"text": "x"}], "tools_state_id": "T"},
            {
                "role": "tool",
                "content": [{"function_result": {"name": "f", "result": {"result": [1, 2]}}}],
                "tools_state_id": "T",
            },
        ],
        id="legacy function message keeps the last state id on v2",
    ),
    pytest.param(
        [HumanMessage("a"), HumanMessage("b"), AIMessage(""), AIMessage("c")],
        [{"role": "user", "content": "a\n\nb"}, {"role": "assistant", "content": "c"}],
        [{"role": "user", "content": "a\n\nb"}, {"role": "assistant", "content": "c"}],
        [
            {"role": "user", "content": [{"text": "a\n\nb"}]},
            {"role": "assistant", "content": [{"text": "c"}]},
        ],
        id="same-role turns merge; an empty text is no part",
    ),
]


@pytest.mark.parametrize(("history", "turns", "v1", "v2"), CASES)
def test_conversions(history: list[Any], turns: Any, v1: Any, v2: Any) -> None:
    normalised = normalise(history)
    assert normalised == turns
    assert to_v1_messages(normalised) == v1
    assert to_v2_messages(normalise(history, files_as_ids=True)) == v2


def test_an_unanswered_call_gets_a_synthetic_error_result() -> None:
    call = AIMessage("", tool_calls=[{"name": "a", "args": {}, "id": "1", "type": "tool_call"}])
    with pytest.warns(HistoryRepairWarning, match="no ToolMessage"):
        [_, turn] = normalise([HumanMessage("Hi"), call])
    assert turn["calls"][0]["result"] == {"name": "a", "value": UNANSWERED_CALL_RESULT}


@pytest.mark.parametrize(
    ("content", "status", "value"),
    [
        ('{"a": 1}', "success", {"a": 1}),
        ("[1]", "success", {"result": [1]}),
        ("plain", "success", {"result": "plain"}),
        ("boom", "error", {"error": "boom"}),
        ([{"type": "text", "text": '{"b": 2}'}], "success", {"b": 2}),
    ],
)
def test_tool_results_are_parsed_json_objects(content: Any, status: str, value: Any) -> None:
    assert tool_result_value(content, status=status) == value


def test_generated_files_travel_as_markup_on_v1_and_as_ids_on_v2() -> None:
    answer = AIMessage([{"type": "text", "text": "Here: "}, {"type": "image", "file_id": "F"}])
    [_, v1] = normalise([HumanMessage("Draw"), answer])
    [_, v2] = normalise([HumanMessage("Draw"), answer], files_as_ids=True)
    assert v1["content"].startswith("Here: <img") and "F" in v1["content"]
    assert "attachments" not in v1
    assert v2 == {"role": "assistant", "content": "Here: ", "attachments": ["F"]}
    assert to_v2_messages([v2])[0]["content"] == [{"text": "Here: "}, {"files": [{"id": "F"}]}]


def test_a_dry_run_repairs_without_warning() -> None:
    import warnings

    call = AIMessage("", tool_calls=[{"name": "a", "args": {}, "id": "1", "type": "tool_call"}])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = normalise([HumanMessage("Hi"), call], warn=False)
    with pytest.warns(HistoryRepairWarning):
        assert normalise([HumanMessage("Hi"), call]) == quiet
