"""Restore plans: map the model's arguments back to the original schema's shape.

The compiler (:mod:`.compiler`) builds one plan per schema node while it rewrites the schema into
GigaChat's dialect. Every plan is best effort: a value that does not fit passes through unchanged
and nothing here raises on odd input.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "KEEP",
    "SCALAR_TYPES",
    "AlternativesPlan",
    "EnumPlan",
    "KeepPlan",
    "ListPlan",
    "ObjectPlan",
    "ObjectUnionPlan",
    "RestorePlan",
    "ScalarPlan",
    "Variant",
    "enum_key",
    "parse_container",
]

SCALAR_TYPES = frozenset({"string", "integer", "number", "boolean"})
"""The JSON scalar types the dialect keeps as they are."""

_INTEGER_TEXT = re.compile(r"[+-]?\d+")


class RestorePlan(Protocol):
    """Maps one value of the model's answer back to the original schema's shape."""

    def restore(self, value: Any) -> Any:
        """Return ``value`` reshaped for the original schema (best effort, never raises)."""
        ...


def parse_container(value: Any, expected: type) -> Any:
    """Return ``value``, or, when it is text, the JSON it holds if that is an ``expected``.

    The model sometimes sends an object or array as a JSON string. Text that is not JSON of the
    ``expected`` type yields ``None``; the callers then leave the original value alone.
    """
    if not isinstance(value, str):
        return value
    with contextlib.suppress(ValueError):
        parsed = json.loads(value)
        if isinstance(parsed, expected):
            return parsed
    return None


def enum_key(value: Any) -> str:
    """The wire spelling of an enum value: strings as they are, anything else as JSON text."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class KeepPlan:
    """Passes the value through untouched."""

    def restore(self, value: Any) -> Any:
        """Return ``value`` as it is."""
        return value


KEEP = KeepPlan()
"""The shared pass-through plan."""


@dataclass(frozen=True)
class ScalarPlan:
    """Casts a value to a JSON scalar type (the model may send ``"3"`` for ``3``)."""

    kind: str
    """One of ``SCALAR_TYPES``."""

    def restore(self, value: Any) -> Any:
        """Return ``value`` cast to ``kind``, or unchanged when it does not fit."""
        ok, result = _cast_scalar(self.kind, value)
        if ok:
            return result
        if self.kind == "string" and isinstance(value, (int, float)):
            return json.dumps(value)  # bool spells "true", numbers their JSON text
        return value


def _cast_scalar(kind: str, value: Any) -> tuple[bool, Any]:
    """Cast ``value`` strictly to the JSON scalar ``kind``; ``(False, value)`` if it won't fit."""
    if kind == "string":
        return isinstance(value, str), value
    if kind == "boolean":
        if isinstance(value, bool):
            return True, value
        if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
            return True, value.strip().lower() == "true"
        return False, value
    if isinstance(value, bool):
        return False, value
    number: Any = value
    if isinstance(value, str):
        text = value.strip()
        if _INTEGER_TEXT.fullmatch(text):
            return True, int(text)
        try:
            number = float(text)
        except ValueError:
            return False, value
    if kind == "integer":
        if isinstance(number, int):
            return True, number
        if isinstance(number, float) and number.is_integer():
            return True, int(number)
        return False, value
    if kind == "number" and isinstance(number, (int, float)) and math.isfinite(number):
        return True, number
    return False, value


@dataclass(frozen=True)
class EnumPlan:
    """Maps a stringified enum value back to the original (``"1"`` → ``1``)."""

    mapping: Mapping[str, Any]
    """Wire spelling (see ``enum_key``) → original value."""

    def restore(self, value: Any) -> Any:
        """Return the original enum value, or ``value`` unchanged when it is not one."""
        return self.match(value)[1]

    def match(self, value: Any) -> tuple[bool, Any]:
        """Return ``(True, original)`` for a known value, else ``(False, value)``."""
        key = enum_key(value)
        if key in self.mapping:
            return True, self.mapping[key]
        return False, value


