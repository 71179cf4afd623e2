"""Table-driven tests for tool → GigaChat function conversion (pure, no I/O)."""

from __future__ import annotations

import warnings
from typing import Annotated, Any, Literal

import pytest
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import InjectedToolArg, StructuredTool, tool
from pydantic import BaseModel, ConfigDict, Field
from pydantic import v1 as pydantic_v1
from typing_extensions import TypedDict

from langchain_gigachat_ext.errors import GigaChatInvalidInputError
from langchain_gigachat_ext.tools.functions import (
    GigaChatFunction,
    GigaChatSchemaWarning,
    ToolSet,
    convert_to_gigachat_function,
    convert_tools,
)
from langchain_gigachat_ext.tools.schema import SchemaCompilationError

FEW_SHOT = [{"request": "Погода в Москве на 3 дня", "params": {"city": "Москва", "days": 3}}]
RETURNS = {"type": "object", "properties": {"temperature": {"type": "integer"}}}


@tool(extras={"few_shot_examples": FEW_SHOT, "return_parameters": RETURNS})
def get_weather(city: str, days: int = 3) -> str:
    """Get the weather forecast."""
    return f"{city}: {days}"


class WeatherArgs(BaseModel):
    """Weather query."""

    city: str = Field(description="City name")
    days: int = Field(3, ge=1, le=10)


def _forecast(city: str, days: int = 3) -> str:
    return f"{city}: {days}"


structured = StructuredTool.from_function(
    _forecast, name="forecast", description="Forecast.", args_schema=WeatherArgs
)


class Args(TypedDict):
    """Arguments."""

    a: int
    b: str


as_tool = RunnableLambda(lambda args: args["a"]).as_tool(
    name="echo_a", description="Echo a.", args_schema=Args
)


class Lookup(BaseModel):
    """Look something up."""

    model_config = ConfigDict(json_schema_extra={"few_shot_examples": FEW_SHOT})

    query: str
    limit: int | None = None


class LookupV1(pydantic_v1.BaseModel):
    """Look something up (v1)."""

    query: str
    mode: Literal[1, 2] = 1


class Move(TypedDict):
    """Move a piece."""

    piece: Annotated[str, ..., "Which piece"]
    steps: int


