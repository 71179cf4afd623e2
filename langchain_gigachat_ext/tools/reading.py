"""Reading a tool in any form LangChain accepts: its name, description, JSON schema and extras.

Forms: ``BaseTool`` (``@tool``, ``StructuredTool``, ``runnable.as_tool()``), pydantic v2 and v1
model classes, TypedDicts and plain callables (through langchain-core), OpenAI tool dicts, bare
function dicts (``parameters``, or Anthropic's ``input_schema``) and JSON schemas with a
``title``. A dict's ``parameters`` must be a schema object (missing means no arguments); they are
never silently replaced by an empty schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_function
from langchain_core.utils.pydantic import is_basemodel_subclass

from langchain_gigachat_ext.errors import GigaChatInvalidInputError
from langchain_gigachat_ext.tools.checks import check_tool_name
from langchain_gigachat_ext.tools.schema import SchemaCompilationError

__all__ = ["EXTRA_KEYS", "model_schema", "read_dict", "read_tool", "tool_call_schema"]

EXTRA_KEYS = ("few_shot_examples", "return_parameters")
"""GigaChat's function extras, read beside the schema."""
_EMPTY_OBJECT: dict[str, Any] = {"type": "object", "properties": {}}


def read_tool(tool: Any) -> tuple[str, str | None, dict[str, Any], dict[str, Any]]:
    """Return ``(name, description, JSON schema, extras)`` for any supported tool form.

    Raises:
        GigaChatInvalidInputError: An unsupported form, a dict tool without a usable name, a
            description that is not a string; ``SchemaCompilationError`` for ``parameters``
            that are not a schema object.
    """
    if isinstance(tool, BaseTool):
        return tool.name, tool.description, tool_call_schema(tool), dict(tool.extras or {})
    if isinstance(tool, Mapping):
        return read_dict(tool)
    if isinstance(tool, type) and is_basemodel_subclass(tool):
        schema = model_schema(tool)
        title = schema.get("title")
        name = title if isinstance(title, str) and title else tool.__name__
        return name, schema.get("description"), schema, {}
    if callable(tool):  # TypedDicts and plain functions: LangChain reads docstrings and hints
        return read_dict(convert_to_openai_function(tool))
    msg = (
        f"unsupported tool {tool!r}: expected a BaseTool, pydantic model, TypedDict, callable, "
        "OpenAI function dict or JSON schema dict"
    )
    raise GigaChatInvalidInputError(msg)


def read_dict(tool: Mapping[str, Any]) -> tuple[str, str | None, dict[str, Any], dict[str, Any]]:
    """:func:`read_tool` for the dict forms (OpenAI, bare function, Anthropic, JSON schema)."""
    spec: Mapping[str, Any] = tool
    if tool.get("type") == "function" and isinstance(tool.get("function"), Mapping):
        spec = tool["function"]
    extras = {key: spec[key] for key in EXTRA_KEYS if key in spec}
    if "name" in spec and "properties" not in spec:
        name = check_tool_name(spec["name"])
        parameters = spec.get("parameters", spec.get("input_schema"))
        if parameters is None:  # a function without arguments
            parameters = _EMPTY_OBJECT
        if not isinstance(parameters, Mapping):  # never silently replaced by an empty schema
            msg = f"{name!r}: parameters must be a JSON schema object, not {parameters!r}"
            raise SchemaCompilationError(msg)
        description = spec.get("description")
        if description is not None and not isinstance(description, str):
            msg = f"{name!r}: description must be a string, got {type(description).__name__}"
            raise GigaChatInvalidInputError(msg)
        return name, description, dict(parameters), extras
    if isinstance(spec.get("title"), str) and spec["title"]:
        schema = {key: value for key, value in spec.items() if key not in EXTRA_KEYS}
        return spec["title"], spec.get("description"), schema, extras
    msg = (
        "a dict tool needs a 'name' (OpenAI function format) or a 'title' (JSON schema) to name "
        f"the function; got keys {sorted(spec)}"
    )
    raise GigaChatInvalidInputError(msg)


def tool_call_schema(tool: BaseTool) -> dict[str, Any]:
    """A ``BaseTool``'s arguments schema, without injected arguments."""
    schema = tool.tool_call_schema  # excludes injected arguments the model must not fill
    if isinstance(schema, Mapping):
        return dict(schema)
    if isinstance(schema, type) and is_basemodel_subclass(schema):
        return model_schema(schema)
    return dict(_EMPTY_OBJECT)


def model_schema(model: type) -> dict[str, Any]:
    """A pydantic (v2 or v1) model's JSON schema."""
    if hasattr(model, "model_json_schema"):
        return dict(model.model_json_schema())
    return dict(model.schema())  # type: ignore[attr-defined]  # pydantic.v1 model
