"""Turning bound tools, ``tool_choice`` and ``response_format`` into one request plan.

``tool_choice`` in every LangChain form maps onto v1 ``function_call`` (``"auto"``, ``"none"``,
``{"name": ...}``). The API has no "must call some tool" mode (peers.md (d)), so
``"any"``/``"required"``/``True`` are met like this:

* one tool bound → that function is forced (exact);
* several tools → a forced *dispatcher* function, :data:`DISPATCHER_NAME`, whose arguments are
  ``{"tool": <name>, "<name>": {<that tool's arguments>}, ...}``; the answer is mapped back to
  an ordinary tool call of the chosen tool. One request, and a tool call is guaranteed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.tool import tool_call

from langchain_gigachat_ext.errors import GigaChatInvalidInputError
from langchain_gigachat_ext.tools._names import sanitize_function_name
from langchain_gigachat_ext.tools.builtin import resolve_builtin_choice, split_builtin_tools
from langchain_gigachat_ext.tools.text_calls import parse_text_tool_calls

if TYPE_CHECKING:
    from langchain_gigachat_ext.tools.functions import GigaChatFunction, ToolSet
    from langchain_gigachat_ext.tools.schema import CompiledSchema

# The function converter and schema compiler (tools.functions, tools.schema) are imported where
# tools are first bound: a model without tools never pays their import time.

DISPATCHER_NAME = "choose_and_call_tool"
"""Wire name of the synthetic function used for ``tool_choice="any"`` with several tools."""

ANY_CHOICES = frozenset({"any", "required"})


@dataclass(frozen=True)
class ToolPlan:
    """What one request sends for tools and structured output, and how to read the answer."""

    tool_set: ToolSet | None = None
    """The bound tools, compiled."""
    functions: list[dict[str, Any]] | None = None
    """``functions`` as sent (plain dicts, never through the SDK's lossy models)."""
    function_call: str | dict[str, Any] | None = None
    """``function_call`` as sent."""
    response_format: dict[str, Any] | None = None
    """``response_format`` as sent."""
    response_schema: CompiledSchema | None = None
    """Compiled ``response_format`` schema, to restore the answer's JSON."""
    dispatcher: bool = False
    """Whether the forced dispatcher emulates ``tool_choice="any"``."""

    def wire_name(self, name: str) -> str:
        """The function name GigaChat knows a LangChain tool by."""
        if self.tool_set is not None and name in self.tool_set.by_original_name:
            return self.tool_set.by_original_name[name].name
        return sanitize_function_name(name)

    def restore(self, name: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Map a function call from the wire back to the LangChain tool and its schema."""
        if self.dispatcher and name == DISPATCHER_NAME:
            name, args = _undispatch(args, self.tool_set)
        if self.tool_set is not None and name in self.tool_set.by_wire_name:
            return self.tool_set.restore_call(name, args)
        return name, args

    def finish_message(self, message: BaseMessage) -> BaseMessage:
        """Post-process a complete answer: textual tool calls, structured-output JSON."""
        if not isinstance(message, AIMessage):
            return message
        if not message.tool_calls and self.tool_set is not None and message.text:
            recovered, remaining = parse_text_tool_calls(message.text)
            calls = [self.restore(self.wire_name(c["name"]), c["args"]) for c in recovered]
            if calls:
                message.tool_calls = [
                    tool_call(name=name, args=args, id=f"call_text_{index}")
                    for index, (name, args) in enumerate(calls)
                ]
                message.content = remaining
                message.response_metadata["finish_reason"] = "tool_calls"
        if self.response_schema is not None and not message.tool_calls:
            message.content = restore_json_text(message.text, self.response_schema)
        return message


NO_TOOLS = ToolPlan()
"""The plan of a call without tools or structured output (immutable, shared)."""


def restore_json_text(text: str, schema: CompiledSchema) -> str:
    """Structured-output JSON in the compiled dialect → JSON in the user's schema."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if not isinstance(value, dict):
        return text
    return json.dumps(schema.restore(value), ensure_ascii=False)


def _undispatch(args: dict[str, Any], tool_set: ToolSet | None) -> tuple[str, dict[str, Any]]:
    chosen = args.get("tool")
    nested = {
        key: value for key, value in args.items() if key != "tool" and isinstance(value, dict)
    }
    if not isinstance(chosen, str) or (tool_set and chosen not in tool_set.by_wire_name):
        # The model named no valid tool: fall back to the only filled-in tool object.
        candidates = [key for key in nested if tool_set is None or key in tool_set.by_wire_name]
        chosen = candidates[0] if len(candidates) == 1 else str(chosen)
    return chosen, dict(nested.get(chosen, {}))


def dispatcher_function(functions: Sequence[GigaChatFunction]) -> dict[str, Any]:
    """The forced function that lets the model pick one of several tools."""
    names = [function.name for function in functions]
    listing = "\n".join(f"- {function.name}: {function.description}" for function in functions)
    properties: dict[str, Any] = {
        "tool": {
            "type": "string",
            "enum": names,
            "description": "Name of the one tool to call now.",
        }
    }
    for function in functions:
        schema = dict(function.parameters)
        schema["description"] = (
            f"Arguments for {function.name}; fill only when tool = {function.name}."
        )
        properties[function.name] = schema
    return {
        "name": DISPATCHER_NAME,
        "description": (
            "Call exactly one of the available tools. Set `tool` to its name and put its "
            "arguments in the object of the same name.\n" + listing
        ),
        "parameters": {"type": "object", "properties": properties, "required": ["tool"]},
    }


def _forced_name(tool_choice: Any) -> str | None:
    if isinstance(tool_choice, str) and tool_choice not in {"auto", "none", *ANY_CHOICES}:
        return tool_choice
    if isinstance(tool_choice, dict):
        function = tool_choice.get("function")
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            return str(function["name"])
        if isinstance(tool_choice.get("name"), str):
            return str(tool_choice["name"])
        msg = f"Unrecognised tool_choice {tool_choice!r}."
        raise GigaChatInvalidInputError(msg)
    return None


def _function_call_for(
    tool_choice: Any, tool_set: ToolSet
) -> tuple[str | dict[str, Any] | None, list[dict[str, Any]], bool]:
    """(function_call, functions payload, dispatcher?) for a tool_choice."""
    functions = [function.to_payload() for function in tool_set.functions]
    if tool_choice is None or tool_choice == "auto" or tool_choice is False:
        return "auto", functions, False
    if tool_choice == "none":
        return "none", functions, False
    if tool_choice is True or (isinstance(tool_choice, str) and tool_choice in ANY_CHOICES):
        if len(tool_set.functions) == 1:
            return {"name": tool_set.functions[0].name}, functions, False
        return {"name": DISPATCHER_NAME}, [dispatcher_function(tool_set.functions)], True
    name = _forced_name(tool_choice)
    if name is None:
        msg = f"Unrecognised tool_choice {tool_choice!r}."
        raise GigaChatInvalidInputError(msg)
    if name in tool_set.by_original_name:
        return {"name": tool_set.by_original_name[name].name}, functions, False
    if name in tool_set.by_wire_name:
        return {"name": name}, functions, False
    bound = ", ".join(f.original_name for f in tool_set.functions)
    msg = f"tool_choice names {name!r}, which is not among the bound tools ({bound})."
    raise GigaChatInvalidInputError(msg)


def compile_response_format(
    response_format: Any, *, native: bool = False
) -> tuple[dict[str, Any], CompiledSchema | None]:
    """OpenAI- or GigaChat-shaped ``response_format`` → GigaChat's ``{"type","schema"}``.

    ``{"type": "regex", "regex": ...}`` (v2 only; PROTOCOL §7.1) passes through uncompiled, and
    so does the schema with ``native=True`` (the v2 API takes JSON Schema as given).
    """
    if isinstance(response_format, dict) and response_format.get("type") == "regex":
        pattern = response_format.get("regex")
        if not isinstance(pattern, str) or not pattern:
            msg = "response_format {'type': 'regex'} needs a non-empty 'regex' string."
            raise GigaChatInvalidInputError(msg)
        return {"type": "regex", "regex": pattern}, None
    if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
        msg = (
            "response_format must be {'type': 'json_schema', ...} (or {'type': 'regex', ...} "
            "on the v2 API); GigaChat has no schema-less JSON mode."
        )
        raise GigaChatInvalidInputError(msg)
    if native:
        return native_response_format(response_format), None
    from langchain_gigachat_ext.tools.schema import compile_schema

    given = native_response_format(response_format)
    compiled = compile_schema(given["schema"])
    wire: dict[str, Any] = {**given, "schema": compiled.parameters}
    return wire, compiled


def native_response_format(response_format: dict[str, Any]) -> dict[str, Any]:
    """A json_schema ``response_format`` (OpenAI or GigaChat shape) with the schema as given.

    The v2 API takes the caller's JSON schema natively (REC ``test_primary_chat_parse_json_schema``
    sends pydantic's schema unchanged); v1 gets it compiled (:func:`compile_response_format`).
    """
    nested = response_format.get("json_schema")
    if isinstance(nested, dict):  # OpenAI shape, as create_agent's ProviderStrategy sends it
        schema, strict = nested.get("schema", {}), nested.get("strict")
    else:
        schema, strict = response_format.get("schema", {}), response_format.get("strict")
    wire: dict[str, Any] = {"type": "json_schema", "schema": schema}
    if strict is not None:
        wire["strict"] = bool(strict)
    return wire


def plan_tools(
    *,
    tool_set: ToolSet | None,
    tool_choice: Any,
    functions: Sequence[Any] | None,
    function_call: str | dict[str, Any] | None,
    response_format: Any,
    native_schemas: bool = False,
) -> ToolPlan:
    """Build the :class:`ToolPlan` for one call from the bound/call keyword arguments.

    ``native_schemas`` (v2): a json_schema ``response_format`` is sent as given, not compiled.
    """
    if (
        tool_set is None
        and tool_choice is None
        and not functions
        and function_call is None
        and response_format is None
    ):
        return NO_TOOLS  # the common plain-chat call: nothing to compile
    if functions:
        if tool_set is not None:
            msg = "Pass tools either with bind_tools() or as `functions`, not both."
            raise GigaChatInvalidInputError(msg)
        from langchain_gigachat_ext.tools.functions import convert_tools

        tool_set = convert_tools(list(functions))
    wire_format, compiled = (None, None)
    if response_format is not None:
        wire_format, compiled = compile_response_format(response_format, native=native_schemas)
    if tool_set is None or not tool_set.functions:
        if tool_choice not in (None, "auto", "none", False):
            msg = f"tool_choice={tool_choice!r} needs tools; bind them with bind_tools()."
            raise GigaChatInvalidInputError(msg)
        return ToolPlan(response_format=wire_format, response_schema=compiled)
    choice = tool_choice if function_call is None else _from_function_call(function_call)
    call, payload, dispatcher = _function_call_for(choice, tool_set)
    return ToolPlan(
        tool_set=tool_set,
        functions=payload,
        function_call=call,
        response_format=wire_format,
        response_schema=compiled,
        dispatcher=dispatcher,
    )


def _from_function_call(function_call: str | dict[str, Any]) -> Any:
    if isinstance(function_call, dict):
        return {"name": function_call.get("name")}
    return function_call


def tool_bindings(
    tools: Sequence[Any],
    *,
    tool_choice: Any = None,
    response_format: Any = None,
    api_version: str = "v1",
) -> dict[str, Any]:
    """The call arguments ``ChatGigaChat.bind_tools`` binds, checked now rather than at first call.

    Args:
        tools: Tools in any form ``bind_tools`` takes; built-in tools only on the v2 API.
        tool_choice: ``tool_choice`` in any LangChain form.
        response_format: A JSON-schema ``response_format``, or None.
        api_version: The model's chat API, ``"v1"`` or ``"v2"``.

    Raises:
        GigaChatInvalidInputError: Built-in tools on v1, or a ``tool_choice`` /
            ``response_format`` that cannot be met with these tools.
    """
    ordinary, builtins = split_builtin_tools(tools)
    if builtins and api_version != "v2":
        names = ", ".join(tool.name for tool in builtins)
        msg = f"Built-in tools ({names}) need the v2 chat API: ChatGigaChat(api_version='v2')."
        raise GigaChatInvalidInputError(msg)
    from langchain_gigachat_ext.tools.functions import convert_tools

    tool_set = convert_tools(ordinary)
    plan_choice, _ = resolve_builtin_choice(
        tool_choice,
        builtins,
        has_functions=bool(tool_set.functions),
        function_names=tool_set.by_original_name,
    )
    plan_tools(
        tool_set=tool_set,
        tool_choice=plan_choice,
        functions=None,
        function_call=None,
        response_format=response_format,
        native_schemas=api_version == "v2",
    )
    bound: dict[str, Any] = {"tool_set": tool_set}
    if builtins:
        bound["builtin_tools"] = builtins
    if tool_choice is not None:
        bound["tool_choice"] = tool_choice
    if response_format is not None:
        bound["response_format"] = response_format
    return bound
