"""Readable text for what GigaChat's schema dialect cannot express.

Constraints the dialect lacks move into the property description; these helpers spell them out
and name compiled schemas in notes (decisions in the ``tools.schema`` module docstring).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "NOT_LOSSES",
    "join_description",
    "join_path",
    "leftover_notes",
    "literal",
    "parenthesize",
    "show_path",
    "summarize",
    "without_description",
]

NOT_LOSSES = frozenset({"default", "examples", "example", "deprecated"})
"""Keywords that document rather than constrain: moving them to the description loses nothing."""

_NOISE = frozenset(
    {"title", "$schema", "$id", "$comment", "$defs", "definitions", "readOnly", "writeOnly"}
)
_NOTE_ORDER = (
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "additionalProperties",
    "deprecated",
    "examples",
    "example",
    "default",
)
_NOTE_TEMPLATES = {
    "minimum": "Minimum {}.",
    "exclusiveMinimum": "Greater than {}.",
    "maximum": "Maximum {}.",
    "exclusiveMaximum": "Less than {}.",
    "multipleOf": "Multiple of {}.",
    "minLength": "At least {} characters.",
    "maxLength": "At most {} characters.",
    "pattern": "Must match the regular expression {}.",
    "format": "Format: {}.",
    "minItems": "At least {} items.",
    "maxItems": "At most {} items.",
    "minProperties": "At least {} keys.",
    "maxProperties": "At most {} keys.",
    "default": "Default: {}.",
}


def join_path(path: str, name: str) -> str:
    """Extend a dotted property path by ``name``."""
    return f"{path}.{name}" if path else name


def show_path(path: str) -> str:
    """A property path for messages; the top level reads ``<root>``."""
    return path or "<root>"


def literal(value: Any) -> str:
    """``value`` in JSON spelling, non-ASCII kept readable."""
    return json.dumps(value, ensure_ascii=False, default=str)


def join_description(base: Any, notes: list[str]) -> str | None:
    """Append ``notes`` to the ``base`` description; ``None`` when both are empty."""
    parts: list[str] = []
    if isinstance(base, str) and base.strip():
        text = base.strip()
        if notes and text[-1] not in ".!?:;…":
            text += "."
        parts.append(text)
    parts.extend(notes)
    return " ".join(parts) or None


def parenthesize(description: Any) -> str:
    """`` (description)`` without its final period, or ``""`` when there is none."""
    if not isinstance(description, str) or not description.strip():
        return ""
    return f" ({description.strip().rstrip('.')})"


def summarize(schema: Mapping[str, Any]) -> str:
    """A short readable name for a compiled schema, used in notes."""
    if "enum" in schema:
        return "one of " + ", ".join(literal(value) for value in schema["enum"])
    kind = schema.get("type", "value")
    if kind == "array":
        return f"array of {summarize(schema.get('items', {}))}"
    if kind == "object":
        keys = ", ".join(schema.get("properties", {}))
        return f"object with keys {keys}" if keys else "object"
    return f"{kind} ({schema['format']})" if "format" in schema else str(kind)


def without_description(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` minus its description (to compare two schemas by meaning)."""
    return {key: value for key, value in schema.items() if key != "description"}


def leftover_notes(
    schema: Mapping[str, Any], handled: frozenset[str] | set[str]
) -> Iterator[tuple[str, str]]:
    """Yield ``(keyword, note)`` for every keyword the dialect could not take, in reading order.

    Args:
        schema: The source schema node.
        handled: Keywords the compiler already expressed in the dialect.

    Yields:
        The keyword and its note; noise (``title``, ``$schema`` ...) and keywords that need no
        note (``additionalProperties: false``, ``default: null`` ...) are skipped.
    """
    skip = handled | _NOISE | {"description"}
    leftover = [key for key in schema if key not in skip]
    ordered = [key for key in _NOTE_ORDER if key in leftover]
    ordered += sorted(key for key in leftover if key not in _NOTE_ORDER)
    for key in ordered:
        note = _note(key, schema[key])
        if note is not None:
            yield key, note


def _note(key: str, value: Any) -> str | None:
    if key == "additionalProperties":
        return None if value is False else f"additionalProperties: {literal(value)}."
    if key == "uniqueItems":
        return "Items must be unique." if value is True else None
    if key == "deprecated":
        return "Deprecated." if value is True else None
    if key == "default" and value is None:
        return None  # leaving a nullable field out already means null
    if key in {"examples", "example"}:
        examples = value if isinstance(value, list) else [value]
        return "Examples: " + ", ".join(literal(example) for example in examples) + "."
    if key in _NOTE_TEMPLATES:
        text = str(value) if key in {"pattern", "format"} else literal(value)
        return _NOTE_TEMPLATES[key].format(text)
    return f"{key}: {literal(value)}."
