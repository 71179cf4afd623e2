"""Pure v2 conversions: messages, payload, tool_config, built-in tools, SSE event framing."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from langchain_gigachat_ext.chat.normalise import HistoryRepairWarning, normalise
from langchain_gigachat_ext.chat.sse import SseDecoder
from langchain_gigachat_ext.chat.v2.messages import to_v2_messages
from langchain_gigachat_ext.chat.v2.payload import build_v2_payload, tool_config
from langchain_gigachat_ext.chat.v2.response import V2ChunkConverter
from langchain_gigachat_ext.chat.v2.wire import EventParser
from langchain_gigachat_ext.errors import GigaChatInvalidInputError, GigaChatMalformedResponseError
from langchain_gigachat_ext.tools.builtin import (
    BuiltinTool,
    as_builtin,
    avoid_builtin_names,
    resolve_builtin_choice,
    split_builtin_tools,
    web_search,
)
from langchain_gigachat_ext.tools.functions import convert_tools


def _v2(messages: list[Any]) -> list[dict[str, Any]]:
    return to_v2_messages(normalise(messages, files_as_ids=True))


CALLS = AIMessage(
    "",
    tool_calls=[
        {"name": "a", "args": {"x": 1}, "id": "1"},
        {"name": "b", "args": {}, "id": "2"},
    ],
    additional_kwargs={"tools_state_id": "S"},
)


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        pytest.param(
            [SystemMessage("Be brief."), HumanMessage("Hi")],
            [
                {"role": "system", "content": [{"text": "Be brief."}]},
                {"role": "user", "content": [{"text": "Hi"}]},
            ],
            id="system and user as text parts",
        ),
        pytest.param(
            [HumanMessage("Hi"), HumanMessage("again")],
            [{"role": "user", "content": [{"text": "Hi\n\nagain"}]}],
            id="same-role turns merged as on v1",
        ),
        pytest.param(
            [
                HumanMessage("q"),
                CALLS,
                ToolMessage("1", tool_call_id="1"),
                ToolMessage("{}", tool_call_id="2"),
            ],
            [
                {"role": "user", "content": [{"text": "q"}]},
                {
                    "role": "assistant",
                    "tools_state_id": "S",
                    "content": [
                        {"function_call": {"name": "a", "arguments": {"x": 1}}},
                        {"function_call": {"name": "b", "arguments": {}}},
                    ],
                },
                {
                    "role": "tool",
                    "tools_state_id": "S",
                    "content": [{"function_result": {"name": "a", "result": {"result": 1}}}],
                },
                {
                    "role": "tool",
                    "tools_state_id": "S",
                    "content": [{"function_result": {"name": "b", "result": {}}}],
                },
            ],
            id="several calls in one message, results in call order",
        ),
        pytest.param(
            [
                HumanMessage("draw"),
                AIMessage([{"type": "image", "file_id": "f1"}, {"type": "text", "text": "Done"}]),
            ],
            [
                {"role": "user", "content": [{"text": "draw"}]},
                {"role": "assistant", "content": [{"text": "Done"}, {"files": [{"id": "f1"}]}]},
            ],
            id="generated files go back as file ids",
        ),
        pytest.param(
            [HumanMessage("q"), AIMessage("", tool_calls=[{"name": "a", "args": {}, "id": "9"}])],
            [
                {"role": "user", "content": [{"text": "q"}]},
                {
                    "role": "assistant",
                    "content": [{"function_call": {"name": "a", "arguments": {}}}],
                },
                {
                    "role": "tool",
                    "content": [
                        {
                            "function_result": {
                                "name": "a",
                                "result": {
                                    "error": "This tool call was not executed: no result was recorded in the conversation."
                                },
                            }
                        }
                    ],
                },
            ],
            id="unanswered call gets a synthetic result",
        ),
    ],
)
def test_to_v2_messages(history: list[Any], expected: list[dict[str, Any]]) -> None:
    with pytest.warns(HistoryRepairWarning) if "9" in str(history) else contextlib.nullcontext():
        assert _v2(history) == expected


def test_v1_history_state_id_is_reused_as_tools_state_id() -> None:
    ai = AIMessage(
        "",
        tool_calls=[{"name": "a", "args": {}, "id": "1"}],
        additional_kwargs={"functions_state_id": "V1"},
    )
    sent = _v2([HumanMessage("q"), ai, ToolMessage("ok", tool_call_id="1")])
    assert [m.get("tools_state_id") for m in sent] == [None, "V1", "V1"]


@pytest.mark.parametrize(
    ("params", "extra", "expected"),
    [
        pytest.param({}, {}, {}, id="bare"),
        pytest.param(
            {
                "temperature": 0,
                "top_p": 0.5,
                "max_tokens": 9,
                "repetition_penalty": 1.1,
                "update_interval": 0.2,
            },
            {},
            {
                "model_options": {
                    "temperature": 0.001,
                    "top_p": 0.5,
                    "max_tokens": 9,
                    "repetition_penalty": 1.1,
                    "update_interval": 0.2,
                }
            },
            id="sampling under model_options, temperature 0 greedy",
        ),
        pytest.param(
            {"profanity_check": False, "flags": ["f"], "function_ranker": {"enabled": True}},
            {},
            {"disable_filter": True, "flags": ["f"], "ranker_options": {"enabled": True}},
            id="filters, flags, ranker",
        ),
        pytest.param(
            {"reasoning_effort": "low"},
            {"response_format": {"type": "regex", "regex": "x"}, "top_logprobs": 1},
            {
                "model_options": {
                    "reasoning": {"effort": "low"},
                    "response_format": {"type": "regex", "regex": "x"},
                    "top_logprobs": 1,
                }
            },
            id="reasoning, response format, logprobs",
        ),
        pytest.param(
            {},
            {
                "functions": [{"name": "f"}],
                "function_call": {"name": "f"},
                "builtin_tools": [BuiltinTool("code_interpreter")],
            },
            {
                "tools": [
                    {"code_interpreter": {}},
                    {"functions": {"specifications": [{"name": "f"}]}},
                ],
                "tool_config": {"mode": "forced", "function_name": "f"},
            },
            id="built-ins first, then functions; forced function",
        ),
        pytest.param(
            {},
            {
                "builtin_tools": [web_search(kind="actual_info_web_search")],
                "forced_builtin": "web_search",
            },
            {
                "tools": [{"web_search": {"type": "actual_info_web_search"}}],
                "tool_config": {"mode": "forced", "tool_name": "web_search"},
            },
            id="forced built-in",
        ),
    ],
)
def test_build_v2_payload(
    params: dict[str, Any], extra: dict[str, Any], expected: dict[str, Any]
) -> None:
    messages = [{"role": "user", "content": [{"text": "Hi"}]}]
    payload = build_v2_payload(model="M", messages=messages, params=params, **extra)
    assert payload == {"model": "M", "messages": messages, **expected}


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"function_call": {"name": "f"}}, "without any tools"),
        ({"forced_builtin": "web_search"}, "without any tools"),
        ({"top_logprobs": 0}, "positive integer"),
    ],
)
def test_build_v2_payload_rejects(extra: dict[str, Any], match: str) -> None:
    with pytest.raises(GigaChatInvalidInputError, match=match):
        build_v2_payload(model="M", messages=[], params={}, **extra)


@pytest.mark.parametrize(
    ("function_call", "builtin", "expected"),
    [
        (None, None, None),
        ("auto", None, {"mode": "auto"}),
        ("none", None, {"mode": "none"}),
        ({"name": "f"}, None, {"mode": "forced", "function_name": "f"}),
        ("auto", "image_generate", {"mode": "forced", "tool_name": "image_generate"}),
    ],
)
def test_tool_config(function_call: Any, builtin: str | None, expected: Any) -> None:
    assert tool_config(function_call, builtin) == expected


@pytest.mark.parametrize(
    ("tool", "expected"),
    [
        ("web_search", BuiltinTool("web_search")),
        ({"image_generate": {}}, BuiltinTool("image_generate")),
        (
            {"type": "web_search", "indexes": ["news"]},
            BuiltinTool("web_search", {"indexes": ["news"]}),
        ),
        (web_search(flags=["a"]), BuiltinTool("web_search", {"flags": ["a"]})),
        ({"name": "f", "description": "d", "parameters": {}}, None),
    ],
)
def test_as_builtin(tool: Any, expected: BuiltinTool | None) -> None:
    assert as_builtin(tool) == expected


@pytest.mark.parametrize("bad", ["websearch", BuiltinTool.__name__])
def test_unknown_builtin_names_fail(bad: str) -> None:
    with pytest.raises(GigaChatInvalidInputError, match="not a built-in tool"):
        as_builtin(bad)


def test_split_builtin_tools_keeps_order_and_rejects_conflicts() -> None:
    def f(x: int) -> int:
        """F."""
        return x

    ordinary, builtins = split_builtin_tools(
        ["web_search", f, {"web_search": {}}, "image_generate"]
    )
    assert ordinary == [f]
    assert [b.name for b in builtins] == ["web_search", "image_generate"]
    with pytest.raises(GigaChatInvalidInputError, match="twice"):
        split_builtin_tools(["web_search", web_search(kind="x")])


@pytest.mark.parametrize(
    ("choice", "names", "has_functions", "expected"),
    [
        ("web_search", ["web_search"], True, (None, "web_search")),
        ({"type": "web_search"}, ["web_search"], False, (None, "web_search")),
        ("any", ["image_generate"], False, (None, "image_generate")),
        ("any", ["image_generate"], True, ("any", None)),
        ("auto", ["web_search"], False, ("auto", None)),
        ("my_tool", [], True, ("my_tool", None)),
        ("web_search", [], True, ("web_search", None)),
        (
            {"type": "function", "function": {"name": "image_generate"}},
            ["image_generate"],
            True,
            (None, "image_generate"),
        ),
    ],
)
def test_resolve_builtin_choice(
    choice: Any, names: list[str], has_functions: bool, expected: Any
) -> None:
    builtins = [BuiltinTool(name) for name in names]
    assert resolve_builtin_choice(choice, builtins, has_functions=has_functions) == expected


@pytest.mark.parametrize(
    ("choice", "names", "functions", "match"),
    [
        ("web_search", ["web_search"], ["web_search"], "ambiguous"),
        ("any", ["web_search", "image_generate"], [], "several built-in"),
    ],
)
def test_resolve_builtin_choice_errors(
    choice: Any, names: list[str], functions: list[str], match: str
) -> None:
    with pytest.raises(GigaChatInvalidInputError, match=match):
        resolve_builtin_choice(
            choice,
            [BuiltinTool(n) for n in names],
            has_functions=bool(functions),
            function_names=functions,
        )


def test_avoid_builtin_names_renames_only_colliding_functions() -> None:
    def web_search(q: str) -> str:
        """Intranet search."""
        return ""

    def other(q: str) -> str:
        """Other."""
        return ""

    renamed = avoid_builtin_names(convert_tools([web_search, other]))
    assert renamed is not None
    assert [f.name for f in renamed.functions] == ["user_web_search", "other"]
    assert renamed.restore_call("user_web_search", {"q": "x"}) == ("web_search", {"q": "x"})
    plain = convert_tools([other])
    assert avoid_builtin_names(plain) is plain


def _read(lines: list[str]) -> list[Any]:
    """The chunks of a body made of ``lines``, through the shared SSE decoder."""
    decoder = SseDecoder()
    parser = EventParser({"x-request-id": "r"})
    events = decoder.feed("\n".join(lines).encode()) + decoder.close()
    chunks = [c for event in events if (c := parser.parse(event)) is not None]
    parser.check_complete()
    return chunks


DONE = 'data: {"finish_reason":"stop"}'


@pytest.mark.parametrize(
    ("lines", "events"),
    [
        pytest.param(
            [
                "event: response.message.delta",
                'data: {"messages":[{"content":[{"text":"a"}]}]}',
                "",
                "event: response.message.done",
                DONE,
                "",
            ],
            ["response.message.delta", "response.message.done"],
            id="recorded framing",
        ),
        pytest.param(
            [": keep-alive", "", 'data: {"messages":[]}', "", "event: response.message.done", DONE],
            ["response.message.done"],
            id="comments and event-less blocks are ignored; last block without blank line",
        ),
        pytest.param(
            ["event: response.message.done", 'data: {"finish_reason":', 'data: "stop"}', ""],
            ["response.message.done"],
            id="multi-line data joined with newlines",
        ),
    ],
)
def test_event_reader(lines: list[str], events: list[str]) -> None:
    chunks = _read(lines)
    assert [c.event for c in chunks] == events
    assert all(c.x_headers == {"x-request-id": "r"} for c in chunks)


def test_event_reader_raises_on_cut_and_on_bad_json() -> None:
    with pytest.raises(httpx.RemoteProtocolError, match=r"response\.message\.done"):
        _read(["event: response.message.delta", 'data: {"messages":[]}', ""])
    with pytest.raises(GigaChatMalformedResponseError, match=r"response\.message\.delta"):
        _read(["event: response.message.delta", "data: {not json", ""])


def _chunk(event: str, data: dict[str, Any]) -> Any:
    [chunk] = _read(
        [
            f"event: {event}",
            f"data: {json.dumps(data)}",
            "",
            "event: response.message.done",
            DONE,
            "",
        ]
    )[:1]
    return chunk


def test_chunk_converter_numbers_calls_across_events_and_keeps_text_plain() -> None:
    convert = V2ChunkConverter(lambda name, args: (name.upper(), args), stream_usage=True)
    call = {"function_call": {"name": "f", "arguments": {"a": 1}}}
    first = convert(
        _chunk("response.message.delta", {"messages": [{"tools_state_id": "S", "content": [call]}]})
    )
    second = convert(
        _chunk("response.message.delta", {"messages": [{"content": [call, {"text": "hi"}]}]})
    )
    assert first is not None and second is not None
    ids = [c["id"] for c in first.message.tool_call_chunks + second.message.tool_call_chunks]
    assert ids == ["call_S_0", "call_S_1"]
    assert second.message.tool_call_chunks[0]["name"] == "F"
    assert second.message.content == "hi"
    assert convert(_chunk("response.message.delta", {"messages": []})) is None
