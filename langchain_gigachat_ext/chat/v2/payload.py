"""The v2 request builder: the same parameters and tool plan as v1, in v2's places.

PROTOCOL §7.1 (SDK ``ChatCompletionRequest``, REC ``test_primary_*``):

* sampling settings, ``reasoning`` and ``response_format`` live under ``model_options``;
* ``profanity_check=X`` is sent as ``disable_filter = not X`` (the SDK's own mapping);
* tools are ``[{"functions": {"specifications": [...]}}, {"web_search": {...}}, ...]``;
* ``function_call`` becomes ``tool_config``: ``{"mode": "auto"}``, ``{"mode": "forced",
  "function_name": ...}`` or ``{"mode": "forced", "tool_name": <built-in>}`` (all recorded), and
  ``{"mode": "none"}`` (inferred: the SDK passes the mode through, no recording shows it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_gigachat_ext.chat.v1.payload import GREEDY_TEMPERATURE, validate_params
from langchain_gigachat_ext.errors import GigaChatInvalidInputError
from langchain_gigachat_ext.tools.builtin import BuiltinTool

MODEL_OPTIONS = ("temperature", "top_p", "max_tokens", "repetition_penalty", "update_interval")
"""Generation parameters that move under ``model_options`` unchanged."""


def tool_config(
    function_call: str | dict[str, Any] | None, forced_builtin: str | None
) -> dict[str, Any] | None:
    """v1-style ``function_call`` (from the tool plan) or a forced built-in → ``tool_config``."""
    if forced_builtin is not None:
        return {"mode": "forced", "tool_name": forced_builtin}
    if function_call is None:
        return None
    if isinstance(function_call, dict):
        return {"mode": "forced", "function_name": function_call["name"]}
    return {"mode": function_call}


def check_top_logprobs(value: Any) -> int:
    """``top_logprobs`` must be a positive integer (a ``bool`` is not one).

    Raises:
        GigaChatInvalidInputError: Anything else.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"top_logprobs={value!r} must be a positive integer."
        raise GigaChatInvalidInputError(msg)
    return value


def build_v2_payload(
    *,
    model: str,
    messages: list[dict[str, Any]],
    params: Mapping[str, Any],
    functions: list[dict[str, Any]] | None = None,
    function_call: str | dict[str, Any] | None = None,
    builtin_tools: Sequence[BuiltinTool] = (),
    forced_builtin: str | None = None,
    response_format: dict[str, Any] | None = None,
    top_logprobs: int | None = None,
) -> dict[str, Any]:
    """The JSON body of a v2 chat request (``stream`` is added by the transport).

    Args:
        model: Model name.
        messages: v2 messages (:func:`~langchain_gigachat_ext.chat.v2.messages.to_v2_messages`).
        params: Generation parameters (the same keys as v1's ``GENERATION_PARAMS``).
        functions: Function specifications from the tool plan.
        function_call: The plan's v1-style ``function_call``.
        builtin_tools: Built-in tools to enable.
        forced_builtin: Name of a built-in tool the model must use.
        response_format: ``{"type": "json_schema" | "regex", ...}``.
        top_logprobs: Number of alternatives to report per output token.

    Returns:
        The request body.

    Example:
        ```python
        build_v2_payload(
            model="GigaChat-2",
            messages=[{"role": "user", "content": [{"text": "Hi"}]}],
            params={"temperature": 0.3},
        )
        # {'model': 'GigaChat-2', 'messages': [...], 'model_options': {'temperature': 0.3}}
        ```
    """
    validate_params(params)
    payload: dict[str, Any] = {"model": model, "messages": messages}
    options: dict[str, Any] = {
        key: params[key] for key in MODEL_OPTIONS if params.get(key) is not None
    }
    if options.get("temperature") == 0:
        options["temperature"] = GREEDY_TEMPERATURE
    if params.get("reasoning_effort") is not None:
        options["reasoning"] = {"effort": params["reasoning_effort"]}
    if response_format is not None:
        options["response_format"] = response_format
    if top_logprobs is not None:
        options["top_logprobs"] = check_top_logprobs(top_logprobs)
    if options:
        payload["model_options"] = options
    if params.get("profanity_check") is not None:
        payload["disable_filter"] = not params["profanity_check"]
    if params.get("flags") is not None:
        payload["flags"] = list(params["flags"])
    if params.get("function_ranker") is not None:
        payload["ranker_options"] = dict(params["function_ranker"])
    tools = [tool.to_payload() for tool in builtin_tools]
    if functions:
        tools.append({"functions": {"specifications": functions}})
    if tools:
        payload["tools"] = tools
        config = tool_config(function_call, forced_builtin)
        if config is not None:
            payload["tool_config"] = config
    elif function_call not in (None, "none", "auto") or forced_builtin is not None:
        msg = "A forced tool was given without any tools."
        raise GigaChatInvalidInputError(msg)
    return payload
