"""Checking a model's answer against the caller's own schema, never against our encoding of it.

A tool call's arguments (after they are mapped back from GigaChat's dialect) and a structured
answer are validated with what the caller gave: the tool's ``args_schema`` (pydantic), a pydantic
model, a TypedDict (through pydantic's ``TypeAdapter``) or a JSON schema (``jsonschema``, imported
on first use). A :class:`Validator` returns None for a valid value and otherwise a short,
readable error that names the offending fields; it never raises.

Errors avoid quoting the rejected values: they go back to the model in a re-ask, and echoed
values would read like new facts of the conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, is_typeddict

from langchain_core.tools import BaseTool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import PydanticUserError, TypeAdapter, ValidationError

__all__ = ["Validator", "json_schema_validator", "validator_for"]

Validator = Callable[[Any], "str | None"]
"""``value`` → None when it validates, else an error naming the fields at fault."""

_MAX_ERRORS = 5


def validator_for(tool: Any, schema: Mapping[str, Any]) -> Validator:
    """The validator of one tool's arguments, from the form the caller gave it in.

    Args:
        tool: The tool as given to ``bind_tools`` (``BaseTool``, pydantic model, TypedDict,
            callable or dict).
        schema: The tool's JSON schema as read (used for dict tools and plain callables).

    Returns:
        A validator of argument objects.
    """
    if isinstance(tool, BaseTool):
        call_schema = tool.tool_call_schema
        if isinstance(call_schema, type) and is_basemodel_subclass(call_schema):
            return _pydantic_validator(call_schema)
        return json_schema_validator(schema)
    if isinstance(tool, type) and is_basemodel_subclass(tool):
        return _pydantic_validator(tool)
    if isinstance(tool, type) and is_typeddict(tool):
        try:
            return _adapter_validator(TypeAdapter(tool))
        except PydanticUserError:  # typing.TypedDict before Python 3.12: pydantic refuses it
            return json_schema_validator(schema)
    return json_schema_validator(schema)


def _object_only(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return f"expected a JSON object, got {_json_type(value)}"
    return None


def _pydantic_validator(model: type) -> Validator:
    if hasattr(model, "model_validate"):
        validate = model.model_validate

        def check(value: Any) -> str | None:
            problem = _object_only(value)
            if problem is not None:
                return problem
            try:
                validate(value)
            except ValidationError as error:
                return _pydantic_errors(error)
            return None

        return check
    return _pydantic_v1_validator(model)


def _pydantic_v1_validator(model: type) -> Validator:
    def check(value: Any) -> str | None:
        problem = _object_only(value)
        if problem is not None:
            return problem
        try:
            model.parse_obj(value)  # type: ignore[attr-defined]  # pydantic.v1 model
        except Exception as error:  # pydantic.v1's ValidationError is not pydantic's
            errors = getattr(error, "errors", None)
            if callable(errors):
                return _join(
                    _location(e.get("loc", ())) + ": " + str(e.get("msg")) for e in errors()
                )
            return str(error)
        return None

    return check


def _adapter_validator(adapter: TypeAdapter[Any]) -> Validator:
    def check(value: Any) -> str | None:
        problem = _object_only(value)
        if problem is not None:
            return problem
        try:
            adapter.validate_python(value)
        except ValidationError as error:
            return _pydantic_errors(error)
        return None

    return check


def json_schema_validator(schema: Mapping[str, Any]) -> Validator:
    """A validator for a JSON schema (draft 2020-12 unless the schema names its draft).

    Args:
        schema: The schema; ``$ref`` to its own ``$defs``/``definitions`` resolve.

    Returns:
        A validator; a schema that is itself invalid accepts every object (the API was
        given it as it is, and a broken schema must not reject every answer).
    """
    import jsonschema

    try:
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
        validator = validator_class(dict(schema))
    except (jsonschema.SchemaError, TypeError):
        return _object_only
    top_is_object = schema.get("type") == "object" or "properties" in schema

    def check(value: Any) -> str | None:
        if top_is_object and (problem := _object_only(value)) is not None:
            return problem
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        if not errors:
            return None
        return _join(line for error in errors for line in _json_schema_lines(error))

    return check


def _json_schema_lines(error: Any) -> list[str]:
    """One line per problem, in the same form as pydantic's (``path: message``)."""
    path = list(error.absolute_path)
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        missing = [name for name in error.validator_value if name not in instance]
        return [f"{_location([*path, name])}: missing required field" for name in missing]
    return [f"{_location(path) or 'the answer'}: {_json_schema_message(error)}"]


def _json_schema_message(error: Any) -> str:
    """The message of a jsonschema error, without the rejected value it quotes first."""
    if error.validator == "type":
        return f"must be of type {error.validator_value}, got {_json_type(error.instance)}"
    if error.validator in ("enum", "const"):
        return "is not one of the allowed values"
    if error.validator == "additionalProperties":
        return "has properties the schema does not allow"
    if error.validator in ("anyOf", "oneOf"):
        return "matches none of the allowed variants"
    return f"fails the schema's {error.validator!r} rule"


def _pydantic_errors(error: ValidationError) -> str:
    return _join(
        f"{_location(item['loc']) or 'the answer'}: {_pydantic_message(item)}"
        for item in error.errors(include_url=False, include_input=False)
    )


def _pydantic_message(item: Mapping[str, Any]) -> str:
    if item.get("type") == "missing":
        return "missing required field"
    return str(item.get("msg", "invalid"))


def _location(path: Sequence[Any]) -> str:
    return ".".join(str(part) for part in path)


def _join(messages: Any) -> str:
    items = list(dict.fromkeys(messages))
    extra = len(items) - _MAX_ERRORS
    text = "; ".join(items[:_MAX_ERRORS])
    return f"{text}; and {extra} more" if extra > 0 else text


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Sequence):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return "a value"
