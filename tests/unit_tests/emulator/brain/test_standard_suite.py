"""The brain against the exact prompts of langchain-tests' ChatModelIntegrationTests.

The table mirrors how our adapter sends them: tools become v1 ``functions``, ``tool_choice="any"``
with one tool or a named tool becomes a forced ``function_call={"name": ...}``.
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


MAGIC = _function(
    "magic_function", "Apply a magic function to an input.", {"input": {"type": "integer"}}
)
MAGIC_NO_ARGS = _function("magic_function_no_args", "Calculate a magic function.", {}, [])
GET_WEATHER = _function(
    "get_weather", "Get the weather at a location.", {"location": {"type": "string"}}
)
ADDER = _function(
    "my_adder_tool",
    "Tool that adds two integers.\n\nTakes two integers, a and b, and returns their sum.",
    {"a": {"type": "integer"}, "b": {"type": "integer"}},
)
GREETING = _function(
    "greeting_generator",
    "Generate a greeting in a particular style of speaking.",
    {"answer_style": {"type": "string"}},
)
UNICODE_CUSTOMER = _function(
    "unicode_customer",
    "Tool for creating a customer with Unicode name.",
    {
        "customer_name": {
            "type": "string",
            "description": "The customer's name in their native language.",
        },
        "description": {"type": "string", "description": "Description of the customer."},
    },
)
JOKE = _function(
    "Joke",
    "Joke to tell user.",
    {
        "setup": {"type": "string", "description": "question to set up a joke"},
        "punchline": {"type": "string", "description": "answer to resolve the joke"},
    },
)
JOKE_OPTIONAL_PUNCHLINE = _function(
    "Joke",
    "Joke to tell user.",
    {
        "setup": {"type": "string", "description": "question to set up a joke"},
        "punchline": {"type": "string", "description": "answer to resolve the joke"},
    },
    ["setup"],
)

MAGIC_PROMPT = "What is the value of magic_function(3)? Use the tool."
NO_ARGS_PROMPT = "What is the value of magic_function_no_args()? Use the tool."
CHINESE_PROMPT = "Create a customer named '你好啊集团' (Hello Group) - a Chinese technology company"
JAPANESE_PROMPT = (
    "Create a customer named 'こんにちは株式会社' (Hello Corporation) - a Japanese company"
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


# test name, prompt, functions, function_call sent, expected name, expected arguments
CALL_TABLE = [
    (
        "test_tool_calling[forced]",
        MAGIC_PROMPT,
        (MAGIC,),
        {"name": "magic_function"},
        "magic_function",
        {"input": 3},
    ),
    ("test_tool_calling[auto]", MAGIC_PROMPT, (MAGIC,), None, "magic_function", {"input": 3}),
    (
        "test_tool_calling_with_no_arguments[forced]",
        NO_ARGS_PROMPT,
        (MAGIC_NO_ARGS,),
        {"name": "magic_function_no_args"},
        "magic_function_no_args",
        {},
    ),
    (
        "test_tool_calling_with_no_arguments[auto]",
        NO_ARGS_PROMPT,
        (MAGIC_NO_ARGS,),
        "auto",
        "magic_function_no_args",
        {},
    ),
    (
        "test_tool_choice[magic_function]",
        "Hello!",
        (MAGIC, GET_WEATHER),
        {"name": "magic_function"},
        "magic_function",
        {"input": 1},
    ),
    (
        "test_bind_runnables_as_tools",
        "Using the tool, generate a Pirate greeting.",
        (GREETING,),
        {"name": "greeting_generator"},
        "greeting_generator",
        {"answer_style": "Pirate"},
    ),
    (
        "test_agent_loop[step1]",
        "What is the weather in San Francisco, CA?",
        (GET_WEATHER,),
        None,
        "get_weather",
        {"location": "San Francisco, CA"},
    ),
    (
        "test_structured_output[function_calling]",
        "Tell me a joke about cats.",
        (JOKE,),
        {"name": "Joke"},
        "Joke",
        {"setup", "punchline"},
    ),
]


@pytest.mark.parametrize("row", CALL_TABLE, ids=[row[0] for row in CALL_TABLE])
def test_standard_prompt_calls(row: tuple[Any, ...]) -> None:
    """Expected arguments: an exact dict, or a set of keys when the values are free text."""
    _case, prompt, functions, function_call, expected_name, expected_arguments = row
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
    ("prompt", "expected_fragment"),
    [(CHINESE_PROMPT, "你好啊集团"), (JAPANESE_PROMPT, "こんにちは株式会社")],
)
def test_unicode_tool_call_arguments_come_back_exactly(prompt: str, expected_fragment: str) -> None:
    reply = _ask(prompt, (UNICODE_CUSTOMER,), {"name": "unicode_customer"})
    assert reply.function_call is not None
    arguments = reply.function_call["arguments"]
    assert arguments["customer_name"] == expected_fragment
    assert arguments["description"]
    assert "\\u" not in json.dumps(arguments, ensure_ascii=False)


def test_unforced_greeting_does_not_call_tools() -> None:
    reply = _ask("Hello!", (MAGIC, GET_WEATHER), "auto")
    assert reply.function_call is None
    assert reply.content


@pytest.mark.parametrize(
    ("prompt", "has_punchline"),
    [
        ("Give me the setup to a joke about cats, no punchline.", False),
        ("Give me a joke about cats, include the punchline.", True),
    ],
)
def test_structured_output_optional_param(prompt: str, has_punchline: bool) -> None:
    reply = _ask(prompt, (JOKE_OPTIONAL_PUNCHLINE,), {"name": "Joke"})
    assert reply.function_call is not None
    arguments = reply.function_call["arguments"]
    assert "cat" in arguments["setup"]
    assert ("punchline" in arguments) is has_punchline


class Joke(BaseModel):
    setup: str
    punchline: str


def test_structured_output_json_schema_is_pretty_json() -> None:
    schema = {
        "title": "Joke",
        "description": "Joke to tell user.",
        "type": "object",
        "properties": {
            "setup": {
                "title": "Setup",
                "description": "question to set up a joke",
                "type": "string",
            },
            "punchline": {
                "title": "Punchline",
                "description": "answer to resolve the joke",
                "type": "string",
            },
        },
        "required": ["setup", "punchline"],
    }
    reply = _ask(
        "Tell me a joke about cats.", response_format={"type": "json_schema", "schema": schema}
    )
    joke = Joke.model_validate_json(reply.content)
    assert "cat" in joke.setup
    assert reply.content.startswith('{\n    "setup": ')
    assert "".join(reply.chunks) == reply.content


def test_json_mode_uses_keys_named_in_the_prompt() -> None:
    prompt = (
        "Tell me a joke about cats. Return the result as a JSON with 'setup' and "
        "'punchline' keys. Return nothing other than JSON."
    )
    reply = _ask(prompt, response_format={"type": "json_object"})
    joke = Joke.model_validate_json(reply.content)
    assert joke.setup != joke.punchline


def _history(result: str, arguments: dict[str, Any]) -> tuple[Turn, ...]:
    return (
        Turn("user", "What is 1 + 2"),
        Turn("assistant", "", function_call={"name": "my_adder_tool", "arguments": arguments}),
        Turn("function", result, name="my_adder_tool"),
    )


@pytest.mark.parametrize(
    ("result", "arguments", "expected"),
    [
        ('{"result": 3}', {"a": 1, "b": 2}, "According to my_adder_tool: 3"),
        (
            '{"result": "Error: Missing required argument \'b\'."}',
            {"a": 1},
            "The tool my_adder_tool reported an error: Error: Missing required argument 'b'.",
        ),
    ],
    ids=["test_tool_message_histories_string_content", "test_tool_message_error_status"],
)
def test_function_result_is_answered_in_text(
    result: str, arguments: dict[str, Any], expected: str
) -> None:
    conversation = Conversation(
        model="GigaChat-2", turns=_history(result, arguments), functions=(ADDER,)
    )
    reply = Brain().reply(conversation)
    assert reply.function_call is None
    assert reply.content == expected


def test_agent_loop_second_step_quotes_the_tool_result() -> None:
    turns = (
        Turn("user", "What is the weather in San Francisco, CA?"),
        Turn(
            "assistant",
            "",
            function_call={"name": "get_weather", "arguments": {"location": "San Francisco, CA"}},
        ),
        Turn("function", '{"result": "It\'s sunny."}', name="get_weather"),
    )
    reply = Brain().reply(Conversation(model="GigaChat-2", turns=turns, functions=(GET_WEATHER,)))
    assert reply.function_call is None
    assert "It's sunny." in reply.content


def test_structured_few_shot_examples_call_with_the_new_numbers() -> None:
    turns = (
        Turn("user", "What is 1 + 2"),
        Turn(
            "assistant", "", function_call={"name": "my_adder_tool", "arguments": {"a": 1, "b": 2}}
        ),
        Turn("function", '{"result": 3}', name="my_adder_tool"),
        Turn("assistant", '{"result": 3}'),
        Turn("user", "What is 3 + 4"),
    )
    conversation = Conversation(
        model="GigaChat-2", turns=turns, functions=(ADDER,), function_call={"name": "my_adder_tool"}
    )
    reply = Brain().reply(conversation)
    assert reply.function_call == {"name": "my_adder_tool", "arguments": {"a": 3, "b": 4}}


def test_forced_call_repeats_even_after_a_function_result() -> None:
    conversation = Conversation(
        model="GigaChat-2",
        turns=_history('{"result": 3}', {"a": 1, "b": 2}),
        functions=(ADDER,),
        function_call={"name": "my_adder_tool"},
    )
    reply = Brain().reply(conversation)
    assert reply.function_call is not None


@pytest.mark.parametrize("prompt", ["hi", "Hello", "hello", "how are you"])
def test_simple_prompts_get_short_text_with_usage(prompt: str) -> None:
    reply = _ask(prompt)
    assert reply.content
    assert reply.finish_reason == "stop"
    assert reply.prompt_tokens > 0
    assert reply.completion_tokens > 0
    assert "".join(reply.chunks) == reply.content


DISPATCHER = _function(
    "choose_and_call_tool",
    "Call exactly one of the available tools.",
    {
        "tool": {"type": "string", "enum": ["magic_function", "get_weather"]},
        "magic_function": MAGIC["parameters"],
        "get_weather": GET_WEATHER["parameters"],
    },
    ["tool"],
)


@pytest.mark.parametrize(
    ("prompt", "expected_arguments"),
    [
        ("Hello!", {"tool": "magic_function", "magic_function": {"input": 1}}),
        (
            "What's the weather in Paris?",
            {"tool": "get_weather", "get_weather": {"location": "Paris"}},
        ),
    ],
)
def test_forced_dispatcher_fills_only_the_chosen_branch(
    prompt: str, expected_arguments: dict[str, Any]
) -> None:
    """test_tool_choice[any] with several tools: the adapter's forced synthetic dispatcher."""
    reply = _ask(prompt, (DISPATCHER,), {"name": "choose_and_call_tool"})
    assert reply.function_call == {"name": "choose_and_call_tool", "arguments": expected_arguments}
