"""The one request builder: LangChain messages + call arguments → the body of one chat call.

Invoke and stream, sync and async, v1 and v2 all come through here, in two steps.
:func:`plan_call` checks the arguments and plans the tools — pure, so a bad argument fails before
anything is sent, attachment uploads included. :func:`build_request` then normalises the messages
once (:mod:`~langchain_gigachat_ext.chat.normalise`), shapes them for the dialect's wire
(:mod:`~langchain_gigachat_ext.chat.v1.messages` or :mod:`~langchain_gigachat_ext.chat.v2.messages`)
and builds the body with v1's :func:`~langchain_gigachat_ext.chat.v1.payload.build_payload` or
v2's :func:`~langchain_gigachat_ext.chat.v2.payload.build_v2_payload`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from langchain_core.messages import BaseMessage

from langchain_gigachat_ext.attachments.layout import move_tool_attachments
from langchain_gigachat_ext.attachments.resolved import LimitCheck, ResolvedAttachments
from langchain_gigachat_ext.chat import dialects as _dialects
from langchain_gigachat_ext.chat.dialects import Dialect
from langchain_gigachat_ext.chat.normalise import Turn, normalise
from langchain_gigachat_ext.chat.v1.messages import to_v1_messages
from langchain_gigachat_ext.chat.v1.payload import (
    GENERATION_PARAMS,
    build_payload,
    session_id_for_thread,
    validate_params,
)
from langchain_gigachat_ext.errors import GigaChatInvalidInputError
from langchain_gigachat_ext.tools.binding import ToolPlan, plan_tools
from langchain_gigachat_ext.tools.builtin import (
    BuiltinTool,
    avoid_builtin_names,
    resolve_builtin_choice,
    split_builtin_tools,
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


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_strings(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)


_ARGUMENT_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "temperature": (_is_number, "a number"),
    "top_p": (_is_number, "a number"),
    "repetition_penalty": (_is_number, "a number"),
    "update_interval": (_is_number, "a number of seconds"),
    "max_tokens": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "profanity_check": (lambda v: isinstance(v, bool), "a boolean"),
    "flags": (_is_strings, "a list of strings"),
    "reasoning_effort": (lambda v: isinstance(v, str), "a string"),
    "function_ranker": (lambda v: isinstance(v, Mapping), "a dict"),
    "model": (lambda v: isinstance(v, str) and bool(v), "a non-empty string"),
    "session_id": (lambda v: isinstance(v, str), "a string"),
    "functions": (lambda v: isinstance(v, list | tuple), "a list of tools"),
    "builtin_tools": (lambda v: isinstance(v, list | tuple), "a list of built-in tools"),
}
"""What each call argument must be, where None means "not given" (the model's value).

Checked before anything is sent: a value of the wrong type would otherwise fail deep inside a
range check, the transport or the server (``temperature="hot"`` as a ``TypeError``, a numeric
``session_id`` in the headers)."""


def _check_kwargs(kwargs: Mapping[str, Any]) -> None:
    unknown = set(kwargs) - CALL_KWARGS
    if unknown:
        msg = (
            f"Unsupported argument(s) for ChatGigaChat: {', '.join(sorted(unknown))}. "
            f"Supported per-call arguments: {', '.join(sorted(CALL_KWARGS))}."
        )
        raise GigaChatInvalidInputError(msg)
    for key, (fits, expected) in _ARGUMENT_TYPES.items():
        value = kwargs.get(key)
        if value is not None and not fits(value):
            msg = f"{key}={value!r} must be {expected}, not {type(value).__name__}."
            raise GigaChatInvalidInputError(msg)


def check_stop(stop: Any) -> tuple[str, ...]:
    """The call's ``stop`` sequences: None, one string, or a list/tuple of strings.

    A single string is one sequence (as OpenAI's ``stop`` takes it), never its characters.

    Raises:
        GigaChatInvalidInputError: Anything else (``stop=5``, a list holding a non-string).
    """
    if stop is None:
        return ()
    if isinstance(stop, str):
        return (stop,)
    if _is_strings(stop):
        return tuple(stop)
    msg = f"stop={stop!r} must be a string or a list of strings (stop sequences)."
    raise GigaChatInvalidInputError(msg)


def _builtin_tools(given: Any) -> tuple[BuiltinTool, ...]:
    """The ``builtin_tools`` argument (as ``bind_tools`` binds it, or given per call)."""
    ordinary, builtins = split_builtin_tools(given or ())
    if ordinary:
        msg = (
            "builtin_tools takes built-in tools only (names such as 'web_search', "
            "{'web_search': {...}} or BuiltinTool); bind functions with bind_tools()."
        )
        raise GigaChatInvalidInputError(msg)
    return builtins


def _v2_function_call(plan: ToolPlan, tool_choice: Any, function_call: Any) -> Any:
    """The plan's ``function_call`` for v2's ``tool_config``; None when nothing was chosen.

    Without a ``tool_choice`` no ``tool_config`` is sent (the server's default, as the recorded
    round trip does); an explicit ``"auto"``/``"none"`` is sent even with built-ins only.
    """
    if plan.functions:
        chosen = tool_choice is not None or function_call is not None or plan.dispatcher
        return plan.function_call if chosen else None
    return tool_choice if tool_choice in ("auto", "none") else None


@dataclass(frozen=True)
class CallPlan:
    """Everything about one call that does not depend on its messages.

    It is checked before any network traffic, attachment uploads included.
    """

    params: dict[str, Any]
    """Validated generation parameters."""
    model: str
    """The model to call."""
    v2: bool
    """Whether the call goes to the v2 chat API."""
    plan: ToolPlan
    """Functions, tool choice and response format."""
    tool_choice: Any
    """The ``tool_choice`` left for the functions once a forced built-in is taken out."""
    function_call: Any
    """The legacy ``function_call`` argument, as given."""
    builtins: tuple[BuiltinTool, ...]
    """Built-in tools (v2)."""
    forced_builtin: str | None
    """The built-in the model must use (v2)."""
    top_logprobs: int | None
    """Alternatives to report per output token (v2)."""
    stop: tuple[str, ...] = ()
    """Stop sequences, applied client-side (:mod:`~langchain_gigachat_ext.chat.stop`)."""


def plan_call(
    kwargs: Mapping[str, Any],
    *,
    defaults: Mapping[str, Any],
    api_version: str,
    stop: Any = None,
) -> CallPlan:
    """Check the call's arguments and plan its tools, before anything is sent.

    Args:
        kwargs: The call's keyword arguments (bound ones included).
        defaults: The model's values of :data:`MODEL_DEFAULTS` (and its ``stop``, if any).
        api_version: ``"v1"`` or ``"v2"``.
        stop: The call's ``stop`` sequences; when it gives none, the model's apply.

    Returns:
        The plan :func:`build_request` turns into a body.

    Raises:
        GigaChatInvalidInputError: An unknown argument, an invalid value, or a v2-only feature
            on v1.
    """
    _check_kwargs(kwargs)
    stop_sequences = check_stop(stop) or check_stop(defaults.get("stop"))
    params = {key: kwargs.get(key, defaults[key]) for key in GENERATION_PARAMS}
    validate_params(params)
    v2 = api_version == "v2"
    builtins = _builtin_tools(kwargs.get("builtin_tools"))
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
        function_names=tool_set.by_original_name if tool_set else (),
    )
    plan = plan_tools(
        tool_set=avoid_builtin_names(tool_set) if v2 else tool_set,
        tool_choice=tool_choice,
        functions=kwargs.get("functions"),
        function_call=kwargs.get("function_call"),
        response_format=kwargs.get("response_format"),
        native_schemas=v2,
    )
    if not v2 and plan.response_format is not None and plan.response_format["type"] == "regex":
        msg = "response_format {'type': 'regex'} needs the v2 chat API (api_version='v2')."
        raise GigaChatInvalidInputError(msg)
    if v2 and top_logprobs is not None:
        from langchain_gigachat_ext.chat.v2.payload import check_top_logprobs

        check_top_logprobs(top_logprobs)
    return CallPlan(
        params=params,
        model=kwargs.get("model") or defaults["model"],
        v2=v2,
        plan=plan,
        tool_choice=tool_choice,
        function_call=kwargs.get("function_call"),
        builtins=builtins,
        forced_builtin=forced_builtin,
        top_logprobs=top_logprobs,
        stop=stop_sequences,
    )


def build_request(
    messages: Sequence[BaseMessage],
    call: CallPlan,
    *,
    headers: dict[str, str],
    attachments: ResolvedAttachments | None = None,
) -> ChatRequest:
    """Build the request for one planned call.

    Args:
        messages: The conversation.
        call: The checked arguments (:func:`plan_call`).
        headers: Extra headers for the call.
        attachments: Uploaded attachments of ``messages`` (None when there are none).

    Returns:
        The body, headers and tool plan.

    Raises:
        GigaChatInvalidInputError: Messages that cannot be sent.
    """
    plan = call.plan
    resolved = attachments or ResolvedAttachments()
    turns = normalise(
        move_tool_attachments(list(messages)),
        wire_name=plan.wire_name,
        convert_block=resolved.converter(),
        files_as_ids=call.v2,
    )
    # The layout rules read and split turns by their role/content/attachments keys, the keys a
    # split-off turn carries; they are typed for plain dicts, hence the casts.
    arranged = cast("list[Turn]", resolved.arrange(cast("list[dict[str, Any]]", turns)))
    if call.v2:
        from langchain_gigachat_ext.chat.v2.messages import to_v2_messages
        from langchain_gigachat_ext.chat.v2.payload import build_v2_payload

        payload = build_v2_payload(
            model=call.model,
            messages=to_v2_messages(arranged),
            params=call.params,
            functions=plan.functions,
            function_call=_v2_function_call(plan, call.tool_choice, call.function_call),
            builtin_tools=call.builtins,
            forced_builtin=call.forced_builtin,
            response_format=plan.response_format,
            top_logprobs=call.top_logprobs,
        )
        return ChatRequest(payload, headers, plan, _dialects.v2())
    payload = build_payload(
        model=call.model,
        messages=to_v1_messages(arranged),
        params=call.params,
        functions=plan.functions,
        function_call=plan.function_call,
        response_format=plan.response_format,
    )
    return ChatRequest(payload, headers, plan, _dialects.V1)


def session_headers(
    session_id: str | None, *, thread_id: str | None, derive: bool
) -> dict[str, str]:
    """``X-Session-ID`` for prompt caching: the given id, else one derived from a LangGraph thread.

    Args:
        session_id: The call's or the model's ``session_id``.
        thread_id: LangGraph's ``thread_id`` of the run, if any.
        derive: Whether a thread id may stand in for a missing session id.
    """
    if session_id is None and derive and thread_id is not None:
        session_id = session_id_for_thread(thread_id)
    return {"X-Session-ID": session_id} if session_id else {}


def attachment_limit_check(messages: Sequence[BaseMessage], *, v2: bool) -> LimitCheck:
    """The request's attachment limits, checked on the planned files before any upload.

    The messages are laid out as :func:`build_request` lays them out (normalised, files split
    per message), with placeholder ids for the files still to upload.
    """

    def check(planned: ResolvedAttachments) -> None:
        turns = normalise(
            move_tool_attachments(list(messages)),
            convert_block=planned.converter(),
            files_as_ids=v2,
            warn=False,  # build_request normalises again, and warns, after the uploads
        )
        planned.arrange(cast("list[dict[str, Any]]", turns))

    return check
