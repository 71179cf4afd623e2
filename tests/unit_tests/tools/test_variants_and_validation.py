"""Union variants (required-ness stays in the schema) and validation against the caller's schema."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

import pytest
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from langchain_gigachat_ext.tools.binding import DISPATCHER_NAME, plan_tools
from langchain_gigachat_ext.tools.functions import convert_tools
from langchain_gigachat_ext.tools.validation import json_schema_validator, validator_for
from langchain_gigachat_ext.tools.variants import MAX_VARIANTS, split_unions


class Card(BaseModel):
    kind: Literal["card"] = "card"
    last4: str


class Cash(BaseModel):
    kind: Literal["cash"] = "cash"
    currency: str


class Payment(BaseModel):
    """A payment."""

    amount: int
    method: Card | Cash


class Tagged(BaseModel):
    method: Card | Cash | None = Field(default=None, discriminator="kind")


class Listed(BaseModel):
    methods: list[Card | Cash]


class Movie(TypedDict):
    title: str
    year: int


@tool
def get_weather(city: str) -> str:
    """Weather."""
    return city


@pytest.mark.parametrize(
    ("model", "labels", "required"),
    [
        (Payment, ["card", "cash"], [["last4"], ["currency"]]),
        (Tagged, ["card", "cash"], [["last4"], ["currency"]]),
    ],
)
def test_unions_of_objects_split_with_each_variants_required(
    model: type[BaseModel], labels: list[str], required: list[list[str]]
) -> None:
    functions = convert_tools([model], warn=False).functions
    assert [f.variant for f in functions] == labels
    for function, expected in zip(functions, required, strict=True):
        method = function.parameters["properties"]["method"]
        assert method["required"] == expected
        assert "Only when" not in str(function.parameters)


def test_unions_inside_arrays_stay_folded() -> None:
    assert split_unions(Listed.model_json_schema()) == []


def test_top_level_union_splits() -> None:
    schema = {
        "title": "Either",
        "anyOf": [
            {
                "type": "object",
                "title": "A",
                "properties": {"a": {"type": "string"}},
                "required": ["a"],
            },
            {
                "type": "object",
                "title": "B",
                "properties": {"b": {"type": "integer"}},
                "required": ["b"],
            },
        ],
    }
    variants = split_unions(schema)
    assert [v.schema["required"] for v in variants] == [["a"], ["b"]]


def test_variant_count_is_bounded() -> None:
    alternatives = [
        {"type": "object", "properties": {f"p{i}": {"type": "string"}}, "required": [f"p{i}"]}
        for i in range(MAX_VARIANTS + 1)
    ]
    schema = {"type": "object", "properties": {"x": {"anyOf": alternatives}}}
    assert split_unions(schema) == []


def test_variant_restore_puts_back_the_tag_and_validates() -> None:
    tool_set = convert_tools([Tagged], warn=False)
    card = tool_set.by_wire_name["Tagged_card"]
    args = card.restore({"method": {"last4": "1234"}})
    assert args == {"method": {"last4": "1234", "kind": "card"}}
    assert card.validate(args) is None
    Tagged.model_validate(args)


@pytest.mark.parametrize(
    ("tool_obj", "value", "error"),
    [
        (get_weather, {"city": "Kazan"}, None),
        (get_weather, {}, "city: missing required field"),
        (get_weather, [], "expected a JSON object, got an array"),
        (Payment, {"amount": 3, "method": {"kind": "cash"}}, "method"),
        (Movie, {"title": "x", "year": 1}, None),
        (Movie, {"title": "x"}, "year: missing required field"),
    ],
)
def test_validator_for_each_tool_form(tool_obj: Any, value: Any, error: str | None) -> None:
    from langchain_core.utils.function_calling import convert_to_openai_function

    schema = {} if tool_obj is get_weather else convert_to_openai_function(tool_obj)["parameters"]
    problem = validator_for(tool_obj, schema)(value)
    if error is None:
        assert problem is None
    else:
        assert problem is not None and error in problem


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({"a": "x"}, None),
        ({}, "a: missing required field"),
        ({"a": 1}, "a: must be of type string, got a number"),
        ("text", "expected a JSON object"),
    ],
)
def test_json_schema_validator_names_the_field(value: Any, error: str | None) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    problem = json_schema_validator(schema)(value)
    assert problem == error if error is None else error in (problem or "")


def _plan(tool_choice: Any) -> Any:
    from langchain_core.tools import tool as make_tool

    @make_tool
    def get_time(timezone: str) -> str:
        """Time."""
        return timezone

    return plan_tools(
        tool_set=convert_tools([get_weather, get_time], warn=False),
        tool_choice=tool_choice,
        functions=None,
        function_call=None,
        response_format=None,
    )


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({}, "named no offered function"),
        ({"tool": "nope"}, "named no offered function"),
        ({"tool": 5}, "named no offered function"),
        ({"tool": "get_weather", "get_weather": "str"}, "must be an object"),
        ({"tool": "get_weather"}, "city: missing required field"),
        ({"tool": "get_weather", "get_weather": {"city": "Kazan"}}, None),
    ],
)
def test_dispatcher_answers_are_checked_never_invented(answer: Any, error: str | None) -> None:
    plan = _plan("any")
    name, args = plan.restore(DISPATCHER_NAME, answer)
    assert name in {DISPATCHER_NAME, "get_weather"}
    problem = plan.check_call(name, args)
    assert problem == error if error is None else error in (problem or "")


def test_calls_of_functions_not_offered_are_rejected() -> None:
    plan = _plan("auto")
    assert "was not offered" in (plan.check_call("delete_everything", {}) or "")
    assert plan.chosen_function("delete_everything", {}) is None
    assert plan.forcing("get_weather").function_call == {"name": "get_weather"}
