"""Table-driven tests for the GigaChat schema compiler (pure functions, no I/O)."""

from __future__ import annotations

from enum import Enum, IntEnum
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field

from langchain_gigachat_ext.tools.schema import (
    SchemaCompilationError,
    compile_schema,
    sanitize_function_name,
)

# --------------------------------------------------------------------------- models under test


class Address(BaseModel):
    """A postal address."""

    city: str = Field(description="City name")
    zip_code: str | None = None


class Person(BaseModel):
    """A person."""

    name: str
    addresses: list[Address]
    primary: Address | None = None


class TreeNode(BaseModel):
    """A tree node."""

    value: int
    children: list[TreeNode] = []


class Size(str, Enum):  # noqa: UP042 (the str-mixin enum is the case under test)
    SMALL = "small"
    LARGE = "large"


class Priority(IntEnum):
    LOW = 1
    HIGH = 2


class Order(BaseModel):
    size: Size
    priority: Priority
    quantity: Literal[1, 2, 3]
    express: bool = False


class Constrained(BaseModel):
    rating: int = Field(5, ge=1, le=10, description="Stars")
    code: str = Field(pattern=r"^[A-Z]{3}$", max_length=3)
    price: float = Field(gt=0, multiple_of=0.5)
    email: str = Field(json_schema_extra={"format": "email"})
    when: Any = None


class Card(BaseModel):
    """Pay by card."""

    number: str
    cvv: int


class Cash(BaseModel):
    """Pay in cash."""

    amount: float
    currency: str = "RUB"


class Payment(BaseModel):
    method: Card | Cash
    note: str | None


class Email(BaseModel):
    channel: Literal["email"]
    address: str


class Sms(BaseModel):
    channel: Literal["sms"]
    phone: str


class Notify(BaseModel):
    target: Annotated[Email | Sms, Field(discriminator="channel")]


class Maps(BaseModel):
    counts: dict[str, int]
    anything: dict[str, Any] = {}


class Mixed(BaseModel):
    key: int | str
    flag: bool | list[int]
    pair: tuple[int, str]
    items: list  # type: ignore[type-arg]


ANY_NOTE = "Any value; send it as text (objects and arrays as JSON)."
ADDRESS = {
    "type": "object",
    "description": "A postal address.",
    "properties": {
        "city": {"type": "string", "description": "City name"},
        "zip_code": {"type": "string"},
    },
    "required": ["city"],
}
INT_OR_STR = "One of: integer; string. Send it as text (objects and arrays as JSON)."

