"""Turn every tool form LangChain accepts into a GigaChat v1 function spec, and map calls back.

The wire payload is a plain dict and must reach the API as such: the SDK's pydantic ``Function``
model strips JSON-Schema keywords and turns typeless properties into objects (PROTOCOL.md
"Functions", §11 item 16). Send ``to_payload()`` through
``Chat(additional_fields={"functions": [...]})`` with ``functions`` unset.

GigaChat's extras ``few_shot_examples`` and ``return_parameters`` (PROTOCOL.md "Functions") are
read, first match wins, from ``BaseTool.extras``, from keys of those names on a dict tool (beside
``name``/``description``), then from the top level of the tool's JSON schema, which is where
pydantic puts ``model_config = {"json_schema_extra": {...}}`` (v1: ``Config.schema_extra``).
"""

from __future__ import annotations

import copy
import json
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from langchain_core.utils.pydantic import is_basemodel_subclass

from langchain_gigachat_ext.errors import GigaChatInvalidInputError
from langchain_gigachat_ext.tools.checks import check_schema, check_tool_name
from langchain_gigachat_ext.tools.reading import EXTRA_KEYS, model_schema, read_tool
from langchain_gigachat_ext.tools.schema import (
    CompiledSchema,
    SchemaCompilationError,
    compile_schema,
    sanitize_function_name,
)
from langchain_gigachat_ext.tools.validation import Validator, validator_for
from langchain_gigachat_ext.tools.variants import inject_fixed, split_unions

__all__ = [
    "GigaChatFunction",
    "GigaChatSchemaWarning",
    "ToolSet",
    "convert_to_gigachat_function",
    "convert_to_gigachat_functions",
    "convert_tools",
]

_EMPTY_OBJECT: dict[str, Any] = {"type": "object", "properties": {}}


class GigaChatSchemaWarning(UserWarning):
    """Some tool schemas were adapted to GigaChat's function dialect (see the listed losses)."""


@dataclass(frozen=True)
class GigaChatFunction:
    """One function as GigaChat's v1 ``functions[]`` expects it."""

    name: str
    """The wire name (valid for GigaChat); the model calls the function by this name."""
    original_name: str
    """The name LangChain knows the tool by; ``tool_calls`` must report this one."""
    description: str
    """What the function does (synthesised from the name when the tool has none)."""
    schema: CompiledSchema = field(repr=False)
    """The compiled parameters and the plan that maps the model's arguments back."""
    few_shot_examples: tuple[dict[str, Any], ...] | None = None
    """``[{"request": "...", "params": {...}}, ...]`` examples sent as they are."""
    return_parameters: dict[str, Any] | None = None
    """JSON schema of the function's result, compiled to the same dialect."""
    losses: tuple[str, ...] = ()
    """Everything that could not be expressed exactly (schema losses, synthesised description)."""
    validator: Validator | None = field(default=None, repr=False, compare=False)
    """Checks restored arguments against the caller's own schema (None: anything goes)."""
    variant: str | None = None
    """Which union variant of the tool this function is (``tools.variants``); None: the tool."""
    fixed: tuple[tuple[tuple[str, ...], Any], ...] = field(default=(), repr=False)
    """The variant's single-value properties, put back into restored arguments."""

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters schema in GigaChat's dialect (top level ``type: object``)."""
        return self.schema.parameters

    def restore(self, arguments: Any) -> dict[str, Any]:
        """Map the model's arguments back to the original schema's shape (never raises).

        Args:
            arguments: The ``function_call.arguments`` object the model sent.

        Returns:
            Arguments that validate against the tool's original schema when the model followed
            the compiled one.
        """
        return inject_fixed(self.schema.restore(arguments), self.fixed)

    def validate(self, arguments: Any) -> str | None:
        """None when ``arguments`` (restored) validate against the caller's schema, else why not."""
        return None if self.validator is None else self.validator(arguments)

    def to_payload(self) -> dict[str, Any]:
        """Return the exact wire dict (a deep copy, safe to mutate).

        Returns:
            ``{"name", "description", "parameters", "few_shot_examples"?, "return_parameters"?}``.
        """
        payload: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "parameters": copy.deepcopy(self.parameters),
        }
        if self.few_shot_examples is not None:
            payload["few_shot_examples"] = copy.deepcopy(list(self.few_shot_examples))
        if self.return_parameters is not None:
            payload["return_parameters"] = copy.deepcopy(self.return_parameters)
        return payload


