"""Tool definitions and schemas checked at bind time, before anything is sent.

A malformed definition fails here as :class:`~.schema.SchemaCompilationError` (a
:class:`~langchain_gigachat_ext.errors.GigaChatInvalidInputError`) naming the tool and the place,
instead of being sent and refused, silently replaced by an empty schema, or failing as an
``AttributeError`` or ``RecursionError`` deep in the compiler or the validator.

What is checked, walking the schema without recursion:

* every schema is an object (or ``true``/``false``), and the keywords that hold schemas hold
  them in the right container: ``properties``/``$defs`` a dict of schemas, ``items`` a schema or
  a list, ``anyOf``/``oneOf``/``allOf``/``prefixItems`` lists, ``additionalProperties`` a schema
  or a boolean;
* ``type`` is a JSON Schema type name (or a list of them), ``required`` a list of strings,
  ``enum`` a list, ``description`` a string, ``$ref`` a string;
* nesting stays within :data:`MAX_SCHEMA_DEPTH`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_gigachat_ext.errors import GigaChatInvalidInputError
from langchain_gigachat_ext.tools._schema.compiler import MAX_SCHEMA_DEPTH
from langchain_gigachat_ext.tools.schema import SchemaCompilationError

__all__ = ["JSON_TYPES", "MAX_SCHEMA_DEPTH", "check_schema", "check_tool_name"]

JSON_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})
"""The ``type`` names of JSON Schema."""

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
"""Keywords whose value maps names to schemas."""
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
"""Keywords whose value is a list of schemas."""
_SCHEMA_VALUES = (
    "additionalProperties",
    "unevaluatedProperties",
    "propertyNames",
    "contains",
    "not",
    "if",
    "then",
    "else",
)
"""Keywords whose value is one schema (or a boolean)."""
_JSON_VALUES = ("enum", "const", "default", "examples")
"""Keywords holding plain JSON values (checked for depth only)."""


def check_tool_name(name: Any) -> str:
    """A tool's name must be a non-empty string (it may still need adapting for the wire).

    Raises:
        GigaChatInvalidInputError: Anything else.
    """
    if not isinstance(name, str) or not name.strip():
        msg = f"a tool's name must be a non-empty string, got {name!r}"
        raise GigaChatInvalidInputError(msg)
    return name


def check_schema(schema: Any, *, name: str = "", what: str = "schema") -> None:
    """Check the shape of a JSON schema without recursing (see the module docstring).

    Args:
        schema: The schema as the caller gave it.
        name: The tool (or response format) it belongs to, for the message.
        what: What the schema is (``"parameters"``, ``"return_parameters"``, ...).

    Raises:
        SchemaCompilationError: A malformed or too deeply nested schema.
    """
    owner = f"{name!r} " if name else ""
    if not isinstance(schema, Mapping):
        msg = f"{owner}{what} must be a JSON schema object, got {type(schema).__name__}"
        raise SchemaCompilationError(msg)
    pending: list[tuple[Any, str, int]] = [(schema, "", 1)]
    while pending:
        node, path, depth = pending.pop()
        where = f"{owner}{what} at {path or '<root>'}"
        if depth > MAX_SCHEMA_DEPTH:
            msg = f"{where}: nests deeper than {MAX_SCHEMA_DEPTH} levels"
            raise SchemaCompilationError(msg)
        if isinstance(node, bool):
            continue
        if not isinstance(node, Mapping):
            msg = f"{where}: expected a schema object, got {type(node).__name__}"
            raise SchemaCompilationError(msg)
        problem = _keyword_problem(node)
        if problem is not None:
            raise SchemaCompilationError(f"{where}: {problem}")
        pending.extend(_children(node, path, depth))
        for key in _JSON_VALUES:
            if key in node:
                _check_value_depth(node[key], f"{where}.{key}", depth)


def _keyword_problem(node: Mapping[str, Any]) -> str | None:
    """What is wrong with one schema's own keywords (None: nothing)."""
    kind = node.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "type" in node and (not kinds or not all(k in JSON_TYPES for k in kinds)):
        return f"unknown type {kind!r} (use one of {', '.join(sorted(JSON_TYPES))})"
    required = node.get("required")
    if required is not None and not (
        isinstance(required, list) and all(isinstance(item, str) for item in required)
    ):
        return "'required' must be a list of property names"
    if "enum" in node and not isinstance(node["enum"], list):
        return "'enum' must be a list"
    if "description" in node and not isinstance(node["description"], str):
        return "'description' must be a string"
    if "$ref" in node and not isinstance(node["$ref"], str):
        return "'$ref' must be a string"
    for key in _SCHEMA_MAPS:
        if key in node and not isinstance(node[key], Mapping):
            return f"{key!r} must be an object mapping names to schemas"
    for key in _SCHEMA_LISTS:
        if key in node and not isinstance(node[key], list):
            return f"{key!r} must be a list of schemas"
    items = node.get("items")
    if items is not None and not isinstance(items, Mapping | list | bool):
        return "'items' must be a schema (or a list of schemas)"
    return None


def _children(node: Mapping[str, Any], path: str, depth: int) -> list[tuple[Any, str, int]]:
    children: list[tuple[Any, str, int]] = []
    for key in _SCHEMA_MAPS:
        for child_name, child in (node.get(key) or {}).items():
            children.append((child, _join(path, str(child_name)), depth + 1))
    for key in _SCHEMA_LISTS:
        for index, child in enumerate(node.get(key) or []):
            children.append((child, f"{path}.{key}[{index}]", depth + 1))
    children.extend(
        (node[key], f"{path}.{key}", depth + 1) for key in _SCHEMA_VALUES if key in node
    )
    items = node.get("items")
    if isinstance(items, list):
        children.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(items))
    elif items is not None:
        children.append((items, f"{path}[]", depth + 1))
    return children


def _check_value_depth(value: Any, where: str, depth: int) -> None:
    """Plain JSON values (``enum``, ``default``, ...) within the remaining nesting budget."""
    pending = [(value, depth)]
    while pending:
        item, level = pending.pop()
        if level > MAX_SCHEMA_DEPTH:
            msg = f"{where}: nests deeper than {MAX_SCHEMA_DEPTH} levels"
            raise SchemaCompilationError(msg)
        if isinstance(item, Mapping):
            pending.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list | tuple):
            pending.extend((child, level + 1) for child in item)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