# Each row: model, exact compiled parameters, exact losses, a model answer, the restored answer.
MODEL_CASES = [
    pytest.param(
        Person,
        {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "addresses": {"type": "array", "items": ADDRESS},
                "primary": ADDRESS,
            },
            "required": ["name", "addresses"],
        },
        (),
        {"name": "Ann", "addresses": [{"city": "Kazan"}], "primary": None},
        {"name": "Ann", "addresses": [{"city": "Kazan"}], "primary": None},
        id="nested-models-optional-and-lists-of-objects",
    ),
    pytest.param(
        TreeNode,
        {
            "type": "object",
            "properties": {
                "value": {"type": "integer"},
                "children": {
                    "type": "array",
                    "description": "Default: [].",
                    "items": {
                        "type": "object",
                        "description": "A tree node.",
                        "properties": {
                            "value": {"type": "integer"},
                            "children": {
                                "type": "array",
                                "description": "Default: [].",
                                "items": {
                                    "type": "object",
                                    "description": (
                                        "A nested TreeNode object (same fields as the "
                                        "enclosing TreeNode)."
                                    ),
                                    "properties": {},
                                },
                            },
                        },
                        "required": ["value"],
                    },
                },
            },
            "required": ["value"],
        },
        ("children[].children[]: recursive reference to 'TreeNode' truncated after 2 levels",),
        {"value": "1", "children": [{"value": 2, "children": [{"value": 3, "children": []}]}]},
        {"value": 1, "children": [{"value": 2, "children": [{"value": 3, "children": []}]}]},
        id="recursive-tree",
    ),
    pytest.param(
        Order,
        {
            "type": "object",
            "properties": {
                "size": {"type": "string", "enum": ["small", "large"]},
                "priority": {"type": "string", "enum": ["1", "2"]},
                "quantity": {"type": "string", "enum": ["1", "2", "3"]},
                "express": {"type": "boolean", "description": "Default: false."},
            },
            "required": ["size", "priority", "quantity"],
        },
        (),
        {"size": "large", "priority": "2", "quantity": "3", "express": "true"},
        {"size": "large", "priority": 2, "quantity": 3, "express": True},
        id="str-enum-int-enum-literal-ints",
    ),
    pytest.param(
        Constrained,
        {
            "type": "object",
            "properties": {
                "rating": {
                    "type": "integer",
                    "description": "Stars. Minimum 1. Maximum 10. Default: 5.",
                },
                "code": {
                    "type": "string",
                    "description": "At most 3 characters. Must match the regular expression "
                    "^[A-Z]{3}$.",
                },
                "price": {"type": "number", "description": "Greater than 0. Multiple of 0.5."},
                "email": {"type": "string", "description": "Format: email."},
                "when": {"type": "string", "description": ANY_NOTE},
            },
            "required": ["code", "price", "email"],
        },
        (
            "rating: 'minimum' moved to description",
            "rating: 'maximum' moved to description",
            "code: 'maxLength' moved to description",
            "code: 'pattern' moved to description",
            "price: 'exclusiveMinimum' moved to description",
            "price: 'multipleOf' moved to description",
            "email: 'format' moved to description",
            "when: untyped value exposed as a string",
        ),
        {"rating": "7", "code": "ABC", "price": "2.5", "email": "a@b.c", "when": "later"},
        {"rating": 7, "code": "ABC", "price": 2.5, "email": "a@b.c", "when": "later"},
        id="constraints-defaults-format-any",
    ),
    pytest.param(
        Payment,
        {
            "type": "object",
            "properties": {
                "method": {
                    "type": "object",
                    "properties": {
                        "kind": {
                            "type": "string",
                            "description": (
                                "Which variant this object is: 'Card' (Pay by card), "
                                "'Cash' (Pay in cash)."
                            ),
                            "enum": ["Card", "Cash"],
                        },
                        "number": {
                            "type": "string",
                            "description": "Only when kind is 'Card' (required).",
                        },
                        "cvv": {
                            "type": "integer",
                            "description": "Only when kind is 'Card' (required).",
                        },
                        "amount": {
                            "type": "number",
                            "description": "Only when kind is 'Cash' (required).",
                        },
                        "currency": {
                            "type": "string",
                            "description": "Default: \"RUB\". Only when kind is 'Cash'.",
                        },
                    },
                    "required": ["kind"],
                },
                "note": {"type": "string"},
            },
            "required": ["method", "note"],
        },
        (
            (
                "method: union of 2 object variants folded into a discriminated object "
                "(discriminator 'kind')"
            ),
        ),
        {"method": {"kind": "Cash", "amount": "100", "number": ""}, "note": None},
        {"method": {"amount": 100}, "note": None},
        id="union-of-models-synthetic-discriminator",
    ),
    pytest.param(
        Notify,
        {
            "type": "object",
            "properties": {
                "target": {
                    "type": "object",
                    "properties": {
                        "channel": {
                            "type": "string",
                            "description": "Which variant this object is: 'email', 'sms'.",
                            "enum": ["email", "sms"],
                        },
                        "address": {
                            "type": "string",
                            "description": "Only when channel is 'email' (required).",
                        },
                        "phone": {
                            "type": "string",
                            "description": "Only when channel is 'sms' (required).",
                        },
                    },
                    "required": ["channel"],
                },
            },
            "required": ["target"],
        },
        (
            (
                "target: union of 2 object variants folded into a discriminated object "
                "(discriminator 'channel')"
            ),
        ),
        {"target": {"channel": "sms", "phone": "+7 900", "address": "ignored"}},
        {"target": {"channel": "sms", "phone": "+7 900"}},
        id="union-with-own-literal-discriminator",
    ),
    pytest.param(
        Maps,
        {
            "type": "object",
            "properties": {
                "counts": {
                    "type": "object",
                    "description": "Any keys are allowed; each value: integer.",
                    "properties": {},
                },
                "anything": {
                    "type": "object",
                    "description": "Any keys are allowed. Default: {}.",
                    "properties": {},
                },
            },
            "required": ["counts"],
        },
        (
            (
                "counts: 'additionalProperties' map exposed as an object without fixed keys "
                "(value type moved to description)"
            ),
            "anything: 'additionalProperties' moved to description",
        ),
        {"counts": {"a": "1", "b": 2}, "anything": {"x": [1]}},
        {"counts": {"a": 1, "b": 2}, "anything": {"x": [1]}},
        id="additional-properties-maps",
    ),
    pytest.param(
        Mixed,
        {
            "type": "object",
            "properties": {
                "key": {"type": "string", "description": INT_OR_STR},
                "flag": {
                    "type": "string",
                    "description": (
                        "One of: boolean; array of integer. Send it as text (objects and "
                        "arrays as JSON)."
                    ),
                },
                "pair": {
                    "type": "array",
                    "description": (
                        "Items in this order: integer, string. At least 2 items. At most 2 items."
                    ),
                    "items": {"type": "string", "description": INT_OR_STR},
                },
                "items": {
                    "type": "array",
                    "description": "Items may be any value, sent as text.",
                    "items": {"type": "string"},
                },
            },
            "required": ["key", "flag", "pair", "items"],
        },
        (
            "key: union of integer, string folded into a string",
            "flag: union of boolean, array folded into a string",
            "pair: tuple ('prefixItems') exposed as a list; positions moved to description",
            "pair: 'minItems' moved to description",
            "pair: 'maxItems' moved to description",
            "items: array items have no type; exposed as strings",
        ),
        {"key": "42", "flag": "[1, 2]", "pair": ["7", "seven"], "items": ["a", "b"]},
        {"key": 42, "flag": [1, 2], "pair": [7, "seven"], "items": ["a", "b"]},
        id="primitive-unions-tuple-untyped-items",
    ),
]