@dataclass(frozen=True)
class ToolSet:
    """The functions bound to a model, with lookups both ways."""

    functions: tuple[GigaChatFunction, ...] = ()
    """The converted functions, in the order they were given."""
    by_wire_name: Mapping[str, GigaChatFunction] = field(init=False, repr=False)
    """Function by the name GigaChat sees and calls."""
    by_original_name: Mapping[str, GigaChatFunction] = field(init=False, repr=False)
    """Function by the name LangChain knows (for ``tool_choice`` and history)."""

    def __post_init__(self) -> None:
        """Build the lookups and reject duplicate names.

        Raises:
            GigaChatInvalidInputError: Two tools share an original name or map to the same wire
                name.
        """
        by_wire: dict[str, GigaChatFunction] = {}
        by_original: dict[str, GigaChatFunction] = {}
        for function in self.functions:
            seen = by_original.get(function.original_name)
            if seen is not None and (function.variant is None or seen.variant is None):
                msg = f"two tools are named {function.original_name!r}; tool names must be unique"
                raise GigaChatInvalidInputError(msg)
            clash = by_wire.get(function.name)
            if clash is not None:
                msg = (
                    f"tools {clash.original_name!r} and {function.original_name!r} both become "
                    f"the GigaChat function name {function.name!r}; rename one of them"
                )
                raise GigaChatInvalidInputError(msg)
            by_wire[function.name] = function
            by_original.setdefault(function.original_name, function)
        object.__setattr__(self, "by_wire_name", MappingProxyType(by_wire))
        object.__setattr__(self, "by_original_name", MappingProxyType(by_original))

    def variants(self, original_name: str) -> tuple[GigaChatFunction, ...]:
        """The functions a tool was sent as: one, or one per union variant."""
        return tuple(f for f in self.functions if f.original_name == original_name)

    @property
    def losses(self) -> tuple[str, ...]:
        """All functions' losses, each prefixed with the tool's original name."""
        return tuple(f"{fn.original_name}: {loss}" for fn in self.functions for loss in fn.losses)

    def payloads(self) -> list[dict[str, Any]]:
        """Return the wire ``functions`` list (fresh dicts)."""
        return [function.to_payload() for function in self.functions]

    def wire_name(self, original_name: str) -> str:
        """Return the wire name for a LangChain tool name (unchanged when unknown)."""
        function = self.by_original_name.get(original_name)
        return function.name if function is not None else original_name

    def restore_call(self, wire_name: str, arguments: Any) -> tuple[str, dict[str, Any]]:
        """Map a model's function call back to LangChain terms (never raises).

        Args:
            wire_name: ``function_call.name`` as the model sent it.
            arguments: ``function_call.arguments`` (an object; a JSON string is parsed).

        Returns:
            ``(original_name, restored_arguments)``. An unknown name (the model invented a
            function or called a built-in) comes back unchanged with the arguments as an
            object (``{}`` if they are not one).
        """
        function = self.by_wire_name.get(wire_name) or self.by_original_name.get(wire_name)
        if function is not None:
            return function.original_name, function.restore(arguments)
        return wire_name, CompiledSchema(dict(_EMPTY_OBJECT)).restore(arguments)


def convert_to_gigachat_function(tool: Any) -> GigaChatFunction:
    """Convert one tool, in any form ``bind_tools`` accepts, into a GigaChat function.

    Accepted: ``BaseTool`` (``@tool``, ``StructuredTool``, ``runnable.as_tool()``), pydantic v2 and
    v1 model classes, TypedDicts, plain callables, OpenAI tool dicts
    (``{"type": "function", "function": {...}}``), bare function dicts
    (``{"name", "description", "parameters"}``, Anthropic's ``input_schema`` too), raw JSON
    schemas with a ``title``, and an already converted ``GigaChatFunction``.

    Args:
        tool: The tool.

    Returns:
        The function spec. Losses (see ``GigaChatFunction.losses``) are reported, not raised.

    Raises:
        GigaChatInvalidInputError: ``tool`` is none of the accepted forms, its name is empty or
            not a string, or its extras have the wrong type. ``SchemaCompilationError`` (one of
            them) for a malformed schema (``tools.checks``) or one using constructs GigaChat
            cannot express at all.
    """
    if isinstance(tool, GigaChatFunction):
        return tool
    return _convert(tool, split=False)[0]


def convert_to_gigachat_functions(tool: Any) -> tuple[GigaChatFunction, ...]:
    """Convert one tool into the functions ``bind_tools`` sends: one per union variant.

    A tool whose arguments hold a union of objects becomes one function per variant
    (:mod:`~langchain_gigachat_ext.tools.variants`), named ``<tool>_<variant>``, so that each
    variant's required fields are required on the wire; every variant maps back to the tool's
    own name and is validated against the tool's whole schema.

    Args:
        tool: The tool, in any form :func:`convert_to_gigachat_function` accepts.

    Returns:
        The tool's functions (one when it has no union to split).
    """
    if isinstance(tool, GigaChatFunction):
        return (tool,)
    return _convert(tool, split=True)


