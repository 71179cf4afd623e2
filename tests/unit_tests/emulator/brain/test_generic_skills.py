"""The helpful brain's generic skills: call a named tool, greet, do arithmetic, tell a joke,
answer with a function result, fill a schema from the user's words.

The prompts and functions are this file's own; the brain knows no client's prompts or
encodings (``test_agnostic.py`` checks its sources).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from langchain_gigachat_ext.emulator.brain.core import Brain, Conversation, Reply, Turn


def _function(
    name: str, description: str, properties: dict[str, Any], required: list[str] | None = None
) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "parameters": {
            "type": "object",
            "properties": properties,
            "required": list(properties) if required is None else required,
        },
    }


SQUARE_ROOT = _function(
    "square_root", "Square root of a whole number.", {"number": {"type": "integer"}}
)
ROLL_DICE = _function("roll_dice", "Roll a six-sided die.", {}, [])
FORECAST = _function("forecast", "Weather forecast for a city.", {"city": {"type": "string"}})
SUBTRACT = _function(
    "subtract",
    "Subtract the second whole number from the first.",
    {"x": {"type": "integer"}, "y": {"type": "integer"}},
)
FAREWELL = _function(
    "farewell_writer", "Write a farewell in a given tone.", {"tone": {"type": "string"}}
)
COMPANY = _function(
    "register_company",
    "Register a company in the registry.",
    {
        "company_name": {"type": "string", "description": "Name as written in its country."},
        "summary": {"type": "string", "description": "What the company does."},
    },
)
ANECDOTE = _function(
    "Anecdote",
    "A short funny story.",
    {
        "setup": {"type": "string", "description": "the opening line"},
        "punchline": {"type": "string", "description": "the funny ending"},
    },
)
ANECDOTE_OPTIONAL_ENDING = _function(
    "Anecdote",
    "A short funny story.",
    {
        "setup": {"type": "string", "description": "the opening line"},
        "punchline": {"type": "string", "description": "the funny ending"},
    },
    ["setup"],
)


def _ask(
    text: str,
    functions: tuple[dict[str, Any], ...] = (),
    function_call: str | dict[str, Any] | None = None,
    **kwargs: Any,
) -> Reply:
    conversation = Conversation(
        model="GigaChat-2",
        turns=(Turn("user", text),),
        functions=functions,
        function_call=function_call,
        **kwargs,
    )
    return Brain().reply(conversation)


# skill, prompt, functions, function_call sent, expected name, expected arguments
CALL_TABLE = [
    (
        "named tool with a number, forced",
        "What does square_root(16) give? Use the tool.",
        (SQUARE_ROOT,),
        {"name": "square_root"},
        "square_root",
        {"number": 16},
    ),
    (
        "named tool with a number, auto",
        "What does square_root(16) give? Use the tool.",
        (SQUARE_ROOT,),
        None,
        "square_root",
        {"number": 16},
    ),
    (
        "tool without parameters, forced",
        "Roll the die for me with the tool.",
        (ROLL_DICE,),
        {"name": "roll_dice"},
        "roll_dice",
        {},
    ),
    (
        "tool without parameters, auto",
        "Roll the die for me with the tool.",
        (ROLL_DICE,),
        "auto",
        "roll_dice",
        {},
    ),
    (
        "forced without evidence: a typed placeholder",
        "Good morning!",
        (SQUARE_ROOT, FORECAST),
        {"name": "square_root"},
        "square_root",
        {"number": 1},
    ),
    (
        "a capitalised word as the style",
        "Using the tool, write a Shakespearean farewell.",
        (FAREWELL,),
        {"name": "farewell_writer"},
        "farewell_writer",
        {"tone": "Shakespearean"},
    ),
    (
        "a place after a preposition",
        "Will it rain in Nizhny Novgorod tomorrow? Check the weather forecast.",
        (FORECAST,),
        None,
        "forecast",
        {"city": "Nizhny Novgorod"},
    ),
    (
        "a joke-shaped schema",
        "Tell me an anecdote about penguins.",
        (ANECDOTE,),
        {"name": "Anecdote"},
        "Anecdote",
        {"setup", "punchline"},
    ),
]


@pytest.mark.parametrize("row", CALL_TABLE, ids=[row[0] for row in CALL_TABLE])
def test_calls(row: tuple[Any, ...]) -> None:
    """Expected arguments: an exact dict, or a set of keys when the values are free text."""
    _skill, prompt, functions, function_call, expected_name, expected_arguments = row
    reply = _ask(prompt, functions, function_call)
    assert reply.function_call is not None
    assert reply.function_call["name"] == expected_name
    assert reply.finish_reason == "function_call"
    assert reply.content == ""
    assert reply.chunks == ()
    if isinstance(expected_arguments, set):
        assert set(reply.function_call["arguments"]) == expected_arguments
        assert all(reply.function_call["arguments"].values())
    else:
        assert reply.function_call["arguments"] == expected_arguments


@pytest.mark.parametrize(
    ("prompt", "expected_name"),
    [
        ("Register a company called '東京商事' (Tokyo Trading), a Japanese trader", "東京商事"),
        ("Register a company called «Ромашка» — a flower shop in Kazan", "Ромашка"),
    ],
)
def test_unicode_arguments_come_back_exactly(prompt: str, expected_name: str) -> None:
    reply = _ask(prompt, (COMPANY,), {"name": "register_company"})
    assert reply.function_call is not None
    arguments = reply.function_call["arguments"]
    assert arguments["company_name"] == expected_name
    assert arguments["summary"]
    assert "\\u" not in json.dumps(arguments, ensure_ascii=False)


def test_unforced_greeting_does_not_call_tools() -> None:
    reply = _ask("Good morning!", (SQUARE_ROOT, FORECAST), "auto")
    assert reply.function_call is None
    assert reply.content


@pytest.mark.parametrize(
    ("prompt", "has_punchline"),
    [
        ("Only the setup of an anecdote about owls, without a punchline.", False),
        ("An anecdote about owls, with the punchline please.", True),
    ],
)
def test_optional_property_follows_the_request(prompt: str, has_punchline: bool) -> None:
    reply = _ask(prompt, (ANECDOTE_OPTIONAL_ENDING,), {"name": "Anecdote"})
    assert reply.function_call is not None
    arguments = reply.function_call["arguments"]
    assert "owl" in arguments["setup"]
    assert ("punchline" in arguments) is has_punchline


class Anecdote(BaseModel):
    setup: str
    punchline: str


def test_json_schema_answer_is_pretty_json() -> None:
    schema = {
        "title": "Anecdote",
        "type": "object",
        "properties": {
            "setup": {"type": "string", "description": "the opening line"},
            "punchline": {"type": "string", "description": "the funny ending"},
        },
        "required": ["setup", "punchline"],
    }
    reply = _ask(
        "Tell me an anecdote about penguins.",
        response_format={"type": "json_schema", "schema": schema},
    )
    anecdote = Anecdote.model_validate_json(reply.content)
    assert "penguin" in anecdote.setup
    assert reply.content.startswith('{\n    "setup": ')
    assert "".join(reply.chunks) == reply.content


def test_json_mode_uses_keys_named_in_the_prompt() -> None:
    prompt = "Describe a cat named 'Tom'. Reply as JSON with 'name' and 'color' keys only."
    reply = _ask(prompt, response_format={"type": "json_object"})
    described = json.loads(reply.content)
    assert set(described) >= {"name", "color"}


def _history(result: str, arguments: dict[str, Any]) -> tuple[Turn, ...]:
    return (
        Turn("user", "What is 9 - 4"),
        Turn("assistant", "", function_call={"name": "subtract", "arguments": arguments}),
        Turn("function", result, name="subtract"),
    )


@pytest.mark.parametrize(
    ("result", "arguments", "expected"),
    [
        ('{"result": 5}', {"x": 9, "y": 4}, "According to subtract: 5"),
        (
            '{"result": "Error: y is missing."}',
            {"x": 9},
            "The tool subtract reported an error: Error: y is missing.",
        ),
    ],
    ids=["result", "error"],
)
def test_function_result_is_answered_in_text(
    result: str, arguments: dict[str, Any], expected: str
) -> None:
    conversation = Conversation(
        model="GigaChat-2", turns=_history(result, arguments), functions=(SUBTRACT,)
    )
    reply = Brain().reply(conversation)
    assert reply.function_call is None
    assert reply.content == expected


def test_second_agent_step_quotes_the_tool_result() -> None:
    turns = (
        Turn("user", "Will it rain in Tver tomorrow?"),
        Turn("assistant", "", function_call={"name": "forecast", "arguments": {"city": "Tver"}}),
        Turn("function", '{"result": "Light rain after noon."}', name="forecast"),
    )
    reply = Brain().reply(Conversation(model="GigaChat-2", turns=turns, functions=(FORECAST,)))
    assert reply.function_call is None
    assert "Light rain after noon." in reply.content


def test_forced_call_after_an_example_takes_the_new_numbers() -> None:
    turns = (
        *_history('{"result": 5}', {"x": 9, "y": 4}),
        Turn("assistant", '{"result": 5}'),
        Turn("user", "What is 20 - 7"),
    )
    conversation = Conversation(
        model="GigaChat-2", turns=turns, functions=(SUBTRACT,), function_call={"name": "subtract"}
    )
    reply = Brain().reply(conversation)
    assert reply.function_call == {"name": "subtract", "arguments": {"x": 20, "y": 7}}


def test_forced_call_repeats_even_after_a_function_result() -> None:
    conversation = Conversation(
        model="GigaChat-2",
        turns=_history('{"result": 5}', {"x": 9, "y": 4}),
        functions=(SUBTRACT,),
        function_call={"name": "subtract"},
    )
    reply = Brain().reply(conversation)
    assert reply.function_call is not None


@pytest.mark.parametrize("prompt", ["hey", "Good evening", "how are you doing"])
def test_simple_prompts_get_short_text_with_usage(prompt: str) -> None:
    reply = _ask(prompt)
    assert reply.content
    assert reply.finish_reason == "stop"
    assert reply.prompt_tokens > 0
    assert reply.completion_tokens > 0
    assert "".join(reply.chunks) == reply.content


def test_arithmetic_is_answered() -> None:
    assert "= 42" in _ask("What is 6 * 7?").content


CHOOSER = _function(
    "pick",
    "Pick one option.",
    {
        "option": {"type": "string", "enum": ["square_root", "forecast"]},
        "square_root": SQUARE_ROOT["parameters"],
        "forecast": FORECAST["parameters"],
    },
    ["option"],
)


@pytest.mark.parametrize(
    ("prompt", "expected_arguments"),
    [
        ("Good morning!", {"option": "square_root"}),
        ("What is the forecast for Paris?", {"option": "forecast", "forecast": {"city": "Paris"}}),
        ("Take the square root of 81", {"option": "square_root", "square_root": {"number": 81}}),
    ],
)
def test_enum_follows_the_words_and_optional_objects_need_evidence(
    prompt: str, expected_arguments: dict[str, Any]
) -> None:
    """An enum option the user speaks of; an optional object only when the user speaks of it."""
    reply = _ask(prompt, (CHOOSER,), {"name": "pick"})
    assert reply.function_call == {"name": "pick", "arguments": expected_arguments}
