"""The schema compiler proper: walks a JSON Schema and emits GigaChat's dialect node by node.

``$ref`` inlining (with bounded recursion), ``allOf`` merging, nullable splitting and the shape
of every node kind live here; union folding is in :mod:`.unions`, description notes in
:mod:`.text`, restore plans in :mod:`.restore`. The decisions are listed in the public
``tools.schema`` module's docstring.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from langchain_gigachat_ext.tools._schema.node import SchemaNode
from langchain_gigachat_ext.tools._schema.restore import (
    KEEP,
    SCALAR_TYPES,
    EnumPlan,
    ListPlan,
    ObjectPlan,
    RestorePlan,
    ScalarPlan,
    enum_key,
)
from langchain_gigachat_ext.tools._schema.text import (
    NOT_LOSSES,
    join_description,
    join_path,
    leftover_notes,
    literal,
    show_path,
    summarize,
)
from langchain_gigachat_ext.tools._schema.unions import compile_union

__all__ = ["MAX_SCHEMA_DEPTH", "SchemaCompiler"]

MAX_SCHEMA_DEPTH = 32
"""Deepest nesting a tool or response schema may have: schemas within schemas (an object's
property, an array's items, a union member, ...), and JSON values within values inside them.

Inferred: the API documents no limit. Real schemas nest a few levels (pydantic models rarely
pass 10); 32 leaves room for them, and keeps the compiler, the answer validator (``jsonschema``,
pydantic) and JSON encoding far from Python's recursion limit, which a schema 100 levels deep
already reaches. The compiler applies it after inlining ``$ref`` chains, ``tools.checks`` to
the schema as given."""

_SUPPORTED_FORMATS = frozenset({"date", "date-time", "time"})
_UNSUPPORTED = ("not", "if", "then", "else")


class SchemaCompiler:
    """Rewrites one schema into the dialect, node by node, collecting losses and restore plans."""

    def __init__(
        self,
        root: Mapping[str, Any],
        name: str,
        max_recursion: int,
        error_type: Callable[[str], Exception],
    ) -> None:
        """Prepare a compiler.

        Args:
            root: The whole schema (``$ref`` targets are looked up here).
            name: The function name, for error messages.
            max_recursion: How many times a recursive ``$ref`` is expanded along one path.
            error_type: The exception raised for constructs the dialect cannot express (the
                public ``SchemaCompilationError``, which lives with the public API).
        """
        self._root = root
        self._error_type = error_type
        self._name = name
        self._max_recursion = max_recursion
        self._stack: list[str] = ["#"]
        self._depth = 0
        self.losses: list[str] = []

    def error(self, path: str, message: str) -> Exception:
        where = f"{self._name!r} at {show_path(path)}" if self._name else show_path(path)
        return self._error_type(f"schema {where}: {message}")

    def loss(self, path: str, message: str) -> None:
        self.losses.append(f"{show_path(path)}: {message}")

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        """Compile without recording losses (the caller reports one summary loss instead)."""
        saved, self.losses = self.losses, []
        try:
            yield
        finally:
            self.losses = saved

    # ----------------------------------------------------------------- entry points

    def compile_root(self) -> tuple[dict[str, Any], RestorePlan]:
        root = dict(self._root)
        shape_keys = {"type", "properties", "$ref", "allOf", "anyOf", "oneOf", "enum", "const"}
        if not shape_keys & root.keys():
            root["type"] = "object"  # no shape at all: a function without arguments
        node = self.node(root, "")
        if node.kind != "object":
            raise self.error(
                "",
                f"the top level must describe an object, not {node.kind}; "
                "wrap the value in a model with a single field",
            )
        parameters: dict[str, Any] = {"type": "object", "properties": node.schema["properties"]}
        if node.schema.get("required"):
            parameters["required"] = node.schema["required"]
        return parameters, node.plan

    def node(self, schema: Any, path: str) -> SchemaNode:
        # Inlined $ref chains can nest deeper than the schema as written (tools.checks).
        if self._depth >= MAX_SCHEMA_DEPTH:
            raise self.error(path, f"nests deeper than {MAX_SCHEMA_DEPTH} levels")
        self._depth += 1
        try:
            return self._node(schema, path)
        finally:
            self._depth -= 1

    def _node(self, schema: Any, path: str) -> SchemaNode:
        if schema is True:
            schema = {}
        if not isinstance(schema, Mapping):
            raise self.error(path, f"expected a schema object, got {schema!r}")
        for keyword in _UNSUPPORTED:
            if keyword in schema:
                raise self.error(
                    path,
                    f"'{keyword}' cannot be expressed in GigaChat's function schema; "
                    "describe the condition in 'description' instead",
                )
        plain, nullable = self._split_nullable(dict(schema), path)
        if "$ref" in plain:
            node = self._ref(plain, path)
        elif "allOf" in plain:
            node = self.node(self._merge_all_of(plain, path, depth=0), path)
        else:
            node = self._shape(plain, path)
        return replace(node, nullable=node.nullable or nullable)

    # ----------------------------------------------------------------- references and merging

    def _resolve(self, ref: Any, path: str) -> dict[str, Any]:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise self.error(path, f"only local $ref is supported, got {ref!r}; inline it")
        target: Any = self._root
        for raw in ref[1:].split("/")[1:] if ref != "#" else []:
            part = raw.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, Mapping) else None
        if not isinstance(target, Mapping):
            raise self.error(path, f"unresolvable $ref {ref!r}; add the definition under $defs")
        return dict(target)

    def _ref(self, schema: dict[str, Any], path: str) -> SchemaNode:
        ref = schema.pop("$ref")
        label = str(ref).rsplit("/", 1)[-1] or "root"
        target = self._resolve(ref, path)
        if self._stack.count(ref) >= self._max_recursion:
            note = f"A nested {label} object (same fields as the enclosing {label})."
            self.loss(
                path,
                f"recursive reference to {label!r} truncated after {self._max_recursion} levels",
            )
            description = join_description(schema.get("description"), [note])
            degraded: dict[str, Any] = {
                "type": "object",
                "description": description,
                "properties": {},
            }
            return SchemaNode(degraded, KEEP, "object", label=label)
        self._stack.append(ref)
        try:
            node = self.node({**target, **schema}, path)
        finally:
            self._stack.pop()
        return replace(node, label=label)

    def _merge_all_of(self, schema: dict[str, Any], path: str, depth: int) -> dict[str, Any]:
        if depth > 16:
            raise self.error(path, "allOf nests too deep (circular allOf?)")
        merged: dict[str, Any] = {}
        parts = [part for part in schema.pop("allOf") if part is not True]
        for raw in [*parts, schema]:
            if not isinstance(raw, Mapping):
                raise self.error(path, f"allOf member must be an object, got {raw!r}")
            part = dict(raw)
            if "$ref" in part:
                part = {**self._resolve(part.pop("$ref"), path), **part}
            if "allOf" in part:
                part = self._merge_all_of(part, path, depth + 1)
            for key, value in part.items():
                self._merge_keyword(merged, key, value, path)
        if isinstance(schema.get("description"), str):
            # The schema's own description (a field's) wins over its members' (a model's).
            merged["description"] = schema["description"]
        return merged

    def _merge_keyword(self, merged: dict[str, Any], key: str, value: Any, path: str) -> None:
        if key not in merged:
            merged[key] = dict(value) if key == "properties" else value
        elif key == "properties":
            for name, sub in value.items():
                old = merged["properties"].get(name)
                merged["properties"][name] = sub if old is None else {"allOf": [old, sub]}
        elif key == "required":
            merged["required"] = [*merged["required"], *(r for r in value if r not in merged[key])]
        elif key == "description" and value != merged[key]:
            merged[key] = f"{merged[key]} {value}"
        elif key == "type" and value != merged[key]:
            if {value, merged[key]} == {"integer", "number"}:
                merged[key] = "integer"
            else:
                raise self.error(
                    path,
                    f"allOf combines incompatible types {merged[key]!r} "
                    f"and {value!r}; use one type",
                )
        else:
            merged[key] = value  # later parts (and the schema's own keywords) win

    def _split_nullable(self, schema: dict[str, Any], path: str) -> tuple[dict[str, Any], bool]:
        nullable = schema.pop("nullable", False) is True  # OpenAPI 3.0 spelling
        kind = schema.get("type")
        if isinstance(kind, list):
            rest = [item for item in kind if item != "null"]
            nullable = nullable or len(rest) < len(kind)
            if len(rest) == 1:
                schema["type"] = rest[0]
            elif not rest:
                schema["type"] = "null"
            else:
                del schema["type"]
                schema["anyOf"] = [{"type": item} for item in rest]
        for key in ("anyOf", "oneOf"):
            if key not in schema:
                continue
            alternatives = schema.pop(key)
            if not isinstance(alternatives, list):
                raise self.error(path, f"'{key}' must be a list")
            rest = [alt for alt in alternatives if not _is_null_schema(alt)]
            nullable = nullable or len(rest) < len(alternatives)
            if len(rest) == 1 and isinstance(rest[0], Mapping):
                # The property's own keywords (description, default ...) override the member's.
                schema = {**rest[0], **schema}
            elif not rest:
                schema["type"] = "null"
            else:
                schema[key] = rest
            break
        return schema, nullable

    # ----------------------------------------------------------------- shapes

    def _shape(self, schema: dict[str, Any], path: str) -> SchemaNode:
        label = schema.get("title") if isinstance(schema.get("title"), str) else None
        if "anyOf" in schema or "oneOf" in schema:
            node = compile_union(self, schema, "anyOf" if "anyOf" in schema else "oneOf", path)
        elif "enum" in schema or "const" in schema or schema.get("type") == "null":
            node = self._enum(schema, path)
        else:
            kind = schema.get("type") or _infer_type(schema)
            if kind == "object":
                node = self._object(schema, path)
            elif kind == "array":
                node = self._array(schema, path)
            elif kind in SCALAR_TYPES:
                node = self._scalar(schema, str(kind), path)
            elif kind == "any":
                node = self._any(schema, path)
            else:
                raise self.error(path, f"unknown type {kind!r}")
        return replace(node, label=label)

    def describe(
        self,
        schema: Mapping[str, Any],
        path: str,
        handled: frozenset[str] | set[str],
        notes: list[str] | None = None,
    ) -> str | None:
        """Move what the dialect cannot express into the description (and report it)."""
        collected = list(notes or [])
        for key, note in leftover_notes(schema, handled):
            collected.append(note)
            if key in NOT_LOSSES:
                continue
            if path:
                self.loss(path, f"{key!r} moved to description")
            else:
                self.loss(path, f"{key!r} dropped (the top level has no description)")
        return join_description(schema.get("description"), collected)

    def finish(self, out: dict[str, Any], description: str | None) -> dict[str, Any]:
        if description:
            return {"type": out["type"], "description": description, **out}
        return out

    def _scalar(self, schema: dict[str, Any], kind: str, path: str) -> SchemaNode:
        out: dict[str, Any] = {"type": kind}
        handled = {"type"}
        if kind == "string" and schema.get("format") in _SUPPORTED_FORMATS:
            out["format"] = schema["format"]
            handled.add("format")
        return SchemaNode(
            self.finish(out, self.describe(schema, path, handled)), ScalarPlan(kind), kind
        )

    def _any(self, schema: dict[str, Any], path: str) -> SchemaNode:
        self.loss(path, "untyped value exposed as a string")
        notes = ["Any value; send it as text (objects and arrays as JSON)."]
        description = self.describe(schema, path, {"type"}, notes)
        return SchemaNode(self.finish({"type": "string"}, description), KEEP, "any")

    def _enum(self, schema: dict[str, Any], path: str) -> SchemaNode:
        # const, or type "null" (which behaves as const None)
        values = list(schema["enum"]) if "enum" in schema else [schema.get("const")]
        nullable = None in values and len(values) > 1
        kept = [value for value in values if value is not None] if nullable else values
        mapping: dict[str, Any] = {}
        for value in kept:
            mapping.setdefault(enum_key(value), value)
        out = {"type": "string", "enum": list(mapping)}
        description = self.describe(schema, path, {"type", "enum", "const"})
        return SchemaNode(
            self.finish(out, description), EnumPlan(mapping), "enum", nullable=nullable
        )

    def _object(self, schema: dict[str, Any], path: str) -> SchemaNode:
        properties = schema.get("properties") or {}
        required_in = [name for name in schema.get("required", []) if name in properties]
        out_properties: dict[str, Any] = {}
        plans: dict[str, RestorePlan] = {}
        required: list[str] = []
        for name, sub in properties.items():
            child = self.node(sub, join_path(path, name))
            out_properties[name] = child.schema
            plans[name] = child.plan
            if name not in required_in:
                continue
            if child.nullable and isinstance(sub, Mapping) and "default" in sub:
                continue  # nullable with a default: leaving it out means the default
            required.append(name)
        extra: RestorePlan | None = None
        notes: list[str] = []
        handled = {"type", "properties", "required", "additionalProperties"}
        additional = schema.get("additionalProperties")
        if isinstance(additional, Mapping) and additional:
            value = self.node(additional, join_path(path, "*"))
            extra = value.plan
            notes.append(f"Any keys are allowed; each value: {summarize(value.schema)}.")
            self.loss(
                path,
                "'additionalProperties' map exposed as an object without fixed keys "
                "(value type moved to description)",
            )
        elif additional is True or additional == {}:
            notes.append("Any keys are allowed.")
            self.loss(path, "'additionalProperties' moved to description")
        out: dict[str, Any] = {"type": "object", "properties": out_properties}
        if required:
            out["required"] = required
        description = self.describe(schema, path, handled, notes)
        return SchemaNode(self.finish(out, description), ObjectPlan(plans, extra), "object")

    def _array(self, schema: dict[str, Any], path: str) -> SchemaNode:
        items = schema.get("items")
        prefix = schema.get("prefixItems")
        if isinstance(items, list):  # draft-2019 tuple spelling
            prefix, items = items, None
        handled = {"type", "items", "prefixItems"}
        notes: list[str] = []
        item_path = f"{path}[]"
        plan: RestorePlan
        if isinstance(prefix, list) and prefix and not items:
            with self.quiet():
                positions = [self.node(sub, item_path) for sub in prefix]
                distinct = list({literal(p): p for p in prefix}.values())
                merged = self.node(
                    distinct[0] if len(distinct) == 1 else {"anyOf": distinct}, item_path
                )
            order = ", ".join(summarize(node.schema) for node in positions)
            notes.append(f"Items in this order: {order}.")
            self.loss(
                path, "tuple ('prefixItems') exposed as a list; positions moved to description"
            )
            out_items, plan = merged.schema, ListPlan(tuple(node.plan for node in positions))
        elif isinstance(items, Mapping) and items:
            child = self.node(items, item_path)
            out_items, plan = child.schema, ListPlan(rest=child.plan)
        else:
            notes.append("Items may be any value, sent as text.")
            self.loss(path, "array items have no type; exposed as strings")
            out_items, plan = {"type": "string"}, ListPlan()
        out = {"type": "array", "items": out_items}
        description = self.describe(schema, path, handled, notes)
        return SchemaNode(self.finish(out, description), plan, "array")


def _is_null_schema(schema: Any) -> bool:
    return isinstance(schema, Mapping) and (
        schema.get("type") == "null" or ("const" in schema and schema["const"] is None)
    )


def _infer_type(schema: Mapping[str, Any]) -> str:
    if {"properties", "additionalProperties", "patternProperties", "required"} & schema.keys():
        return "object"
    if {"items", "prefixItems"} & schema.keys():
        return "array"
    return "any"
