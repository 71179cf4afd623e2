"""Fold ``anyOf`` / ``oneOf`` into something GigaChat's schema dialect can express.

A union of objects becomes one discriminated object: a discriminator the variants already share
(a distinct single-value enum in each, e.g. a pydantic ``Literal`` tag) is reused and kept on
restore, otherwise a synthetic ``kind`` property is added and dropped on restore. Any other union
becomes a string, and restore tries the alternatives in their declared order.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from langchain_gigachat_ext.tools._schema.node import NodeCompiler, SchemaNode
from langchain_gigachat_ext.tools._schema.restore import (
    KEEP,
    AlternativesPlan,
    ObjectPlan,
    ObjectUnionPlan,
    RestorePlan,
    Variant,
)
from langchain_gigachat_ext.tools._schema.text import (
    join_description,
    parenthesize,
    summarize,
    without_description,
)

__all__ = ["compile_union"]

_SYNTHETIC_DISCRIMINATORS = ("kind", "variant", *(f"kind_{i}" for i in range(1, 99)))


def compile_union(
    compiler: NodeCompiler, schema: dict[str, Any], key: str, path: str
) -> SchemaNode:
    """Compile the union under ``schema[key]`` (``"anyOf"`` or ``"oneOf"``, nulls already split).

    Args:
        compiler: Compiles the alternatives and records losses.
        schema: The schema node holding the union.
        key: ``"anyOf"`` or ``"oneOf"``.
        path: The node's property path.

    Returns:
        A discriminated object when every alternative is an object, otherwise a string.
    """
    alternatives = schema[key]
    with compiler.quiet():
        probes = [compiler.node(alt, path) for alt in alternatives]
    if all(probe.kind == "object" for probe in probes):
        labels = _unique_labels([probe.label for probe in probes])
        nodes = [
            compiler.node(alt, f"{path}({label})")
            for alt, label in zip(alternatives, labels, strict=True)
        ]
        return _fold_objects(compiler, schema, key, nodes=nodes, labels=labels, path=path)
    kinds = ", ".join(probe.kind for probe in probes)
    compiler.loss(path, f"union of {kinds} folded into a string")
    choices = "; ".join(summarize(probe.schema) for probe in probes)
    note = f"One of: {choices}. Send it as text (objects and arrays as JSON)."
    description = compiler.describe(schema, path, {key, "discriminator", "type"}, [note])
    plan = AlternativesPlan(tuple((probe.kind, probe.plan) for probe in probes))
    return SchemaNode(compiler.finish({"type": "string"}, description), plan, "union")


def _fold_objects(
    compiler: NodeCompiler,
    schema: dict[str, Any],
    key: str,
    *,
    nodes: list[SchemaNode],
    labels: list[str],
    path: str,
) -> SchemaNode:
    existing = _shared_discriminator(schema, nodes)
    names_in_use = {name for node in nodes for name in node.schema["properties"]}
    if existing is not None:
        discriminator, values = existing
    else:
        discriminator = next(name for name in _SYNTHETIC_DISCRIMINATORS if name not in names_in_use)
        values = labels
    out_properties: dict[str, dict[str, Any]] = {}
    plans: dict[str, RestorePlan] = {}
    users: dict[str, list[str]] = {}
    variants: list[Variant] = []
    for node, label, value in zip(nodes, labels, values, strict=True):
        node_plans = node.plan.properties if isinstance(node.plan, ObjectPlan) else {}
        required = set(node.schema.get("required", []))
        mine: dict[str, tuple[str, RestorePlan]] = {}
        for name, sub in node.schema["properties"].items():
            if existing is not None and name == discriminator:
                continue
            plan = node_plans.get(name, KEEP)
            wire = name
            if wire in out_properties and (
                without_description(out_properties[wire]) != without_description(sub)
                or plans[wire] != plan
            ):
                wire = _unique_name(f"{label}_{name}", out_properties.keys() | names_in_use)
            if wire not in out_properties:
                out_properties[wire], plans[wire], users[wire] = sub, plan, []
            users[wire].append(f"'{value}'" + (" (required)" if name in required else ""))
            mine[wire] = (name, plan)
        own = node_plans.get(discriminator) if existing is not None else None
        variants.append(Variant(value, mine, own))
    for wire, used_by in users.items():
        note = f"Only when {discriminator} is {' or '.join(used_by)}."
        if len(used_by) == len(nodes) and all("(required)" in u for u in used_by):
            note = "Required for every variant."
        sub = out_properties[wire]
        out_properties[wire] = {
            **sub,
            "description": join_description(sub.get("description"), [note]),
        }
    choices = ", ".join(
        f"'{value}'" + parenthesize(node.schema.get("description"))
        for node, value in zip(nodes, values, strict=True)
    )
    tag = {
        "type": "string",
        "description": f"Which variant this object is: {choices}.",
        "enum": list(values),
    }
    compiler.loss(
        path,
        f"union of {len(nodes)} object variants folded into a discriminated "
        f"object (discriminator {discriminator!r})",
    )
    description = compiler.describe(schema, path, {key, "discriminator", "type"})
    out = {
        "type": "object",
        "properties": {discriminator: tag, **out_properties},
        "required": [discriminator],
    }
    plan = ObjectUnionPlan(discriminator, tuple(variants))
    return SchemaNode(compiler.finish(out, description), plan, "object")


def _shared_discriminator(
    schema: Mapping[str, Any], nodes: list[SchemaNode]
) -> tuple[str, list[str]] | None:
    """Find a property that is a distinct one-value enum in every variant (e.g. a ``Literal``)."""
    declared = schema.get("discriminator")
    candidates: list[str] = []
    if isinstance(declared, Mapping) and isinstance(declared.get("propertyName"), str):
        candidates.append(declared["propertyName"])
    first = nodes[0].schema["properties"] if nodes else {}
    candidates += [name for name in first if name not in candidates]
    for name in candidates:
        values: list[str] = []
        for node in nodes:
            prop = node.schema["properties"].get(name, {})
            enum = prop.get("enum")
            if not isinstance(enum, list) or len(enum) != 1:
                break
            values.append(enum[0])
        else:
            if len(set(values)) == len(values):
                return name, values
    return None


def _unique_labels(labels: list[str | None]) -> list[str]:
    result: list[str] = []
    for index, label in enumerate(labels, start=1):
        result.append(_unique_name(label or f"variant_{index}", set(result)))
    return result


def _unique_name(name: str, taken: Collection[str]) -> str:
    candidate, suffix = name, 2
    while candidate in taken:
        candidate, suffix = f"{name}_{suffix}", suffix + 1
    return candidate
