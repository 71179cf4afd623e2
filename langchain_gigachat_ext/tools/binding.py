"""Turning bound tools, ``tool_choice`` and ``response_format`` into one request plan.

``tool_choice`` in every LangChain form maps onto v1 ``function_call`` (``"auto"``, ``"none"``,
``{"name": ...}``). The API has no "must call some tool" mode (peers.md (d)), so
``"any"``/``"required"``/``True`` are met like this:

* one function → that function is forced (exact);
* several functions (several tools, or one tool split into union variants by
  :mod:`~langchain_gigachat_ext.tools.variants`) → a forced *dispatcher* function
  (:mod:`~langchain_gigachat_ext.tools.dispatcher`),
  :data:`DISPATCHER_NAME`, whose arguments are ``{"tool": <name>, "<name>": {<that tool's
  arguments>}, ...}``. Only ``tool`` can be required there (the other objects belong to the tools
  not chosen), so the answer is mapped back to a call of the chosen tool and then validated
  against that tool's own schema (:meth:`ToolPlan.check_call`); arguments that do not validate
  are re-asked with the chosen function forced (``chat.attempts``), where its own ``required``
  list applies. A helpful model fills the nested object and needs one request; a model that
  fills only what is required needs two. Measured against "choose a name, then call" (always
  two requests), this is never more requests (closing note of issue 22).

A dispatcher answer that names no offered function (``{}``, an unknown or non-string ``tool``)
restores to a call of :data:`DISPATCHER_NAME` itself, which :meth:`ToolPlan.check_call` rejects:
it never becomes a tool call with an invented name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.tool import tool_call

from langchain_gigachat_ext.errors import GigaChatInvalidInputError
from langchain_gigachat_ext.tools._names import sanitize_function_name
from langchain_gigachat_ext.tools.builtin import resolve_builtin_choice, split_builtin_tools
from langchain_gigachat_ext.tools.dispatcher import (
    DISPATCHER_NAME,
    dispatched_name,
    dispatcher_function,
    forced_among,
    undispatch,
)
from langchain_gigachat_ext.tools.text_calls import parse_text_tool_calls

__all__ = [  # the dispatcher's public names stay importable from here
    "ANY_CHOICES",
    "DISPATCHER_NAME",
    "NO_TOOLS",
    "ToolPlan",
    "compile_response_format",
    "dispatcher_function",
    "native_response_format",
    "plan_tools",
    "restore_json_text",
    "tool_bindings",
]

if TYPE_CHECKING:
    from langchain_gigachat_ext.tools.functions import ToolSet
    from langchain_gigachat_ext.tools.schema import CompiledSchema
    from langchain_gigachat_ext.tools.validation import Validator

# The function converter and schema compiler (tools.functions, tools.schema) are imported where
# tools are first bound: a model without tools never pays their import time.

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
    response_validator: Validator | None = None
    """Checks a structured answer against the caller's ``response_format`` schema."""
    response_original: dict[str, Any] | None = None
    """The caller's ``response_format`` schema, as given (for the function-calling fallback)."""

    def wire_name(self, name: str) -> str:
        """The function name GigaChat knows a LangChain tool by."""
        if self.tool_set is not None and name in self.tool_set.by_original_name:
            return self.tool_set.by_original_name[name].name
        return sanitize_function_name(name)

    def restore(self, name: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Map a function call from the wire back to the LangChain tool and its schema.

        A call of a function that was not offered comes back unchanged (a dispatcher answer
        naming no offered function as a call of :data:`DISPATCHER_NAME`); :meth:`check_call`
        rejects both.
        """
        if self.dispatcher and name == DISPATCHER_NAME:
            name, args = undispatch(args, self.tool_set)
        if self.tool_set is not None and name in self.tool_set.by_wire_name:
            return self.tool_set.restore_call(name, args)
        return name, args

    def chosen_function(self, name: str, args: dict[str, Any]) -> str | None:
        """The offered function (wire name) a raw call from the wire meant, if any."""
        if self.dispatcher and name == DISPATCHER_NAME:
            return dispatched_name(args, self.tool_set)
        if self.tool_set is not None and name in self.tool_set.by_wire_name:
            return name
        return None

    def check_call(self, name: str, args: Any) -> str | None:
        """Why a restored tool call is not a valid call of an offered tool (None: it is)."""
        function = self.tool_set.by_original_name.get(name) if self.tool_set else None
        if function is None:
            offered = ", ".join(self.tool_set.by_original_name) if self.tool_set else ""
            chosen = dispatched_name(args, self.tool_set)
            if name == DISPATCHER_NAME and chosen is not None:
                return f"the arguments of {chosen} must be an object"
            if name == DISPATCHER_NAME:
                return f"the answer named no offered function (choose one of: {offered})"
            if offered:
                return f"function {name!r} was not offered (offered: {offered})"
            return f"function {name!r} was not offered (no functions were)"
        return function.validate(args)

    def forcing(self, wire_name: str) -> ToolPlan:
        """This plan with one offered function forced (a re-ask after a rejected call)."""
        functions = self.tool_set.payloads() if self.tool_set is not None else self.functions
        return replace(
            self,
            functions=functions,
            function_call={"name": wire_name},
            dispatcher=False,
        )

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
        return forced_among(tool_set.functions, functions)
    name = _forced_name(tool_choice)
    if name is None:
        msg = f"Unrecognised tool_choice {tool_choice!r}."
        raise GigaChatInvalidInputError(msg)
    if name in tool_set.by_original_name:
        return forced_among(tool_set.variants(name), functions)
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
    from langchain_gigachat_ext.tools.checks import check_schema

    given = native_response_format(response_format)
    check_schema(given["schema"], name="response_format", what="schema")
    if native:
        return given, None
    from langchain_gigachat_ext.tools.schema import compile_schema

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
    checks: dict[str, Any] = {}
    if response_format is not None:
        wire_format, compiled = compile_response_format(response_format, native=native_schemas)
        if wire_format["type"] == "json_schema":
            from langchain_gigachat_ext.tools.validation import json_schema_validator

            original = native_response_format(response_format)["schema"]
            checks = {
                "response_validator": json_schema_validator(original),
                "response_original": original,
            }
    if tool_set is None or not tool_set.functions:
        if tool_choice not in (None, "auto", "none", False):
            msg = f"tool_choice={tool_choice!r} needs tools; bind them with bind_tools()."
            raise GigaChatInvalidInputError(msg)
        return ToolPlan(response_format=wire_format, response_schema=compiled, **checks)
    choice = tool_choice if function_call is None else _from_function_call(function_call)
    call, payload, dispatcher = _function_call_for(choice, tool_set)
    return ToolPlan(
        tool_set=tool_set,
        functions=payload,
        function_call=call,
        response_format=wire_format,
        response_schema=compiled,
        dispatcher=dispatcher,
        **checks,
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
