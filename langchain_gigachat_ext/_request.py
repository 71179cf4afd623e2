"""The one request builder: LangChain messages + call arguments → the body of one chat call.

Invoke and stream, sync and async, v1 and v2 all come through :func:`build_request`. The steps
both API versions share run once — argument checks, the tool plan
(:mod:`~langchain_gigachat_ext.tools.binding`), attachments and the history normaliser
(:mod:`~langchain_gigachat_ext.messages`) — and only the last one differs: v1's
:func:`~langchain_gigachat_ext._payload.build_payload` or v2's
:func:`~langchain_gigachat_ext._v2_payload.build_v2_payload`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage

from langchain_gigachat_ext import _dialects
from langchain_gigachat_ext._dialects import Dialect
from langchain_gigachat_ext._payload import GENERATION_PARAMS, build_payload, validate_params
from langchain_gigachat_ext.attachments import ResolvedAttachments, move_tool_attachments
from langchain_gigachat_ext.errors import GigaChatInvalidInputError
from langchain_gigachat_ext.messages import to_gigachat_messages
from langchain_gigachat_ext.tools.binding import ToolPlan, native_response_format, plan_tools
from langchain_gigachat_ext.tools.builtin import (
    BuiltinTool,
    avoid_builtin_names,
    resolve_builtin_choice,
)

MODEL_DEFAULTS = (*GENERATION_PARAMS, "model", "top_logprobs")
"""Model fields a call may override with a keyword argument of the same name."""

CALL_KWARGS = frozenset(
    {
        *MODEL_DEFAULTS,
        "session_id",
        "stream",
        "tool_set",
        "builtin_tools",
        "tool_choice",
        "functions",
        "function_call",
        "response_format",
        "structured_output_format",
    }
)
"""Every keyword argument a call accepts; anything else is an error, never ignored."""


@dataclass(frozen=True)
class ChatRequest:
    """Everything one call needs, built once and shared by invoke and stream."""

    payload: dict[str, Any]
    """The JSON body (``stream`` is added by the transport)."""
    headers: dict[str, str]
    """Extra headers (``X-Session-ID``)."""
    plan: ToolPlan
    """How tool calls and structured output in the answer are mapped back."""
    dialect: Dialect
    """How to send the body and read the answer (v1 or v2)."""


def _check_kwargs(kwargs: Mapping[str, Any]) -> None:
    unknown = set(kwargs) - CALL_KWARGS
    if unknown:
        msg = (
            f"Unsupported argument(s) for ChatGigaChat: {', '.join(sorted(unknown))}. "
            f"Supported per-call arguments: {', '.join(sorted(CALL_KWARGS))}."
        )
        raise GigaChatInvalidInputError(msg)


def _v2_function_call(plan: ToolPlan, tool_choice: Any, function_call: Any) -> Any:
    """The plan's ``function_call`` for v2's ``tool_config``; None when nothing was chosen.

    Without a ``tool_choice`` no ``tool_config`` is sent (the server's default, as the recorded
    round trip does); an explicit ``"auto"``/``"none"`` is sent even with built-ins only.
    """
    if plan.functions:
        chosen = tool_choice is not None or function_call is not None or plan.dispatcher
        return plan.function_call if chosen else None
    return tool_choice if tool_choice in ("auto", "none") else None


def build_request(
    messages: Sequence[BaseMessage],
    kwargs: Mapping[str, Any],
    *,
    defaults: Mapping[str, Any],
    api_version: str,
    headers: dict[str, str],
    attachments: ResolvedAttachments | None = None,
) -> ChatRequest:
    """Build the request for one call.

    Args:
        messages: The conversation.
        kwargs: The call's keyword arguments (bound ones included).
        defaults: The model's values of :data:`MODEL_DEFAULTS`.
        api_version: ``"v1"`` or ``"v2"``.
        headers: Extra headers for the call.
        attachments: Uploaded attachments of ``messages`` (None when there are none).

    Returns:
        The body, headers and tool plan.

    Raises:
        GigaChatInvalidInputError: An unknown argument, an invalid value, or a v2-only feature
            on v1 — before anything is sent.
    """
    _check_kwargs(kwargs)
    params = {key: kwargs.get(key, defaults[key]) for key in GENERATION_PARAMS}
    validate_params(params)
    v2 = api_version == "v2"
    builtins: tuple[BuiltinTool, ...] = tuple(kwargs.get("builtin_tools") or ())
    top_logprobs = kwargs.get("top_logprobs", defaults["top_logprobs"])
    if not v2 and (builtins or top_logprobs is not None):
        feature = "Built-in tools" if builtins else "top_logprobs"
        msg = f"{feature} need the v2 chat API: ChatGigaChat(api_version='v2')."
        raise GigaChatInvalidInputError(msg)
    tool_set = kwargs.get("tool_set")
    tool_choice, forced_builtin = resolve_builtin_choice(
        kwargs.get("tool_choice"),
        builtins,
        has_functions=bool(tool_set and tool_set.functions) or bool(kwargs.get("functions")),
    )
    plan = plan_tools(
        tool_set=avoid_builtin_names(tool_set) if v2 else tool_set,
        tool_choice=tool_choice,
        functions=kwargs.get("functions"),
        function_call=kwargs.get("function_call"),
        response_format=kwargs.get("response_format"),
    )
    resolved = attachments or ResolvedAttachments()
    normalised = resolved.arrange(
        to_gigachat_messages(
            move_tool_attachments(list(messages)),
            wire_name=plan.wire_name,
            convert_block=resolved.converter(),
            parallel_calls=v2,
        )
    )
    model = kwargs.get("model") or defaults["model"]
    if v2:
        from langchain_gigachat_ext._v2_messages import to_v2_messages
        from langchain_gigachat_ext._v2_payload import build_v2_payload

        if plan.response_schema is not None:
            # v2 takes the caller's schema natively: nothing to compile or restore.
            native = native_response_format(kwargs["response_format"])
            plan = dataclasses.replace(plan, response_format=native, response_schema=None)
        payload = build_v2_payload(
            model=model,
            messages=to_v2_messages(normalised),
            params=params,
            functions=plan.functions,
            function_call=_v2_function_call(plan, tool_choice, kwargs.get("function_call")),
            builtin_tools=builtins,
            forced_builtin=forced_builtin,
            response_format=plan.response_format,
            top_logprobs=top_logprobs,
        )
        return ChatRequest(payload, headers, plan, _dialects.v2())
    if plan.response_format is not None and plan.response_format.get("type") == "regex":
        msg = "response_format {'type': 'regex'} needs the v2 chat API (api_version='v2')."
        raise GigaChatInvalidInputError(msg)
    payload = build_payload(
        model=model,
        messages=normalised,
        params=params,
        functions=plan.functions,
        function_call=plan.function_call,
        response_format=plan.response_format,
    )
    return ChatRequest(payload, headers, plan, _dialects.V1)
