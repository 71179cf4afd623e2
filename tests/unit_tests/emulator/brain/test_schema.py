"""Schema-driven JSON generation: instances validate against the schema and use the text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_gigachat_ext.emulator.brain.core import Brain, Conversation, Turn
from langchain_gigachat_ext.emulator.brain.facts import extract_facts
from langchain_gigachat_ext.emulator.brain.schema import SchemaFiller

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _errors(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str = "$") -> list[str]:
    """A small JSON-Schema validator covering the keywords the filler claims to honour."""
    schema = _resolve(schema, root)
    variants = schema.get("anyOf") or schema.get("oneOf")
    if variants:
        if all(_errors(value, variant, root, path) for variant in variants):
            return [f"{path}: matches no variant"]
        return []
    errors: list[str] = []
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: const")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: not in enum")
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind else []
    if kinds:
        allowed = tuple(t for k in kinds for t in _TYPES[k])
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            return [*errors, f"{path}: expected {kinds}, got {type(value).__name__}"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: below minimum")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: above maximum")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            errors.append(f"{path}: not above exclusiveMinimum")
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            errors.append(f"{path}: not below exclusiveMaximum")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: too short")
        if len(value) > schema.get("maxLength", 10**9):
            errors.append(f"{path}: too long")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        errors.extend(
            f"{path}.{key}: missing" for key in schema.get("required", []) if key not in value
        )
        for key, item in value.items():
            if key in properties:
                errors.extend(_errors(item, properties[key], root, f"{path}.{key}"))
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}.{key}: unexpected")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: too few items")
        if len(value) > schema.get("maxItems", 10**9):
            errors.append(f"{path}: too many items")
        for index, item in enumerate(value):
            errors.extend(_errors(item, schema.get("items", {}), root, f"{path}[{index}]"))
    return errors


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