def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: First.
        b: Second.
    """
    return a + b


def _delete(path: str, user_id: Annotated[str, InjectedToolArg]) -> str:
    return path + user_id


delete_file = StructuredTool.from_function(_delete, name="delete_file", description="Delete.")

WEATHER_PARAMETERS = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "City name"},
        "days": {"type": "integer", "description": "Minimum 1. Maximum 10. Default: 3."},
    },
    "required": ["city"],
}

SET_LIMIT = {
    "type": "function",
    "function": {
        "name": "set-limit",
        "description": "Set a limit.",
        "parameters": {
            "type": "object",
            "properties": {"n": {"anyOf": [{"type": "integer"}, {"type": "null"}], "minimum": 0}},
            "required": ["n"],
        },
    },
}

# Each row: tool, exact wire payload, exact losses, original name.
PAYLOAD_CASES = [
    pytest.param(
        get_weather,
        {
            "name": "get_weather",
            "description": "Get the weather forecast.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "days": {"type": "integer", "description": "Default: 3."},
                },
                "required": ["city"],
            },
            "few_shot_examples": FEW_SHOT,
            "return_parameters": RETURNS,
        },
        (),
        "get_weather",
        id="tool-decorator-with-extras",
    ),
    pytest.param(
        structured,
        {"name": "forecast", "description": "Forecast.", "parameters": WEATHER_PARAMETERS},
        ("days: 'minimum' moved to description", "days: 'maximum' moved to description"),
        "forecast",
        id="structured-tool-pydantic-args",
    ),
    pytest.param(
        as_tool,
        {
            "name": "echo_a",
            "description": "Echo a.",
            "parameters": {
                "type": "object",
                "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
                "required": ["a", "b"],
            },
        },
        (),
        "echo_a",
        id="runnable-as-tool",
    ),
    pytest.param(
        Lookup,
        {
            "name": "Lookup",
            "description": "Look something up.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}, "limit": {"type": "integer"}},
                "required": ["query"],
            },
            "few_shot_examples": FEW_SHOT,
        },
        (),
        "Lookup",
        id="pydantic-v2-json-schema-extra",
    ),
    pytest.param(
        LookupV1,
        {
            "name": "LookupV1",
            "description": "Look something up (v1).",
            "parameters": {
                "type": "object",
                "properties": {
                    "query": {"type": "string"},
                    "mode": {"type": "string", "enum": ["1", "2"], "description": "Default: 1."},
                },
                "required": ["query"],
            },
        },
        (),
        "LookupV1",
        id="pydantic-v1",
    ),
    pytest.param(
        Move,
        {
            "name": "Move",
            "description": "Move a piece.",
            "parameters": {
                "type": "object",
                "properties": {
                    "piece": {"type": "string", "description": "Which piece"},
                    "steps": {"type": "integer"},
                },
                "required": ["piece", "steps"],
            },
        },
        (),
        "Move",
        id="typeddict",
    ),
    pytest.param(
        add,
        {
            "name": "add",
            "description": "Add two numbers.",
            "parameters": {
                "type": "object",
                "properties": {
                    "a": {"type": "integer", "description": "First."},
                    "b": {"type": "integer", "description": "Second."},
                },
                "required": ["a", "b"],
            },
        },
        (),
        "add",
        id="plain-callable",
    ),
    pytest.param(
        delete_file,
        {
            "name": "delete_file",
            "description": "Delete.",
            "parameters": {
                "type": "object",
                "properties": {"path": {"type": "string"}},
                "required": ["path"],
            },
        },
        (),
        "delete_file",
        id="injected-argument-hidden",
    ),
    pytest.param(
        SET_LIMIT,
        {
            "name": "set_limit",
            "description": "Set a limit.",
            "parameters": {
                "type": "object",
                "properties": {"n": {"type": "integer", "description": "Minimum 0."}},
                "required": ["n"],
            },
        },
        ("n: 'minimum' moved to description",),
        "set-limit",
        id="openai-tool-dict-anyOf-int-null",
    ),
    pytest.param(
        {
            "name": "найти_книгу",
            "parameters": {"type": "object", "properties": {"title": {"type": "string"}}},
            "few_shot_examples": FEW_SHOT,
        },
        {
            "name": "nayti_knigu",
            "description": "Найти книгу.",
            "parameters": {"type": "object", "properties": {"title": {"type": "string"}}},
            "few_shot_examples": FEW_SHOT,
        },
        ("description missing; synthesised from the name: 'Найти книгу.'",),
        "найти_книгу",
        id="bare-function-dict-cyrillic-no-description",
    ),
    pytest.param(
        {
            "title": "SearchDocs",
            "description": "Search documents.",
            "type": "object",
            "properties": {"q": {"type": "string"}, "top": {"type": "integer", "maximum": 50}},
            "required": ["q"],
            "return_parameters": {"type": "object", "properties": {"hits": {"type": "array"}}},
        },
        {
            "name": "SearchDocs",
            "description": "Search documents.",
            "parameters": {
                "type": "object",
                "properties": {
                    "q": {"type": "string"},
                    "top": {"type": "integer", "description": "Maximum 50."},
                },
                "required": ["q"],
            },
            "return_parameters": {
                "type": "object",
                "properties": {
                    "hits": {
                        "type": "array",
                        "description": "Items may be any value, sent as text.",
                        "items": {"type": "string"},
                    }
                },
            },
        },
        (
            "top: 'maximum' moved to description",
            "return_parameters: hits: array items have no type; exposed as strings",
        ),
        "SearchDocs",
        id="raw-json-schema-top-level-required",
    ),
]


@pytest.mark.parametrize(("tool_like", "payload", "losses", "original"), PAYLOAD_CASES)
def test_convert_to_gigachat_function(
    tool_like: Any, payload: dict[str, Any], losses: tuple[str, ...], original: str
) -> None:
    function = convert_to_gigachat_function(tool_like)

    assert function.to_payload() == payload
    assert function.losses == losses
    assert function.original_name == original
    assert function.name == payload["name"]
    assert function.parameters == payload["parameters"]


# Each row: tool, model answer, restored answer, a validator for the original schema.
RESTORE_CASES = [
    pytest.param(structured, {"city": "Kazan", "days": "4"}, {"city": "Kazan", "days": 4}),
    pytest.param(LookupV1, {"query": "q", "mode": "2"}, {"query": "q", "mode": 2}),
    pytest.param(Lookup, {"query": "q", "limit": "10"}, {"query": "q", "limit": 10}),
    pytest.param(get_weather, {"city": "Tver", "days": "2"}, {"city": "Tver", "days": 2}),
]


@pytest.mark.parametrize(("tool_like", "answer", "restored"), RESTORE_CASES)
def test_restore_validates_against_original(
    tool_like: Any, answer: dict[str, Any], restored: dict[str, Any]
) -> None:
    function = convert_to_gigachat_function(tool_like)

    result = function.restore(answer)

    assert result == restored
    if isinstance(tool_like, type):
        parsed = (
            tool_like.model_validate(result)
            if hasattr(tool_like, "model_validate")
            else tool_like.parse_obj(result)
        )
        assert parsed.query == "q"
    else:
        assert tool_like.invoke(result)


def test_converted_function_passes_through() -> None:
    function = convert_to_gigachat_function(get_weather)

    assert convert_to_gigachat_function(function) is function


def test_to_payload_is_a_deep_copy() -> None:
    function = convert_to_gigachat_function(get_weather)

    payload = function.to_payload()
    payload["parameters"]["properties"]["city"]["type"] = "integer"
    payload["few_shot_examples"][0]["request"] = "changed"

    assert function.to_payload()["parameters"]["properties"]["city"]["type"] == "string"
    assert function.to_payload()["few_shot_examples"] == FEW_SHOT


BAD_TOOLS = [
    pytest.param(42, GigaChatInvalidInputError, "unsupported tool", id="number"),
    pytest.param(
        {"description": "x"}, GigaChatInvalidInputError, "needs a 'name'", id="dict-without-name"
    ),
    pytest.param(
        {"name": "f", "parameters": {"type": "object"}, "few_shot_examples": "oops"},
        GigaChatInvalidInputError,
        "few_shot_examples must be a list",
        id="few-shot-not-a-list",
    ),
    pytest.param(
        {"name": "f", "parameters": {"type": "object", "properties": {"a": {"not": {}}}}},
        SchemaCompilationError,
        "schema 'f' at a: 'not' cannot be expressed",
        id="inexpressible-schema",
    ),
]


@pytest.mark.parametrize(("tool_like", "error", "message"), BAD_TOOLS)
def test_bad_tools_raise_clearly(tool_like: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        convert_to_gigachat_function(tool_like)


# --------------------------------------------------------------------------- ToolSet


def test_convert_tools_maps_names_both_ways() -> None:
    toolset = convert_tools([get_weather, {"name": "get-time", "description": "Time."}])

    assert [payload["name"] for payload in toolset.payloads()] == ["get_weather", "get_time"]
    assert toolset.by_wire_name["get_time"].original_name == "get-time"
    assert toolset.by_original_name["get-time"].name == "get_time"
    assert toolset.wire_name("get-time") == "get_time"
    assert toolset.wire_name("unknown") == "unknown"


RESTORE_CALL_CASES = [
    pytest.param("set_limit", {"n": "5"}, ("set-limit", {"n": 5}), id="wire-name"),
    pytest.param("set-limit", {"n": "5"}, ("set-limit", {"n": 5}), id="original-name-echoed"),
    pytest.param("set_limit", '{"n": "6"}', ("set-limit", {"n": 6}), id="json-string-arguments"),
    pytest.param("text2image", {"query": "cat"}, ("text2image", {"query": "cat"}), id="unknown"),
    pytest.param("text2image", "junk", ("text2image", {}), id="unknown-with-junk"),
]


@pytest.mark.parametrize(("wire_name", "arguments", "expected"), RESTORE_CALL_CASES)
def test_restore_call(wire_name: str, arguments: Any, expected: tuple[str, Any]) -> None:
    toolset = convert_tools([SET_LIMIT], warn=False)

    assert toolset.restore_call(wire_name, arguments) == expected


DUPLICATE_CASES = [
    pytest.param(
        [{"name": "get-time"}, {"name": "get_time"}],
        "tools 'get-time' and 'get_time' both become the GigaChat function name 'get_time'",
        id="wire-clash",
    ),
    pytest.param(
        [
            get_weather,
            {"name": "get_weather", "description": "Other.", "parameters": {"type": "object"}},
        ],
        "two tools are named 'get_weather'",
        id="same-name-different-schema",
    ),
]


def test_identical_repeats_are_sent_once() -> None:
    # The standard suite binds a pydantic model together with its own JSON schema.
    toolset = convert_tools([get_weather, get_weather], warn=False)
    assert [function.original_name for function in toolset.functions] == ["get_weather"]


@pytest.mark.parametrize(("tools", "message"), DUPLICATE_CASES)
def test_duplicate_names_are_rejected(tools: list[Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        convert_tools(tools, warn=False)


def test_one_warning_lists_every_loss() -> None:
    with pytest.warns(GigaChatSchemaWarning) as caught:
        toolset = convert_tools([structured, get_weather, {"name": "ping"}])

    assert len(caught) == 1
    message = str(caught[0].message)
    assert toolset.losses == (
        "forecast: days: 'minimum' moved to description",
        "forecast: days: 'maximum' moved to description",
        "ping: description missing; synthesised from the name: 'Ping.'",
    )
    for loss in toolset.losses:
        assert f"- {loss}" in message
    assert caught[0].filename == __file__


@pytest.mark.parametrize(
    ("tools", "warn"),
    [
        pytest.param([get_weather], True, id="no-losses"),
        pytest.param([structured], False, id="warn-disabled"),
    ],
)
def test_no_warning(tools: list[Any], warn: bool) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        toolset = convert_tools(tools, warn=warn)

    assert len(toolset.functions) == 1


def test_empty_toolset() -> None:
    toolset = ToolSet()

    assert toolset.payloads() == []
    assert toolset.restore_call("x", {"a": 1}) == ("x", {"a": 1})


def test_function_equality_ignores_restore_plan() -> None:
    first = convert_to_gigachat_function(get_weather)
    second = convert_to_gigachat_function(get_weather)

    assert first == second
    assert isinstance(first, GigaChatFunction)
