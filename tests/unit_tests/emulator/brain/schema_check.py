"""A small JSON-Schema validator for the filler's tests (the keywords the filler honours)."""

from __future__ import annotations

from typing import Any

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


def errors(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str = "$") -> list[str]:
    """A small JSON-Schema validator covering the keywords the filler claims to honour."""
    schema = _resolve(schema, root)
    variants = schema.get("anyOf") or schema.get("oneOf")
    if variants:
        if all(errors(value, variant, root, path) for variant in variants):
            return [f"{path}: matches no variant"]
        return []
    found: list[str] = []
    if "const" in schema and value != schema["const"]:
        found.append(f"{path}: const")
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: not in enum")
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind else []
    if kinds:
        allowed = tuple(t for k in kinds for t in _TYPES[k])
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            return [*found, f"{path}: expected {kinds}, got {type(value).__name__}"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{path}: below minimum")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{path}: above maximum")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            found.append(f"{path}: not above exclusiveMinimum")
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            found.append(f"{path}: not below exclusiveMaximum")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            found.append(f"{path}: too short")
        if len(value) > schema.get("maxLength", 10**9):
            found.append(f"{path}: too long")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found.extend(
            f"{path}.{key}: missing" for key in schema.get("required", []) if key not in value
        )
        for key, item in value.items():
            if key in properties:
                found.extend(errors(item, properties[key], root, f"{path}.{key}"))
            elif schema.get("additionalProperties") is False:
                found.append(f"{path}.{key}: unexpected")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            found.append(f"{path}: too few items")
        if len(value) > schema.get("maxItems", 10**9):
            found.append(f"{path}: too many items")
        for index, item in enumerate(value):
            found.extend(errors(item, schema.get("items", {}), root, f"{path}[{index}]"))
    return found