@pytest.mark.parametrize(("model", "parameters", "losses", "answer", "restored"), MODEL_CASES)
def test_compile_pydantic_models(
    model: type[BaseModel],
    parameters: dict[str, Any],
    losses: tuple[str, ...],
    answer: dict[str, Any],
    restored: dict[str, Any],
) -> None:
    compiled = compile_schema(model.model_json_schema(), name=model.__name__)

    assert compiled.parameters == parameters
    assert compiled.losses == losses
    assert compiled.restore(answer) == restored
    model.model_validate(restored)


# --------------------------------------------------------------------------- raw JSON schemas

SCHEMA_CASES = [
    pytest.param(
        {"type": "object", "properties": {"n": {"anyOf": [{"type": "integer"}, {"type": "null"}]}}},
        {"type": "object", "properties": {"n": {"type": "integer"}}},
        (),
        id="openai-anyOf-int-null",
    ),
    pytest.param(
        {
            "title": "search",
            "type": "object",
            "properties": {"q": {"type": "string"}, "k": {"type": ["integer", "null"]}},
            "required": ["q", "k"],
        },
        {
            "type": "object",
            "properties": {"q": {"type": "string"}, "k": {"type": "integer"}},
            "required": ["q", "k"],
        },
        (),
        id="raw-schema-top-level-required-and-type-list",
    ),
    pytest.param(
        {
            "type": "object",
            "properties": {
                "n": {"type": ["integer", "null"], "default": None},
                "m": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": 3},
            },
            "required": ["n", "m"],
        },
        {
            "type": "object",
            "properties": {
                "n": {"type": "integer"},
                "m": {"type": "integer", "description": "Default: 3."},
            },
        },
        (),
        id="nullable-with-default-is-not-required",
    ),
    pytest.param(
        {
            "type": "object",
            "properties": {
                "mode": {"const": "fast"},
                "level": {"const": 3},
                "ratio": {"type": "number", "enum": [0.5, 1.5, None]},
                "day": {"type": "string", "format": "date", "title": "Day"},
            },
        },
        {
            "type": "object",
            "properties": {
                "mode": {"type": "string", "enum": ["fast"]},
                "level": {"type": "string", "enum": ["3"]},
                "ratio": {"type": "string", "enum": ["0.5", "1.5"]},
                "day": {"type": "string", "format": "date"},
            },
        },
        (),
        id="const-float-enum-with-null-supported-format-title-noise",
    ),
    pytest.param(
        {
            "type": "object",
            "definitions": {"Base": {"type": "object", "properties": {"a": {"type": "string"}}}},
            "properties": {
                "x": {
                    "allOf": [
                        {"$ref": "#/definitions/Base"},
                        {"properties": {"b": {"type": "integer"}}, "required": ["b"]},
                    ],
                    "description": "Merged.",
                },
            },
        },
        {
            "type": "object",
            "properties": {
                "x": {
                    "type": "object",
                    "description": "Merged.",
                    "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
                    "required": ["b"],
                },
            },
        },
        (),
        id="allOf-with-definitions-ref",
    ),
    pytest.param(
        {
            "type": "object",
            "definitions": {
                "Inner": {
                    "title": "Inner",
                    "description": "Inner thing.",
                    "type": "object",
                    "properties": {"x": {"type": "integer"}},
                }
            },
            "properties": {
                "inner": {
                    "title": "Inner",
                    "description": "The inner",
                    "allOf": [{"$ref": "#/definitions/Inner"}],
                }
            },
        },
        {
            "type": "object",
            "properties": {
                "inner": {
                    "type": "object",
                    "description": "The inner",
                    "properties": {"x": {"type": "integer"}},
                }
            },
        },
        (),
        id="pydantic-v1-allOf-ref-field-description-wins",
    ),
    pytest.param(
        {"title": "ping", "description": "No arguments."},
        {"type": "object", "properties": {}},
        (),
        id="no-arguments",
    ),
    pytest.param(
        {
            "type": "object",
            "properties": {
                "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                "legacy": {"type": "string", "deprecated": True, "examples": ["a", "b"]},
                "meta": {"type": "object", "additionalProperties": False, "x-unit": "cm"},
            },
            "minProperties": 1,
        },
        {
            "type": "object",
            "properties": {
                "tags": {
                    "type": "array",
                    "description": "Items must be unique.",
                    "items": {"type": "string"},
                },
                "legacy": {"type": "string", "description": 'Deprecated. Examples: "a", "b".'},
                "meta": {"type": "object", "description": 'x-unit: "cm".', "properties": {}},
            },
        },
        (
            "tags: 'uniqueItems' moved to description",
            "meta: 'x-unit' moved to description",
            "<root>: 'minProperties' dropped (the top level has no description)",
        ),
        id="informational-and-unknown-keywords",
    ),
]


