"""Several calls in one answer (v2): splitting the request, ``any`` mode, answering results."""

from __future__ import annotations

from typing import Any

import pytest

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


@pytest.mark.parametrize("functions", [(WEATHER, RATE), (RATE, WEATHER)], ids=["ab", "ba"])
def test_any_mode_always_calls_and_forced_wins(functions: tuple[Any, ...]) -> None:
    weak = ask("Hello there", functions=functions, function_call="any", parallel_calls=True)
    # No evidence either way: the alphabetically first name, whatever the order offered.
    assert [name for name, _ in calls_of(weak)] == ["get_exchange_rate"]
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
