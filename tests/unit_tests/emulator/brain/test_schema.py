"""Schema-driven JSON generation: instances validate against the schema and use the text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_gigachat_ext.emulator.brain.core import Brain, Conversation, Turn
from langchain_gigachat_ext.emulator.brain.evidence import explicit_value
from langchain_gigachat_ext.emulator.brain.facts import extract_facts
from langchain_gigachat_ext.emulator.brain.schema import SchemaFiller
from tests.unit_tests.emulator.brain.schema_check import errors as _errors

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "Full name"},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "email": {"type": "string", "format": "email"},
    },
    "required": ["name", "age", "email"],
}
NESTED_WITH_DEFS = {
    "$defs": {
        "Address": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "zip": {"type": "string", "minLength": 5}},
            "required": ["city", "zip"],
        },
        "Level": {"type": "string", "enum": ["low", "medium", "high"]},
    },
    "type": "object",
    "properties": {
        "address": {"$ref": "#/$defs/Address"},
        "level": {"$ref": "#/$defs/Level"},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 3},
        "score": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "maybe": {"anyOf": [{"type": "null"}, {"type": "integer"}]},
        "flag": {"type": "boolean"},
        "kind": {"const": "report"},
    },
    "required": ["address", "level", "tags", "score", "maybe", "flag", "kind"],
    "additionalProperties": False,
}
ANSWER = {
    "title": "Answer",
    "type": "object",
    "properties": {
        "answer": {"type": "string"},
        "n": {"type": "integer", "minimum": 1, "maximum": 10},
    },
    "required": ["answer", "n"],
}
UNION_WRAPPED = {
    "type": "object",
    "properties": {
        "result": {
            "anyOf": [
                {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
                {
                    "type": "object",
                    "properties": {"code": {"type": "integer"}},
                    "required": ["code"],
                },
            ]
        }
    },
    "required": ["result"],
}
LISTS = {
    "type": "object",
    "properties": {
        "numbers": {"type": "array", "items": {"type": "integer"}},
        "colors": {"type": "array", "items": {"type": "string", "enum": ["red", "green", "blue"]}},
    },
    "required": ["numbers", "colors"],
}

# schema, user text, expected subset of the instance
SCHEMA_TABLE = [
    (
        PERSON,
        "Extract: John Smith is 42, write to john@example.org",
        {"name": "John Smith", "age": 42, "email": "john@example.org"},
    ),
    (
        NESTED_WITH_DEFS,
        "Report for level high in Berlin",
        {"level": "high", "kind": "report", "address": {"city": "Berlin", "zip": "00007"}},
    ),
    (ANSWER, "Answer ok and n=3", {"answer": "ok", "n": 3}),
    (ANSWER, "n: 70", {"n": 10}),
    (UNION_WRAPPED, "Where is 'Lyon'?", {"result": {"city": "Lyon"}}),
    (LISTS, "Sum 1, 2 and 3 in green or blue", {"numbers": [1, 2, 3], "colors": ["green", "blue"]}),
]


@pytest.mark.parametrize(
    ("schema", "text", "expected_subset"), SCHEMA_TABLE, ids=[row[1] for row in SCHEMA_TABLE]
)
def test_instances_validate_and_use_the_text(
    schema: dict[str, Any], text: str, expected_subset: dict[str, Any]
) -> None:
    instance = SchemaFiller(schema, extract_facts(text), "en", seed=7).instance()
    assert _errors(instance, schema, schema) == []
    assert {key: instance[key] for key in expected_subset} == expected_subset


def test_response_format_reply_is_indented_json_that_validates() -> None:
    conversation = Conversation(
        model="GigaChat-3-Ultra",
        turns=(Turn("user", "Answer ok and n=3"),),
        response_format={"type": "json_schema", "schema": ANSWER, "strict": True},
    )
    reply = Brain().reply(conversation)
    # The recording shows 4-space indented JSON text (REC test_chat_response_format_json_schema).
    assert reply.content == '{\n    "answer": "ok",\n    "n": 3\n}'
    assert _errors(json.loads(reply.content), ANSWER, ANSWER) == []


def test_optional_properties_need_evidence() -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city"],
    }
    assert SchemaFiller(schema, extract_facts("Weather in Oslo"), "en", 1).instance() == {
        "city": "Oslo"
    }
    assert SchemaFiller(
        schema, extract_facts("Weather in Oslo for 5 days"), "en", 1
    ).instance() == {
        "city": "Oslo",
        "days": 5,
    }


def test_recursive_schema_terminates() -> None:
    schema = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"value": {"type": "integer"}, "child": {"$ref": "#/$defs/Node"}},
                "required": ["value", "child"],
            }
        },
        "$ref": "#/$defs/Node",
    }
    instance = SchemaFiller(schema, extract_facts("tree"), "en", 1).instance()
    depth = 0
    while isinstance(instance, dict) and "child" in instance:
        instance, depth = instance["child"], depth + 1
    assert 0 < depth < 20


def test_russian_strings_keep_unicode() -> None:
    schema = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}
    instance = SchemaFiller(schema, extract_facts("Назови книгу «Война и мир»"), "ru", 1).instance()
    assert instance == {"title": "Война и мир"}


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("city=Paris now", "city", "Paris"),
        ("city: Oslo.", "city", "Oslo"),
        ("n: 0.75.", "n", "0.75"),
        ("x: 5 and y: 6", "x", "5"),
        ("city: 'New York' please", "city", "New York"),
        ("The call was rejected: city: missing required field.", "city", None),
    ],
)
def test_explicit_values(text: str, name: str, expected: str | None) -> None:
    """``name=value`` always; an unquoted ``name: value`` only when the value ends its clause."""
    assert explicit_value(extract_facts(text), name) == expected
