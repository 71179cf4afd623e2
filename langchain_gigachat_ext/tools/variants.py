"""One function per union variant: required-ness stays in the schema the API receives.

GigaChat's function dialect evidences ``type``/``properties``/``required``/``enum``/``items``
(PROTOCOL "Functions", §11 item 16); ``anyOf``/``oneOf`` is not evidenced, so a union of objects
would have to be folded into one object whose variants' required fields are only *described*
(inferred: the v1 dialect has no conditional ``required``). Instead, a union of objects that is
reached through object properties only (top level or nested, discriminated or not; ``Optional``
kept as ``null``) is split: the tool becomes one schema per variant, each with the union replaced
by that variant, so each variant's ``required`` list reaches the API as it is.

The unions split are chosen in document order while the number of variants stays within
:data:`MAX_VARIANTS`; unions inside arrays (each item may be another variant) and those past the
limit stay folded, and the answer is validated and repaired against the caller's schema instead.
Each variant remembers its single-value (``Literal``/``const``) properties, so a call that omits a
tag with a default still validates against a discriminated union after restoring.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_VARIANTS", "SchemaVariant", "inject_fixed", "split_unions"]

MAX_VARIANTS = 8
"""Most functions one tool is split into (a forced choice among them stays one request)."""

_MAX_DEPTH = 8
_UNION_KEYS = ("anyOf", "oneOf")
Path = tuple[str, ...]


@dataclass(frozen=True)
class SchemaVariant:
    """One variant of a tool's schema: every split union replaced by one of its alternatives."""

    label: str
    """Names the chosen alternatives (``card``, ``card_loan``), for the function name."""
    summary: str
    """Which alternative each split union took, for the function description."""
    schema: dict[str, Any]
    """The tool's schema with the split unions replaced (``$defs`` kept)."""
    fixed: tuple[tuple[Path, Any], ...]
    """Single-value properties of the chosen alternatives, by property path."""


@dataclass(frozen=True)
class _Union:
    path: Path
    alternatives: tuple[dict[str, Any], ...]  # as written (may be $ref), nulls removed
    nullable: bool


def split_unions(schema: Mapping[str, Any]) -> list[SchemaVariant]:
    """The variants of ``schema``, or ``[]`` when it has no union of objects to split.

    Args:
        schema: The tool's JSON schema (pydantic's ``model_json_schema()``, a TypedDict's or a
            JSON schema with a local ``$defs``).

    Returns:
        One variant per combination of the chosen unions' alternatives, in declared order.
    """
    root = dict(schema)
    unions: list[_Union] = []
    count = 1
    for found in _find_unions(root, root, (), depth=0, seen=frozenset()):
        if count * len(found.alternatives) > MAX_VARIANTS:
            continue
        if any(found.path[: len(u.path)] == u.path for u in unions):
            continue  # inside an alternative of a union already split: found per variant later
        unions.append(found)
        count *= len(found.alternatives)
    if not unions:
        return []
    variants = []
    for choice in itertools.product(*(range(len(u.alternatives)) for u in unions)):
        result = copy.deepcopy(root)
        labels: list[str] = []
        notes: list[str] = []
        fixed: list[tuple[Path, Any]] = []
        for union, index in zip(unions, choice, strict=True):
            alternative = union.alternatives[index]
            resolved = _resolve(root, alternative)
            label = _label(alternative, resolved, index)
            labels.append(label)
            where = ".".join(union.path) or "the arguments"
            notes.append(f"{where} is {resolved.get('title') or label}")
            fixed.extend(((*union.path, name), value) for name, value in _single_values(resolved))
            result = _replace(result, union, alternative)
        variants.append(SchemaVariant("_".join(labels), "; ".join(notes), result, tuple(fixed)))
    return variants


def _find_unions(
    root: Mapping[str, Any], node: Any, path: Path, *, depth: int, seen: frozenset[str]
) -> list[_Union]:
    if not isinstance(node, Mapping) or depth > _MAX_DEPTH:
        return []
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in seen:
            return []
        target = _resolve(root, node)
        return _find_unions(root, target, path, depth=depth + 1, seen=seen | {ref})
    for key in _UNION_KEYS:
        options = node.get(key)
        if isinstance(options, list):
            plain = [o for o in options if not _is_null(o)]
            objects = [o for o in plain if _is_object(_resolve(root, o))]
            if len(plain) >= 2 and len(objects) == len(plain):
                return [_Union(path, tuple(plain), len(plain) < len(options))]
            if len(plain) == 1:  # Optional[X]
                return _find_unions(root, plain[0], path, depth=depth + 1, seen=seen)
            return []
    found: list[_Union] = []
    properties = node.get("properties")
    if isinstance(properties, Mapping):
        for name, sub in properties.items():
            found += _find_unions(root, sub, (*path, str(name)), depth=depth + 1, seen=seen)
    return found