@pytest.mark.parametrize(("schema", "parameters", "losses"), SCHEMA_CASES)
def test_compile_raw_schemas(
    schema: dict[str, Any], parameters: dict[str, Any], losses: tuple[str, ...]
) -> None:
    compiled = compile_schema(schema)

    assert compiled.parameters == parameters
    assert compiled.losses == losses


def test_top_level_union_of_objects_folds() -> None:
    compiled = compile_schema({"anyOf": [Card.model_json_schema(), Cash.model_json_schema()]})

    assert compiled.parameters["required"] == ["kind"]
    assert compiled.parameters["properties"]["kind"]["enum"] == ["Card", "Cash"]
    assert compiled.restore({"kind": "Card", "number": "4111", "cvv": "123"}) == {
        "number": "4111",
        "cvv": 123,
    }


class OptionalUnion(BaseModel):
    """Optional union of models."""

    choice: Card | Cash | None = Field(None, description="How to pay")


def test_optional_union_of_models_folds_and_restores() -> None:
    compiled = compile_schema(OptionalUnion.model_json_schema())

    choice = compiled.parameters["properties"]["choice"]
    assert choice["description"] == "How to pay"
    assert choice["required"] == ["kind"]
    assert "required" not in compiled.parameters
    restored = compiled.restore({"choice": {"kind": "Card", "number": "1", "cvv": "7"}})
    assert restored == {"choice": {"number": "1", "cvv": 7}}
    assert isinstance(OptionalUnion.model_validate(restored).choice, Card)


