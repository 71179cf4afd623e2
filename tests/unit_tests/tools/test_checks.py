"""Tool definitions checked at bind time (issue 24 items 4 and 5): typed errors, no request."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.tools import tool

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.errors import GigaChatInvalidInputError
from langchain_gigachat_ext.tools._names import MAX_FUNCTION_NAME_LENGTH, sanitize_function_name
from langchain_gigachat_ext.tools.binding import DISPATCHER_NAME, plan_tools
from langchain_gigachat_ext.tools.checks import MAX_SCHEMA_DEPTH, check_schema
from langchain_gigachat_ext.tools.functions import convert_tools
from langchain_gigachat_ext.tools.schema import SchemaCompilationError, compile_schema


def _nested(levels: int) -> dict[str, Any]:
    """An object schema whose properties nest ``levels`` schemas deep (the root counts)."""
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels - 1):
        schema = {"type": "object", "properties": {"x": schema}}
    return schema


def _function(parameters: Any, name: str = "lookup") -> dict[str, Any]:
    return {"name": name, "description": "Look something up.", "parameters": parameters}


MALFORMED: dict[str, tuple[Any, str]] = {
    "parameters a string": (_function("oops"), "parameters must be a JSON schema object"),
    "parameters a list": (_function([]), "parameters must be a JSON schema object"),
    "properties a string": (
        _function({"type": "object", "properties": "oops"}),
        "'properties' must be an object",
    ),
    "property a number": (
        _function({"type": "object", "properties": {"a": 5}}),
        "at a: expected a schema object",
    ),
    "unknown type": (
        _function({"type": "object", "properties": {"a": {"type": "strng"}}}),
        "at a: unknown type 'strng'",
    ),
    "unknown type in a list": (
        _function({"type": "object", "properties": {"a": {"type": ["string", "nul"]}}}),
        "unknown type",
    ),
    "required a string": (
        _function({"type": "object", "properties": {"ab": {"type": "string"}}, "required": "ab"}),
        "'required' must be a list",
    ),
    "items a number": (
        _function({"type": "object", "properties": {"a": {"type": "array", "items": 3}}}),
        "'items' must be a schema",
    ),
    "anyOf a dict": (
        _function({"type": "object", "properties": {"a": {"anyOf": {"type": "string"}}}}),
        "'anyOf' must be a list",
    ),
    "enum a string": (
        _function({"type": "object", "properties": {"a": {"enum": "abc"}}}),
        "'enum' must be a list",
    ),
    "description a number": (
        _function({"type": "object", "properties": {"a": {"type": "string", "description": 1}}}),
        "'description' must be a string",
    ),
    "tool description a number": (
        {"name": "f", "description": 5, "parameters": {"type": "object"}},
        "description must be a string",
    ),
    "empty name": (_function({"type": "object"}, name=""), "non-empty string"),
    "name a number": ({"name": 5, "parameters": {"type": "object"}}, "non-empty string"),
    "250 levels deep": (_function(_nested(250)), f"deeper than {MAX_SCHEMA_DEPTH} levels"),
    "deep default value": (
        _function(
            {"type": "object", "properties": {"a": {"type": "object", "default": _nested(250)}}}
        ),
        f"deeper than {MAX_SCHEMA_DEPTH} levels",
    ),
    "return_parameters a string": (
        {**_function({"type": "object"}), "return_parameters": "oops"},
        "return_parameters must be a JSON schema",
    ),
    "return_parameters too deep": (
        {**_function({"type": "object"}), "return_parameters": _nested(250)},
        "deeper than",
    ),
}


@pytest.mark.parametrize(("tool_like", "message"), MALFORMED.values(), ids=list(MALFORMED))
def test_malformed_tool_is_a_typed_error_at_bind_time(tool_like: Any, message: str) -> None:
    llm = ChatGigaChat(base_url="http://127.0.0.1:9/api/v1", access_token="never-sent")
    with pytest.raises(GigaChatInvalidInputError, match=message):
        llm.bind_tools([tool_like])


def test_a_ref_chain_deeper_than_the_limit_fails_in_the_compiler() -> None:
    # Each definition is shallow as written; inlined, the chain nests 250 levels.
    defs = {
        f"D{i}": {"type": "object", "properties": {"x": {"$ref": f"#/$defs/D{i + 1}"}}}
        for i in range(250)
    }
    defs["D250"] = {"type": "string"}
    schema = {"type": "object", "properties": {"x": {"$ref": "#/$defs/D0"}}, "$defs": defs}
    check_schema(schema)  # the schema as written is fine
    with pytest.raises(SchemaCompilationError, match=f"deeper than {MAX_SCHEMA_DEPTH}"):
        compile_schema(schema, name="chain")


def test_schemas_up_to_the_depth_limit_bind() -> None:
    toolset = convert_tools([_function(_nested(MAX_SCHEMA_DEPTH))], warn=False)
    assert toolset.functions[0].validate({"x": {"x": 5}}) is not None  # still validated
    with pytest.raises(SchemaCompilationError):
        convert_tools([_function(_nested(MAX_SCHEMA_DEPTH + 1))], warn=False)


def test_missing_parameters_mean_no_arguments() -> None:
    toolset = convert_tools([{"name": "ping", "description": "Ping."}], warn=False)
    assert toolset.functions[0].parameters == {"type": "object", "properties": {}}


@pytest.mark.parametrize(
    "name",
    ["x" * 200, "get_" + "very_" * 40 + "long_weather", "Погода_" * 30, "a" * 65],
)
def test_long_names_are_adapted_and_mapped_back(name: str) -> None:
    wire = sanitize_function_name(name)
    assert len(wire) <= MAX_FUNCTION_NAME_LENGTH
    assert wire == sanitize_function_name(name)  # deterministic
    toolset = convert_tools([_function({"type": "object"}, name=name)], warn=False)
    assert toolset.functions[0].name == wire
    assert toolset.restore_call(wire, {}) == (name, {})


def test_long_names_sharing_a_start_stay_distinct() -> None:
    first, second = "x" * 100 + "_first", "x" * 100 + "_second"
    toolset = convert_tools([_function({}, name=first), _function({}, name=second)], warn=False)
    wires = [function.name for function in toolset.functions]
    assert len(set(wires)) == 2
    assert all(len(wire) <= MAX_FUNCTION_NAME_LENGTH for wire in wires)


def test_valid_short_names_are_unchanged() -> None:
    assert sanitize_function_name("a" * MAX_FUNCTION_NAME_LENGTH) == "a" * MAX_FUNCTION_NAME_LENGTH


def test_long_names_through_the_dispatcher() -> None:
    @tool
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        return "sunny"

    long_name = "lookup_" + "z" * 150
    toolset = convert_tools([get_weather, _function({"type": "object"}, name=long_name)])
    plan = plan_tools(
        tool_set=toolset,
        tool_choice="any",
        functions=None,
        function_call=None,
        response_format=None,
    )
    [dispatcher] = plan.functions or []
    names = dispatcher["parameters"]["properties"]["tool"]["enum"]
    assert all(len(name) <= MAX_FUNCTION_NAME_LENGTH for name in names)
    wire = toolset.by_original_name[long_name].name
    assert plan.restore(DISPATCHER_NAME, {"tool": wire, wire: {}}) == (long_name, {})


@pytest.mark.parametrize("api_version", ["v1", "v2"])
@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
@pytest.mark.parametrize(
    "schema",
    [
        {**_nested(250), "title": "Deep", "description": "Deep."},
        {"title": "Bad", "description": "Bad.", "type": "object", "properties": "oops"},
    ],
    ids=["250-levels", "properties-string"],
)
def test_malformed_structured_output_schema_is_a_typed_error(
    api_version: str, method: str, schema: dict[str, Any]
) -> None:
    llm = ChatGigaChat(
        base_url="http://127.0.0.1:9/api/v1", access_token="never-sent", api_version=api_version
    )
    with pytest.raises(GigaChatInvalidInputError):
        llm.with_structured_output(schema, method=method).invoke("hi")