def _replace(root: dict[str, Any], union: _Union, alternative: dict[str, Any]) -> dict[str, Any]:
    """``root`` with the union at ``union.path`` replaced by one alternative.

    ``$ref``s on the way are inlined, so other uses of a shared definition keep the whole union.
    """

    def rewrite(node: dict[str, Any], rest: Path) -> dict[str, Any]:
        if isinstance(node.get("$ref"), str):
            target = _resolve(root, node)
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        for key in _UNION_KEYS:
            options = node.get(key)
            if isinstance(options, list) and not rest:
                kept = {k: v for k, v in node.items() if k not in (*_UNION_KEYS, "discriminator")}
                chosen = copy.deepcopy(alternative)
                if union.nullable:
                    return {**kept, "anyOf": [chosen, {"type": "null"}]}
                return {**kept, **chosen}
            if isinstance(options, list):  # Optional[X] on the way: rewrite inside X
                node = dict(node)
                node[key] = [o if _is_null(o) else rewrite(dict(o), rest) for o in options]
                return node
        name, tail = rest[0], rest[1:]
        properties = dict(node.get("properties", {}))
        properties[name] = rewrite(dict(properties[name]), tail)
        return {**node, "properties": properties}

    if not union.path:  # a top-level union: the root becomes the variant, $defs kept
        defs: dict[str, Any] = {k: root[k] for k in ("$defs", "definitions") if k in root}
        target = _resolve(root, alternative)
        head = {k: v for k, v in root.items() if k not in (*_UNION_KEYS, "discriminator")}
        return {**head, **target, **defs}
    return rewrite(root, union.path)


def _resolve(root: Mapping[str, Any], node: Mapping[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return dict(node)
    target: Any = root
    for raw in ref[2:].split("/"):
        target = (
            target.get(raw.replace("~1", "/").replace("~0", "~"))
            if isinstance(target, Mapping)
            else None
        )
    if not isinstance(target, Mapping):
        return dict(node)
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def _is_null(node: Any) -> bool:
    return isinstance(node, Mapping) and node.get("type") == "null" and len(node) <= 2


def _is_object(node: Mapping[str, Any]) -> bool:
    return node.get("type") == "object" or (
        "type" not in node and isinstance(node.get("properties"), Mapping)
    )


def _single_values(node: Mapping[str, Any]) -> list[tuple[str, Any]]:
    values = []
    for name, sub in (node.get("properties") or {}).items():
        if not isinstance(sub, Mapping):
            continue
        if "const" in sub:
            values.append((str(name), sub["const"]))
        elif isinstance(sub.get("enum"), list) and len(sub["enum"]) == 1:
            values.append((str(name), sub["enum"][0]))
    return values


def _label(written: Mapping[str, Any], resolved: Mapping[str, Any], index: int) -> str:
    tags = _single_values(resolved)
    ref = written.get("$ref")
    raw = (
        str(tags[0][1])
        if tags and isinstance(tags[0][1], str)
        else resolved.get("title") or (ref.rsplit("/", 1)[-1] if isinstance(ref, str) else "")
    )
    label = re.sub(r"[^A-Za-z0-9]+", "_", str(raw)).strip("_").lower()
    return label or f"variant{index + 1}"


def inject_fixed(arguments: dict[str, Any], fixed: tuple[tuple[Path, Any], ...]) -> dict[str, Any]:
    """Put a variant's single-value properties into ``arguments`` where the model left them out.

    Args:
        arguments: Restored arguments (changed in place and returned).
        fixed: The variant's ``(path, value)`` pairs.

    Returns:
        ``arguments``.
    """
    for path, value in fixed:
        container: Any = arguments
        for part in path[:-1]:
            container = container.get(part) if isinstance(container, dict) else None
        if isinstance(container, dict) and path[-1] not in container:
            container[path[-1]] = value
    return arguments
