"""The dispatcher: ``tool_choice="any"`` among several functions, in an API that has no such mode.

The API can force one named function but not "some function" (peers.md (d)). With several
functions to choose from, one forced function, :data:`DISPATCHER_NAME`, stands in for them all:
its arguments are ``{"tool": <wire name>, "<wire name>": {<that function's arguments>}, ...}``.
Only ``tool`` can be required (the other objects belong to the functions not chosen), so the
answer is mapped back to a call of the chosen function (:func:`undispatch`) and validated against
that function's own schema by the tool plan (``tools.binding``); an answer that names no offered
function stays a call of :data:`DISPATCHER_NAME`, which the plan rejects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_gigachat_ext.tools.functions import GigaChatFunction, ToolSet

__all__ = [
    "DISPATCHER_NAME",
    "dispatched_name",
    "dispatcher_function",
    "forced_among",
    "undispatch",
]

DISPATCHER_NAME = "choose_and_call_tool"
"""Wire name of the synthetic function used for ``tool_choice="any"`` with several tools."""


def undispatch(args: dict[str, Any], tool_set: ToolSet | None) -> tuple[str, dict[str, Any]]:
    """A dispatcher answer → (chosen wire name, its arguments); unresolvable → itself, unchanged.

    The arguments of the chosen function are its object in the answer; a missing one is ``{}``
    and one that is not an object stays as it is, for validation to reject.
    """
    chosen = dispatched_name(args, tool_set)
    nested = args.get(chosen, {}) if chosen is not None else None
    if chosen is None or not isinstance(nested, dict):
        return DISPATCHER_NAME, args
    return chosen, nested


def dispatched_name(args: Any, tool_set: ToolSet | None) -> str | None:
    """The offered function (wire name) a dispatcher answer's ``tool`` names, if any."""
    chosen = args.get("tool") if isinstance(args, dict) else None
    if isinstance(chosen, str) and tool_set is not None and chosen in tool_set.by_wire_name:
        return chosen
    return None


def dispatcher_function(functions: Sequence[GigaChatFunction]) -> dict[str, Any]:
    """The forced function that lets the model pick one of several functions and fill it.

    Each function's arguments are an optional object of the same name: measured against
    "choose a name, then call it forced", this needs one request fewer whenever the model fills
    them, and never more (a missing or invalid object is repaired with the function forced).
    """
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
        schema["description"] = f"Arguments for {function.name}."
        properties[function.name] = schema
    return {
        "name": DISPATCHER_NAME,
        "description": (
            "Call exactly one of the available tools. Set `tool` to its name and put its "
            "arguments in the object of the same name.\n" + listing
        ),
        "parameters": {"type": "object", "properties": properties, "required": ["tool"]},
    }


def forced_among(
    functions: Sequence[GigaChatFunction], payload: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
    """Force one of ``functions``: itself when alone, else through the dispatcher.

    Returns:
        ``(function_call, functions payload, whether the dispatcher is used)``.
    """
    if len(functions) == 1:
        return {"name": functions[0].name}, payload, False
    dispatcher = dispatcher_function(functions)
    return {"name": DISPATCHER_NAME}, [dispatcher], True
