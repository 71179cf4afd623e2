"""v2 brain rules (several calls, ``any``, built-in tools, regex) and the v2 renderer."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from langchain_gigachat_ext.emulator.api.v2.render import (
    CompletionV2,
    response_body,
    sse_named,
    stream_events,
    usage_v2,
    uuid7,
)
from langchain_gigachat_ext.emulator.brain.builtins import ToolUse, builtin_answer, choose_builtin
from langchain_gigachat_ext.emulator.brain.calls import several_calls, split_requests
from langchain_gigachat_ext.emulator.brain.core import Brain, Conversation, Reply, Turn


def spec(name: str, description: str, param: str) -> dict[str, Any]:
    schema = {"type": "object", "properties": {param: {"type": "string"}}, "required": [param]}
    return {"name": name, "description": description, "parameters": schema}


WEATHER = spec("get_weather", "Current weather in a city.", "city")
RATE = spec("get_exchange_rate", "Exchange rate of a currency.", "currency")
ORDER = spec("get_order_status", "Delivery status of an order.", "order_id")
CALC = spec("calculator", "Evaluate an arithmetic expression.", "expression")


def ask(text: str, **fields: Any) -> Reply:
    turns = (Turn(role="user", content=text),)
    return Brain().reply(Conversation(model="GigaChat-2", turns=turns, **fields))


def calls_of(reply: Reply) -> list[tuple[str, dict[str, Any]]]:
    return [(call["name"], call["arguments"]) for call in reply.calls]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("weather in Moscow and in Kazan", ["weather in Moscow", "in Kazan"]),
        ("a; b\nc", ["a", "b", "c"]),
        ("погода в Москве и курс доллара", ["погода в Москве", "курс доллара"]),
        ("sum of 2 and 3", ["sum of 2", "3"]),
    ],
)
def test_split_requests(text: str, parts: list[str]) -> None:
    assert split_requests(text) == parts


@pytest.mark.parametrize(
    ("functions", "text", "expected"),
    [
        (
            (WEATHER, RATE),
            "What is the weather in Moscow and the USD exchange rate?",
            [("get_weather", {"city": "Moscow"}), ("get_exchange_rate", {"currency": "USD"})],
        ),
        (
            (WEATHER,),
            "What is the weather in Moscow and in Kazan?",
            [("get_weather", {"city": "Moscow"}), ("get_weather", {"city": "Kazan"})],
        ),
        (
            (ORDER,),
            "Check order A-1024 and order B-2048",
            [
                ("get_order_status", {"order_id": "A-1024"}),
                ("get_order_status", {"order_id": "B-2048"}),
            ],
        ),
        ((CALC,), "Calculate the sum of 2 and 3", [("calculator", {"expression": "sum 2"})]),
        ((WEATHER,), "What is the weather in Moscow?", [("get_weather", {"city": "Moscow"})]),
        ((WEATHER, RATE), "Tell me a joke and a story", []),
    ],
    ids=["two functions", "same function twice", "two ids", "bare number", "one", "none"],
)
def test_several_calls(functions: tuple[Any, ...], text: str, expected: list[Any]) -> None:
    found = several_calls(functions, text, "en", 1)
    assert [(call["name"], call["arguments"]) for call in found] == expected


def test_brain_returns_several_calls_only_when_parallel() -> None:
    text = "What is the weather in Moscow and in Kazan?"
    parallel = ask(text, functions=(WEATHER,), parallel_calls=True)
    assert parallel.finish_reason == "function_call"
    assert len(parallel.calls) == 2
    assert parallel.function_call == parallel.calls[0]
    single = ask(text, functions=(WEATHER,))
    assert len(single.calls) == 1
    assert single.function_calls == (single.function_call,)


def test_bare_number_falls_back_to_the_single_call_rule() -> None:
    text = "Calculate the sum of 2 and 3"
    parallel = ask(text, functions=(CALC,), parallel_calls=True)
    assert len(parallel.calls) == 1
    assert parallel == ask(text, functions=(CALC,))


def test_any_mode_always_calls_and_forced_wins() -> None:
    weak = ask("Hello there", functions=(WEATHER, RATE), function_call="any", parallel_calls=True)
    assert [name for name, _ in calls_of(weak)] == ["get_weather"]
    forced = ask(
        "What is the weather in Moscow and in Kazan?",
        functions=(WEATHER,),
        function_call={"name": "get_weather"},
        parallel_calls=True,
    )
    assert len(forced.calls) == 1


def test_results_of_several_calls_are_all_answered() -> None:
    calls = (
        {"name": "get_weather", "arguments": {}},
        {"name": "get_exchange_rate", "arguments": {}},
    )
    turns = (
        Turn(role="user", content="weather and rate"),
        Turn(role="assistant", function_call=calls[0], function_calls=calls),
        Turn(role="function", name="get_weather", content='{"temp": 5}'),
        Turn(role="function", name="get_exchange_rate", content='{"rub": 90}'),
    )
    conversation = Conversation(
        model="GigaChat-2", turns=turns, functions=(WEATHER, RATE), parallel_calls=True
    )
    reply = Brain().reply(conversation)
    assert reply.calls == ()
    assert "5" in reply.content
    assert "90" in reply.content


@pytest.mark.parametrize(
    ("offered", "forced", "text", "expected"),
    [
        (("web_search",), None, "Search the web for Python news", "web_search"),
        (("web_search",), None, "Найди в интернете курс биткоина", "web_search"),
        (("image_generate",), None, "Draw a cat", "image_generate"),
        (("image_generate",), None, "Create a simple square icon concept", "image_generate"),
        (("image_generate",), None, "Нарисуй кота", "image_generate"),
        (("code_interpreter",), None, "Calculate 2+2. Use code.", "code_interpreter"),
        (
            ("url_content_extraction",),
            None,
            "Summarise https://a.example/x",
            "url_content_extraction",
        ),
        (
            ("web_search", "url_content_extraction"),
            None,
            "Search https://a.example",
            "url_content_extraction",
        ),
        (("web_search",), None, "Tell me a joke", None),
        (("code_interpreter",), None, "Draw a cat", None),
        (("web_search",), "web_search", "Tell me a joke", "web_search"),
    ],
)
def test_choose_builtin(
    offered: tuple[str, ...], forced: str | None, text: str, expected: str | None
) -> None:
    assert choose_builtin(offered, forced, text) == expected


@pytest.mark.parametrize(
    ("name", "text", "piece"),
    [
        ("code_interpreter", "Calculate the sum of the first 20 prime numbers. Use code.", "639"),
        ("code_interpreter", "sum of the first 10 odd numbers, compute", "100"),
        ("code_interpreter", "compute factorial of 5", "120"),
        ("code_interpreter", "calculate (2 + 3) * 4", "20"),
        (
            "url_content_extraction",
            "Read https://docs.python.org/3/ please.",
            "https://docs.python.org/3/",
        ),
        ("image_generate", "Draw a red fox", "red fox"),
    ],
)
def test_builtin_answers(name: str, text: str, piece: str) -> None:
    answer, use = builtin_answer(name, text, "en", 1)
    assert piece in answer
    assert use.name == name
    assert use.image is (name == "image_generate")


def test_web_search_cites_every_source() -> None:
    answer, use = builtin_answer("web_search", "Search for Python release news", "en", 1)
    assert len(use.sources) == 2
    for number in range(1, len(use.sources) + 1):
        assert f"[sources=[{number}]]" in answer
    assert all(url.startswith("https://") and ".example/" in url for url, _ in use.sources)


def test_brain_uses_a_forced_builtin_and_skips_it_after_results() -> None:
    forced = ask("Tell me a joke", builtin_tools=("web_search",), forced_tool="web_search")
    assert forced.tool_use is not None
    assert forced.tool_use.name == "web_search"
    regex = ask("Give a code", response_format={"type": "regex", "regex": r"\d{3}"})
    assert re.fullmatch(r"\d{3}", regex.content)
    assert regex.tool_use is None


def completion(reply: Reply, **fields: Any) -> CompletionV2:
    return CompletionV2(reply=reply, model_version="GigaChat-2:1", created_at=7, **fields)


def test_body_of_a_text_answer() -> None:
    body = response_body(completion(Reply(content="Hi", prompt_tokens=3, completion_tokens=1)))
    assert body == {
        "model": "GigaChat-2:1",
        "created_at": 7,
        "messages": [{"role": "assistant", "content": [{"text": "Hi"}]}],
        "finish_reason": "stop",
        "usage": usage_v2(3, 1, 0),
    }


def test_body_of_several_calls_with_reasoning() -> None:
    calls = ({"name": "a", "arguments": {}}, {"name": "b", "arguments": {"x": 1}})
    reply = Reply(function_calls=calls, finish_reason="function_call", reasoning_content="why")
    body = response_body(completion(reply, tool_state_id="s", call_ids=("1", "2")))
    assert body["messages"] == [
        {"role": "reasoning", "content": [{"text": "why"}]},
        {
            "role": "assistant",
            "tool_state_id": "s",
            "content": [
                {"function_call": {"id": "1", "name": "a", "arguments": {}}},
                {"function_call": {"id": "2", "name": "b", "arguments": {"x": 1}}},
            ],
        },
    ]


def test_body_of_builtin_answers() -> None:
    image = Reply(content="Done", tool_use=ToolUse("image_generate", image=True))
    parts = response_body(completion(image, image_file_id="f1"))["messages"][0]["content"]
    assert parts == [
        {"files": [{"id": "f1", "mime": "image/jpeg", "target": "image"}]},
        {"text": "Done"},
    ]
    search = Reply(content="Found [sources=[1]]", tool_use=ToolUse("web_search", (("u", "t"),)))
    part = response_body(completion(search))["messages"][0]["content"][0]
    assert part["inline_data"] == {"images": [], "sources": {"1": {"url": "u", "title": "t"}}}


def test_stream_of_a_builtin_text_answer() -> None:
    reply = Reply(
        content="a b c",
        chunks=("a ", "b c"),
        tool_use=ToolUse("web_search", (("u", "t"),)),
        completion_tokens=3,
    )
    events = stream_events(completion(reply, tool_state_id="s"))
    assert [name for name, _ in events] == [
        "response.tool.completed",
        "response.message.delta",
        "response.message.delta",
        "response.message.done",
    ]
    tool = events[0][1]["messages"][0]
    assert tool == {
        "role": "reasoning",
        "content": [{"tool_execution": {"name": "web_search", "status": "success"}}],
    }
    first, last = events[1][1]["messages"][0], events[2][1]["messages"][0]
    assert first == {"role": "assistant", "tool_state_id": "s", "content": [{"text": "a "}]}
    assert last["content"][0]["inline_data"]["sources"] == {"1": {"url": "u", "title": "t"}}
    assert events[3][1] == {
        "model": "GigaChat-2:1",
        "created_at": 7,
        "finish_reason": "stop",
        "usage": usage_v2(0, 3, 0),
    }


def test_stream_of_a_call_is_one_done_event() -> None:
    reply = Reply(function_call={"name": "a", "arguments": {}}, finish_reason="function_call")
    events = stream_events(completion(reply, tool_state_id="s"))
    assert events == [
        (
            "response.message.done",
            {
                "model": "GigaChat-2:1",
                "created_at": 7,
                "messages": [
                    {
                        "role": "assistant",
                        "tool_state_id": "s",
                        "content": [{"function_call": {"name": "a", "arguments": {}}}],
                    }
                ],
                "finish_reason": "function_call",
                "usage": usage_v2(0, 0, 0),
            },
        )
    ]


def test_named_event_framing_and_uuid7() -> None:
    assert sse_named("response.message.done", {"a": "б"}) == (
        'event: response.message.done\ndata: {"a":"б"}\n\n'.encode()
    )
    first, second = uuid.UUID(uuid7()), uuid.UUID(uuid7())
    assert first.version == 7
    assert first.variant == uuid.RFC_4122
    assert first != second