def _convert(tool: Any, *, split: bool) -> tuple[GigaChatFunction, ...]:
    original_name, description, schema, extras = read_tool(tool)
    check_tool_name(original_name)
    check_schema(schema, name=original_name, what="parameters")
    for key in EXTRA_KEYS:
        if key in schema:
            value = schema.pop(key)
            extras.setdefault(key, value)
    losses: list[str] = []
    text = description.strip() if isinstance(description, str) else ""
    if not text and isinstance(schema.get("description"), str):
        text = schema["description"].strip()
    if not text:
        text = _describe_from_name(original_name)
        losses.append(f"description missing; synthesised from the name: {text!r}")
    validator = validator_for(tool, schema)
    examples = _few_shot_examples(extras.get("few_shot_examples"), original_name)
    return_losses: list[str] = []
    returns = _return_parameters(extras.get("return_parameters"), original_name, return_losses)
    variants = split_unions(schema) if split else []
    if not variants:
        compiled = compile_schema(schema, name=original_name)
        losses.extend(compiled.losses)
        losses.extend(return_losses)
        function = GigaChatFunction(
            name=sanitize_function_name(original_name),
            original_name=original_name,
            description=text,
            schema=compiled,
            few_shot_examples=examples,
            return_parameters=returns,
            losses=tuple(losses),
            validator=validator,
        )
        return (function,)
    functions = []
    for variant in variants:
        compiled = compile_schema(variant.schema, name=original_name)
        functions.append(
            GigaChatFunction(
                name=sanitize_function_name(f"{original_name}_{variant.label}"),
                original_name=original_name,
                description=f"{text} Variant: {variant.summary}.",
                schema=compiled,
                few_shot_examples=examples,
                return_parameters=returns,
                losses=(*losses, *compiled.losses, *return_losses),
                validator=validator,
                variant=variant.label,
                fixed=variant.fixed,
            )
        )
    return tuple(functions)


def convert_tools(tools: Iterable[Any], *, warn: bool = True, stacklevel: int = 2) -> ToolSet:
    """Convert a list of tools and check that their names stay unique on the wire.

    Args:
        tools: Tools in any form ``convert_to_gigachat_function`` accepts.
        warn: Emit one ``GigaChatSchemaWarning`` listing every loss (if there are any).
        stacklevel: Passed to ``warnings.warn`` (2 points at the caller of this function).

    Returns:
        The converted functions with lookups by wire and original name.

    Raises:
        GigaChatInvalidInputError: Duplicate names, a tool of an unsupported form, or a
            malformed schema or one GigaChat cannot express (``SchemaCompilationError``).
    """
    converted = (function for t in tools for function in convert_to_gigachat_functions(t))
    toolset = ToolSet(_drop_identical_repeats(converted))
    if warn and toolset.losses:
        lines = "\n".join(f"- {loss}" for loss in toolset.losses)
        message = (
            "GigaChat's function schema cannot express parts of these tools exactly; they were "
            f"adapted (answers are mapped back automatically):\n{lines}"
        )
        warnings.warn(message, GigaChatSchemaWarning, stacklevel=stacklevel)
    return toolset


def _drop_identical_repeats(functions: Iterable[GigaChatFunction]) -> tuple[GigaChatFunction, ...]:
    """Keep one of several tools that send exactly the same function.

    The standard suite binds a pydantic model together with its own JSON schema; differing tools
    with one name still fail in ``ToolSet``.
    """
    kept: list[GigaChatFunction] = []
    for function in functions:
        if not any(
            seen.original_name == function.original_name
            and seen.to_payload() == function.to_payload()
            for seen in kept
        ):
            kept.append(function)
    return tuple(kept)


def _describe_from_name(name: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    words = re.sub(r"[_\-\s]+", " ", words).strip().lower()
    return f"{words[:1].upper()}{words[1:]}." if words else "A function."


def _few_shot_examples(value: Any, name: str) -> tuple[dict[str, Any], ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        msg = f"{name}: few_shot_examples must be a list of {{'request', 'params'}} dicts"
        raise GigaChatInvalidInputError(msg)
    examples = list(value)
    if not all(isinstance(example, Mapping) for example in examples):
        msg = f"{name}: every few_shot_examples item must be a {{'request', 'params'}} dict"
        raise GigaChatInvalidInputError(msg)
    return tuple(dict(example) for example in examples)


def _return_parameters(value: Any, name: str, losses: list[str]) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, type) and is_basemodel_subclass(value):
        value = model_schema(value)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, Mapping):
        msg = f"{name}: return_parameters must be a JSON schema dict or a pydantic model"
        raise GigaChatInvalidInputError(msg)
    check_schema(value, name=name, what="return_parameters")
    try:
        compiled = compile_schema(value, name=f"{name}.return_parameters")
    except SchemaCompilationError as error:
        msg = f"{name}: return_parameters: {error}"
        raise SchemaCompilationError(msg) from error
    losses.extend(f"return_parameters: {loss}" for loss in compiled.losses)
    return compiled.parameters
