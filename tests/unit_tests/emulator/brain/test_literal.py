"""The ``literal`` behaviour: required fields only, values from the conversation or typed defaults,
minimal arrays, functions chosen by their names and descriptions (never by position), no rules
read from descriptions, forced calls filled literally.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from langchain_gigachat_ext.emulator.brain.core import Brain, Conversation, Reply, Turn
from langchain_gigachat_ext.emulator.brain.facts import extract_facts
from langchain_gigachat_ext.emulator.brain.schema import SchemaFiller
from tests.unit_tests.emulator.brain.schema_check import errors


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


def _literal(schema: dict[str, Any], text: str) -> Any:
    return SchemaFiller(schema, extract_facts(text), "en", seed=3, literal=True).instance()


def _helpful(schema: dict[str, Any], text: str) -> Any:
    return SchemaFiller(schema, extract_facts(text), "en", seed=3).instance()


def _function(name: str, description: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "description": description, "parameters": parameters}


def _ask(
    text: str,
    functions: tuple[dict[str, Any], ...] = (),
    function_call: str | dict[str, Any] | None = None,
    turns: tuple[Turn, ...] = (),
    **kwargs: Any,
) -> Reply:
    conversation = Conversation(
        model="GigaChat-2",
        turns=turns or (Turn("user", text),),
        functions=functions,
        function_call=function_call,
        **kwargs,
    )
    return Brain(behaviour="literal").reply(conversation)


EVERY_TYPE = _object(
    {
        "name": {"type": "string"},
        "count": {"type": "integer"},
        "ratio": {"type": "number", "minimum": 0.5},
        "active": {"type": "boolean", "default": True},
        "level": {"type": "string", "enum": ["low", "high"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "pair": {"type": "array", "items": {"type": "integer"}, "minItems": 2},
        "when": {"type": "string", "format": "date"},
        "size": {"type": "integer", "minimum": 3, "default": 10},
        "note": {"type": "string"},
        "extra": {"type": "integer"},
        "options": {"type": "object", "properties": {"a": {"type": "string"}}},
    },
    ["name", "count", "ratio", "active", "level", "tags", "pair", "when", "size"],
)
PAYMENT = _object(
    {
        "amount": {"type": "number"},
        "method": {
            "anyOf": [
                _object(
                    {"kind": {"const": "card"}, "card_number": {"type": "string"}},
                    ["kind", "card_number"],
                ),
                _object(
                    {"kind": {"const": "cash"}, "change_from": {"type": "number"}},
                    ["kind"],
                ),
            ]
        },
    },
    ["amount", "method"],
)
PAYMENT_REVERSED = json.loads(json.dumps(PAYMENT))
PAYMENT_REVERSED["properties"]["method"]["anyOf"].reverse()
SHIPMENT = _object(
    {
        "customer": _object(
            {
                "name": {"type": "string"},
                "address": _object(
                    {"city": {"type": "string"}, "zip": {"type": "string"}}, ["city"]
                ),
                "phone": {"type": "string"},
            },
            ["name", "address"],
        ),
        "items": {"type": "array", "items": _object({"sku": {"type": "string"}}, ["sku"])},
        "order_numbers": {"type": "array", "items": {"type": "integer"}},
        "labels": {"type": "array", "items": {"type": "string", "enum": ["fragile", "urgent"]}},
    },
    ["customer", "items", "order_numbers", "labels"],
)
WEATHER = _object(
    {
        "city": {"type": "string"},
        "days": {"type": "integer"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    ["city", "unit"],
)
NO_PROSE_RULES = _object(
    {
        "kind": {"type": "string", "enum": ["short", "long"]},
        "detail": {
            "type": "string",
            "description": "Only when kind is 'long' (required). Must be filled for long ones.",
        },
    },
    ["kind"],
)
ACTION = _object({"action": {"type": "string", "enum": ["clock", "forecast", "add"]}}, ["action"])

# case, schema, user text, expected instance (exactly)
FILL_TABLE: list[tuple[str, dict[str, Any], str, Any]] = [
    (
        "typed defaults without evidence",
        EVERY_TYPE,
        "Do it, please.",
        {
            "name": "",
            "count": 0,
            "ratio": 0.5,
            "active": False,
            "level": "low",
            "tags": [],
            "pair": [0, 0],
            "when": "2025-01-01",
            "size": 3,
        },
    ),
    (
        "values from the conversation",
        EVERY_TYPE,
        (
            "Make name='Quarterly plan' with count 12, ratio 0.75, level high, active, "
            "tags 'q3' and 'budget' on 2024-03-08"
        ),
        {
            "name": "Quarterly plan",
            "count": 12,
            "ratio": 0.75,
            "active": True,
            "level": "high",
            "tags": ["q3", "budget"],
            "pair": [0, 0],
            "when": "2024-03-08",
            "size": 3,
        },
    ),
    (
        "optional omitted",
        WEATHER,
        "Weather in Oslo for 5 days",
        {"city": "Oslo", "unit": "celsius"},
    ),
    (
        "enum from the user's words",
        WEATHER,
        "Weather in Oslo in Fahrenheit",
        {"city": "Oslo", "unit": "fahrenheit"},
    ),
    (
        "anyOf: the variant named",
        PAYMENT,
        "Pay 250 in cash",
        {"amount": 250, "method": {"kind": "cash"}},
    ),
    (
        "anyOf: the variant named, other order",
        PAYMENT_REVERSED,
        "Pay 250 in cash",
        {"amount": 250, "method": {"kind": "cash"}},
    ),
    (
        "anyOf: card with its required number",
        PAYMENT_REVERSED,
        "Pay 250 by card 4111-1111",
        {"amount": 250, "method": {"kind": "card", "card_number": "4111-1111"}},
    ),
    (
        "anyOf: no evidence, the first variant with typed defaults",
        PAYMENT,
        "Pay 250",
        {"amount": 250, "method": {"kind": "card", "card_number": ""}},
    ),
    (
        "nested objects, minimal arrays",
        SHIPMENT,
        "Ship an order for customer Anna Petrova in Kazan",
        {
            "customer": {"name": "Anna Petrova", "address": {"city": "Kazan"}},
            "items": [],
            "order_numbers": [],
            "labels": [],
        },
    ),
    (
        "arrays take what the text gives",
        SHIPMENT,
        "Ship orders 12 and 15 for customer Anna Petrova in Kazan, urgent",
        {
            "customer": {"name": "Anna Petrova", "address": {"city": "Kazan"}},
            "items": [],
            "order_numbers": [12, 15],
            "labels": ["urgent"],
        },
    ),
    ("no rules read from descriptions", NO_PROSE_RULES, "A long one please", {"kind": "long"}),
    ("enum by the words' meaning: arithmetic", ACTION, "What is 2 plus 3?", {"action": "add"}),
    ("enum by the words' meaning", ACTION, "What is the weather in Oslo?", {"action": "forecast"}),
]


@pytest.mark.parametrize(
    ("schema", "text", "expected"),
    [row[1:] for row in FILL_TABLE],
    ids=[row[0] for row in FILL_TABLE],
)
def test_literal_fill(schema: dict[str, Any], text: str, expected: Any) -> None:
    instance = _literal(schema, text)
    assert instance == expected
    assert errors(instance, schema, schema) == []


@pytest.mark.parametrize(
    ("schema", "text"), [(WEATHER, "Weather in Oslo for 5 days"), (NO_PROSE_RULES, "long detail")]
)
def test_helpful_is_more_generous_but_reads_no_prose_either(
    schema: dict[str, Any], text: str
) -> None:
    literal, helpful = _literal(schema, text), _helpful(schema, text)
    assert set(literal) < set(helpful)  # helpful fills the optional field the user speaks of
    assert errors(helpful, schema, schema) == []
    assert _helpful(NO_PROSE_RULES, "A long one please") == {"kind": "long"}


CONVERT = _function(
    "convert_currency",
    "Convert an amount of money from one currency to another.",
    _object(
        {
            "amount": {"type": "number"},
            "source": {"type": "string", "description": "ISO code of the currency converted"},
            "target": {"type": "string", "description": "ISO code of the currency wanted"},
            "rounding": {"type": "integer"},
        },
        ["amount", "source", "target"],
    ),
)
TRANSLATE = _function(
    "translate_text",
    "Translate a text into another language.",
    _object(
        {"text": {"type": "string"}, "language": {"type": "string"}, "formal": {"type": "boolean"}},
        ["text", "language"],
    ),
)
STOCK = _function(
    "stock_price",
    "Latest trading price of a company's shares by ticker.",
    _object({"ticker": {"type": "string"}}, ["ticker"]),
)
REPORT = _function(
    "WeatherReport",
    "A weather report to return to the user.",
    _object(
        {
            "city": {"type": "string"},
            "temperature": {"type": "integer"},
            "summary": {"type": "string"},
        },
        ["city", "temperature"],
    ),
)
CURRENT_WEATHER = _function(
    "current_weather",
    "Current weather conditions in a city.",
    _object({"city": {"type": "string"}}, ["city"]),
)
OFFERED = (CONVERT, TRANSLATE, STOCK)

# prompt, function_call, expected call (name, arguments)
CHOICE_TABLE: list[tuple[str, str | None, tuple[str, dict[str, Any]]]] = [
    (
        "How much is 100 USD in euros?",
        "auto",
        ("convert_currency", {"amount": 100, "source": "USD", "target": "EUR"}),
    ),
    (
        "Translate 'good night' into French",
        "any",
        ("translate_text", {"text": "good night", "language": "French"}),
    ),
    ("What do shares of ticker 'SBER' trade at?", "any", ("stock_price", {"ticker": "SBER"})),
    (
        "Do it, please.",  # no evidence at all: the alphabetically first name, typed defaults
        "any",
        ("convert_currency", {"amount": 0, "source": "", "target": ""}),
    ),
]


@pytest.mark.parametrize(
    ("prompt", "function_call", "expected"),
    CHOICE_TABLE,
    ids=[row[0] for row in CHOICE_TABLE],
)
def test_function_choice_by_name_and_description_in_any_order(
    prompt: str, function_call: str, expected: tuple[str, dict[str, Any]]
) -> None:
    for functions in itertools.permutations(OFFERED):
        reply = _ask(prompt, functions, function_call)
        assert reply.function_call is not None, functions
        assert (reply.function_call["name"], reply.function_call["arguments"]) == expected


def test_unforced_small_talk_calls_nothing() -> None:
    reply = _ask("Good morning!", OFFERED, "auto")
    assert reply.function_call is None
    assert reply.content


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        (
            "Convert 20 EUR to RUB, round to 2",
            {"amount": 20, "source": "EUR", "target": "RUB"},
        ),
        ("Hello!", {"amount": 0, "source": "", "target": ""}),
    ],
)
def test_forced_call_gets_literal_arguments(prompt: str, expected: dict[str, Any]) -> None:
    reply = _ask(prompt, OFFERED, {"name": "convert_currency"})
    assert reply.function_call == {"name": "convert_currency", "arguments": expected}
    assert reply.finish_reason == "function_call"


def test_required_call_moves_on_and_reads_the_function_result() -> None:
    """An agent with a structured answer: the tool first, then the answer from its result."""
    question = "What are the current weather conditions in Paris?"
    first = _ask(question, (REPORT, CURRENT_WEATHER), "any")
    assert first.function_call == {"name": "current_weather", "arguments": {"city": "Paris"}}
    turns = (
        Turn("user", question),
        Turn("assistant", function_call=first.function_call),
        Turn("function", '{"temperature": 21, "conditions": "sunny"}', name="current_weather"),
    )
    second = _ask("", (REPORT, CURRENT_WEATHER), "any", turns=turns)
    assert second.function_call == {
        "name": "WeatherReport",
        "arguments": {"city": "Paris", "temperature": 21},
    }


def test_structured_output_is_literal_json() -> None:
    reply = _ask(
        "Weather in Oslo for 5 days",
        response_format={"type": "json_schema", "schema": WEATHER},
    )
    assert json.loads(reply.content) == {"city": "Oslo", "unit": "celsius"}


def test_parallel_calls_are_literal_too() -> None:
    reply = _ask(
        "Convert 5 USD to EUR and translate 'thanks' into Spanish",
        OFFERED,
        parallel_calls=True,
    )
    assert [(call["name"], call["arguments"]) for call in reply.calls] == [
        ("convert_currency", {"amount": 5, "source": "USD", "target": "EUR"}),
        ("translate_text", {"text": "thanks", "language": "Spanish"}),
    ]


def test_behaviour_is_checked_and_helpful_by_default() -> None:
    assert Brain().behaviour == "helpful"
    assert Brain(behaviour="literal").behaviour == "literal"
    with pytest.raises(ValueError, match="helpful, literal"):
        Brain(behaviour="strict")  # type: ignore[arg-type]