def test_conflicting_variant_properties_get_distinct_wire_names() -> None:
    schema = {
        "anyOf": [
            {"title": "A", "type": "object", "properties": {"v": {"type": "integer"}}},
            {"title": "B", "type": "object", "properties": {"v": {"type": "boolean"}}},
        ]
    }
    compiled = compile_schema(schema)

    assert set(compiled.parameters["properties"]) == {"kind", "v", "B_v"}
    assert compiled.restore({"kind": "B", "B_v": "true"}) == {"v": True}
    assert compiled.restore({"kind": "A", "v": "5"}) == {"v": 5}


def test_variant_named_kind_moves_the_discriminator() -> None:
    schema = {
        "anyOf": [
            {"title": "A", "type": "object", "properties": {"kind": {"type": "string"}}},
            {"title": "B", "type": "object", "properties": {"size": {"type": "integer"}}},
        ]
    }
    compiled = compile_schema(schema)

    assert compiled.parameters["required"] == ["variant"]
    assert compiled.restore({"variant": "a", "kind": "x"}) == {"kind": "x"}


# --------------------------------------------------------------------------- restore robustness

RESTORE_CASES = [
    pytest.param({"unknown": 1, "quantity": "2"}, {"unknown": 1, "quantity": 2}, id="unknown-kept"),
    pytest.param('{"size": "small"}', {"size": "small"}, id="json-string-arguments"),
    pytest.param("not json", {}, id="garbage-string"),
    pytest.param(["a"], {}, id="list-instead-of-object"),
    pytest.param(None, {}, id="none"),
    pytest.param({"quantity": "many"}, {"quantity": "many"}, id="value-outside-enum-left-as-is"),
    pytest.param({"express": "maybe"}, {"express": "maybe"}, id="bad-boolean-left-as-is"),
    pytest.param({"priority": 2}, {"priority": 2}, id="number-for-stringified-enum"),
]


@pytest.mark.parametrize(("answer", "restored"), RESTORE_CASES)
def test_restore_never_raises(answer: Any, restored: dict[str, Any]) -> None:
    compiled = compile_schema(Order.model_json_schema())

    assert compiled.restore(answer) == restored


UNION_RESTORE_CASES = [
    pytest.param({"kind": "cash", "amount": 5}, {"amount": 5}, id="tag-case-insensitive"),
    pytest.param({"amount": 5, "currency": "USD"}, {"amount": 5, "currency": "USD"}, id="no-tag"),
    pytest.param({"kind": "Bitcoin", "number": "1"}, {"number": "1"}, id="unknown-tag-guesses"),
    pytest.param("oops", "oops", id="string-not-object"),
]


@pytest.mark.parametrize(("method", "restored"), UNION_RESTORE_CASES)
def test_union_restore_best_effort(method: Any, restored: Any) -> None:
    compiled = compile_schema(Payment.model_json_schema())

    assert compiled.restore({"method": method, "note": "n"}) == {"method": restored, "note": "n"}


SCALAR_CASES = [
    pytest.param("integer", "3", 3, id="int-from-text"),
    pytest.param("integer", "3.0", 3, id="int-from-float-text"),
    pytest.param("integer", 4.0, 4, id="int-from-float"),
    pytest.param("integer", "3.5", "3.5", id="int-not-integral"),
    pytest.param("integer", True, True, id="int-bool-untouched"),
    pytest.param("number", "-1.25", -1.25, id="number-from-text"),
    pytest.param("number", "nan", "nan", id="number-not-finite"),
    pytest.param("boolean", " TRUE ", True, id="bool-from-text"),
    pytest.param("boolean", "0", "0", id="bool-digit-untouched"),
    pytest.param("string", 12, "12", id="string-from-int"),
    pytest.param("string", False, "false", id="string-from-bool"),
    pytest.param("string", None, None, id="null-passes"),
]