@dataclass(frozen=True)
class ListPlan:
    """Restores the items of an array; a tuple has its own plan per leading position."""

    positions: tuple[RestorePlan, ...] = ()
    """Plans for the leading items, in order (a tuple's ``prefixItems``)."""
    rest: RestorePlan = KEEP
    """The plan for every item after ``positions``."""

    def restore(self, value: Any) -> Any:
        """Return the list with every item restored (a JSON array in text is parsed first)."""
        parsed = parse_container(value, list)
        if not isinstance(parsed, list):
            return value
        count = len(self.positions)
        return [
            (self.positions[index] if index < count else self.rest).restore(item)
            for index, item in enumerate(parsed)
        ]


@dataclass(frozen=True)
class ObjectPlan:
    """Restores an object property by property."""

    properties: Mapping[str, RestorePlan]
    """Property name → its plan."""
    extra: RestorePlan | None = None
    """The plan for keys not in ``properties`` (an ``additionalProperties`` schema), if any."""

    def restore(self, value: Any) -> Any:
        """Return the object with every known property restored; unknown keys are kept."""
        parsed = parse_container(value, dict)
        if not isinstance(parsed, dict):
            return value
        restored: dict[str, Any] = {}
        for key, item in parsed.items():
            plan = self.properties.get(key, self.extra)
            restored[key] = item if plan is None else plan.restore(item)
        return restored


@dataclass(frozen=True)
class Variant:
    """One object variant of a union folded into a discriminated object."""

    value: str
    """The discriminator value on the wire."""
    properties: Mapping[str, tuple[str, RestorePlan]]
    """Wire property name → (original property name, plan)."""
    discriminator_plan: RestorePlan | None = None
    """Set when the discriminator is one of the variant's own properties (kept on restore)."""


@dataclass(frozen=True)
class ObjectUnionPlan:
    """Unfolds a discriminated object back into the variant the model chose."""

    discriminator: str
    """The wire name of the discriminator property."""
    variants: tuple[Variant, ...]
    """The variants in their declared order."""

    def restore(self, value: Any) -> Any:
        """Return the chosen variant's object under its original property names."""
        parsed = parse_container(value, dict)
        if not isinstance(parsed, dict) or not self.variants:
            return value
        chosen = self._choose(parsed)
        known = {name for variant in self.variants for name in variant.properties}
        restored: dict[str, Any] = {}
        if chosen.discriminator_plan is not None:
            restored[self.discriminator] = chosen.discriminator_plan.restore(chosen.value)
        for key, item in parsed.items():
            if key == self.discriminator:
                continue
            if key in chosen.properties:
                original, plan = chosen.properties[key]
                restored[original] = plan.restore(item)
            elif key not in known:
                restored[key] = item
        return restored

    def _choose(self, value: dict[str, Any]) -> Variant:
        tag = value.get(self.discriminator)
        if tag is not None:
            text = str(tag).strip()
            for variant in self.variants:
                if variant.value == text:
                    return variant
            for variant in self.variants:
                if variant.value.casefold() == text.casefold():
                    return variant
        # No usable tag: pick the variant that explains most of the keys (first wins a tie).
        return max(self.variants, key=lambda variant: len(variant.properties.keys() & value.keys()))


@dataclass(frozen=True)
class AlternativesPlan:
    """A non-object union sent as a string; the first alternative that fits wins."""

    alternatives: tuple[tuple[str, RestorePlan], ...]
    """(original kind, plan) per alternative, in declared order."""

    def restore(self, value: Any) -> Any:
        """Return ``value`` restored by the first alternative that accepts it."""
        if value is None:
            return None
        for kind, plan in self.alternatives:
            ok, result = _try_alternative(kind, plan, value)
            if ok:
                return result
        return value


def _try_alternative(kind: str, plan: RestorePlan, value: Any) -> tuple[bool, Any]:
    if kind in SCALAR_TYPES:
        return _cast_scalar(kind, value)
    if kind == "enum" and isinstance(plan, EnumPlan):
        return plan.match(value)
    if kind == "union":
        return True, plan.restore(value)
    if kind == "null":
        return (value is None or value == "null"), None
    if kind in {"object", "array"}:
        expected: type = dict if kind == "object" else list
        parsed = parse_container(value, expected)
        if isinstance(parsed, expected):
            return True, plan.restore(parsed)
        return False, value
    return True, value  # "any" accepts everything