@pytest.mark.parametrize(("kind", "value", "restored"), SCALAR_CASES)
def test_scalar_casts(kind: str, value: Any, restored: Any) -> None:
    compiled = compile_schema({"type": "object", "properties": {"v": {"type": kind}}})

    assert compiled.restore({"v": value}) == {"v": restored}


def test_union_order_decides_text_casts() -> None:
    first_str = compile_schema(
        {
            "type": "object",
            "properties": {"v": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        }
    )

    assert first_str.restore({"v": "3"}) == {"v": "3"}


def test_recursion_limit_is_configurable() -> None:
    compiled = compile_schema(TreeNode.model_json_schema(), max_recursion=1)

    assert compiled.parameters["properties"]["children"]["items"]["properties"] == {}
    assert compiled.losses == (
        "children[]: recursive reference to 'TreeNode' truncated after 1 levels",
    )


def test_compile_is_pure() -> None:
    schema = Payment.model_json_schema()
    snapshot = repr(schema)

    first = compile_schema(schema)
    second = compile_schema(schema)

    assert repr(schema) == snapshot
    assert first == second


# --------------------------------------------------------------------------- errors

ERROR_CASES = [
    pytest.param(
        {"type": "object", "properties": {"a": {"not": {"type": "string"}}}},
        "schema 'tool' at a: 'not' cannot be expressed",
        id="not",
    ),
    pytest.param(
        {"type": "object", "if": {}, "then": {}},
        "schema 'tool' at <root>: 'if' cannot be expressed",
        id="if-then",
    ),
    pytest.param(
        {"type": "array", "items": {"type": "string"}},
        "the top level must describe an object, not array",
        id="top-level-array",
    ),
    pytest.param(
        {"anyOf": [{"type": "object"}, {"type": "string"}]},
        "the top level must describe an object, not union",
        id="top-level-mixed-union",
    ),
    pytest.param(
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/Missing"}}},
        "unresolvable $ref '#/$defs/Missing'",
        id="missing-ref",
    ),
    pytest.param(
        {"type": "object", "properties": {"a": {"$ref": "https://x/schema.json"}}},
        "only local $ref is supported",
        id="remote-ref",
    ),
    pytest.param(
        {
            "type": "object",
            "properties": {"a": {"allOf": [{"type": "string"}, {"type": "object"}]}},
        },
        "allOf combines incompatible types 'string' and 'object'",
        id="allOf-type-clash",
    ),
]


@pytest.mark.parametrize(("schema", "message"), ERROR_CASES)
def test_inexpressible_schemas_raise(schema: dict[str, Any], message: str) -> None:
    with pytest.raises(SchemaCompilationError) as caught:
        compile_schema(schema, name="tool")

    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


# --------------------------------------------------------------------------- function names

NAME_CASES = [
    pytest.param("get_weather", "get_weather", id="valid-unchanged"),
    pytest.param("_private", "_private", id="leading-underscore-valid"),
    pytest.param("get-weather", "get_weather", id="dash"),
    pytest.param("get weather now!", "get_weather_now", id="spaces-and-punctuation"),
    pytest.param("погода_сейчас", "pogoda_seychas", id="cyrillic"),
    pytest.param("Объявление", "Obyavlenie", id="cyrillic-capital-and-signs"),
    pytest.param("Café-au-lait", "Cafe_au_lait", id="accents"),
    pytest.param("3d_render", "f_3d_render", id="leading-digit"),
    pytest.param("a--b__c", "a_b_c", id="runs-collapse"),
]


@pytest.mark.parametrize(("name", "expected"), NAME_CASES)
def test_sanitize_function_name(name: str, expected: str) -> None:
    assert sanitize_function_name(name) == expected


def test_sanitize_unusable_name_is_deterministic() -> None:
    first = sanitize_function_name("日本")

    assert first == sanitize_function_name("日本")
    assert first.startswith("function_")
    assert first != sanitize_function_name("中国")
