"""v2 request options: ``model_options``, ``tools`` and ``tool_config`` (PROTOCOL.md §7.1).

Field names and nesting follow the SDK's ``ChatCompletionRequest`` and the recordings
(``test_primary_*``). Ranges are the shared ones (:mod:`..rules`: the same model answers
behind both APIs). Statuses and messages of rejections are inferred unless a comment says
otherwise; unknown keys are ignored, as v1 does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

from langchain_gigachat_ext.emulator.api.rules import (
    check_regex,
    check_sampling,
    invalid_params,
    number_field,
)
from langchain_gigachat_ext.emulator.brain.builtins import BUILTIN_TOOLS
from langchain_gigachat_ext.emulator.server.errors import ApiError

REASONING_EFFORTS: Final = frozenset({"low", "medium", "high"})
"""``model_options.reasoning.effort`` values (the SDK's v1 ``reasoning_effort``; inferred)."""

RESPONSE_FORMATS: Final = frozenset({"text", "json_schema", "regex"})
"""``model_options.response_format.type`` values (SDK default ``text``; REC json_schema, regex)."""

TOOL_MODES: Final = frozenset({"auto", "none", "forced", "any"})
"""``tool_config.mode`` values: ``auto`` and ``forced`` are recorded (PROTOCOL §7.1); ``none``
(by analogy with v1's ``function_call: "none"``) and ``any`` (with ``functions_names_any``) are
inferred."""

FUNCTION_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
"""DOC: Latin letters, not starting with a digit (PROTOCOL §6.2, §10); that digits, ``_``, ``.``
and ``-`` may follow is inferred."""

NOT_EMULATED: Final = "model_3d_generate is not emulated"
"""422 text when a request forces the 3D tool (the emulator has no 3D output to return)."""


@dataclass(frozen=True)
class ModelOptions:
    """What ``model_options`` asks for."""

    temperature: float | None = None
    """Sampling temperature."""
    max_tokens: int | None = None
    """Output token cap."""
    update_interval: float = 0.0
    """Minimum seconds between SSE events (DOC for v1; validated, not applied: the emulator
    streams at once)."""
    reasoning_effort: str | None = None
    """``reasoning.effort``."""
    response_format: dict[str, Any] | None = None
    """``json_schema`` or ``regex`` format for the brain; None for ``text``."""
    parallel_calls: bool = True
    """False when ``parallel_tool_calls`` is false: one call at most (inferred: the option is
    not in PROTOCOL.md)."""
    top_logprobs: int | None = None
    """Candidates per output token in the answer's synthetic ``logprobs``; None for none."""


@dataclass(frozen=True)
class ToolChoice:
    """What ``tools`` and ``tool_config`` allow and force."""

    functions: tuple[dict[str, Any], ...] = ()
    """Client function specifications the model may call."""
    builtin_tools: tuple[str, ...] = ()
    """Built-in tools the model may use."""
    function_call: str | dict[str, Any] | None = None
    """The brain's mode: ``auto``, ``none``, ``any`` or ``{"name": ...}`` (forced)."""
    forced_tool: str | None = None
    """A forced built-in tool."""


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_params(f"{where} must be an object")
    return value


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise invalid_params(f"{where} must be a list of strings")
    return value


def _optional_bool(options: dict[str, Any], key: str, where: str) -> bool | None:
    value = options.get(key)
    if value is not None and not isinstance(value, bool):
        raise invalid_params(f"{where}.{key} must be a boolean")
    return value


def _response_format(value: Any) -> dict[str, Any] | None:
    where = "model_options.response_format"
    fmt = _object(value, where)
    kind = fmt.get("type", "text")
    if kind not in RESPONSE_FORMATS:
        raise invalid_params(f"{where}.type must be one of {sorted(RESPONSE_FORMATS)}")
    _optional_bool(fmt, "strict", where)
    if kind == "text":
        return None
    if kind == "regex":
        return {"type": "regex", "regex": check_regex(fmt.get("regex"), f"{where}.regex")}
    schema = fmt.get("schema")
    if isinstance(schema, str):  # the SDK also allows a raw JSON string
        try:
            schema = json.loads(schema)
        except ValueError:
            raise invalid_params(f"{where}.schema is not valid JSON") from None
    if not isinstance(schema, dict) or not schema:
        raise invalid_params(f"{where}.schema must be a non-empty JSON schema object")
    normalised: dict[str, Any] = {"type": "json_schema", "schema": schema}
    if "strict" in fmt:
        normalised["strict"] = fmt["strict"]
    return normalised


def validate_model_options(value: Any) -> ModelOptions:
    """Check ``model_options`` with v1's ranges.

    Raises:
        ApiError: 422 for out-of-range or mistyped options.
    """
    if value is None:
        return ModelOptions()
    options = _object(value, "model_options")
    check_sampling(options)
    interval = number_field(options, "update_interval") or 0.0
    if interval < 0:
        raise invalid_params("update_interval must be non-negative")
    top_logprobs = options.get("top_logprobs")
    if top_logprobs is not None and (
        isinstance(top_logprobs, bool) or not isinstance(top_logprobs, int) or top_logprobs < 1
    ):
        # Inferred: the client refuses values below 1, so the emulator does too.
        raise invalid_params("top_logprobs must be a positive integer")
    effort = None
    if options.get("reasoning") is not None:
        reasoning = _object(options["reasoning"], "model_options.reasoning")
        effort = reasoning.get("effort")
        if effort is not None and effort not in REASONING_EFFORTS:
            raise invalid_params(f"reasoning.effort must be one of {sorted(REASONING_EFFORTS)}")
    response_format = None
    if options.get("response_format") is not None:
        response_format = _response_format(options["response_format"])
    if options.get("preset") is not None and not isinstance(options["preset"], str):
        raise invalid_params("model_options.preset must be a string")
    _optional_bool(options, "unnormalized_history", "model_options")
    # Inferred: PROTOCOL.md does not list parallel_tool_calls; accepted as a boolean.
    parallel = _optional_bool(options, "parallel_tool_calls", "model_options")
    return ModelOptions(
        temperature=number_field(options, "temperature"),
        max_tokens=options.get("max_tokens"),
        update_interval=interval,
        reasoning_effort=effort,
        response_format=response_format,
        parallel_calls=parallel is not False,
        top_logprobs=top_logprobs,
    )


def _specifications(value: Any, index: int) -> list[dict[str, Any]]:
    where = f"tools[{index}].functions"
    specs = _object(value, where).get("specifications")
    if not isinstance(specs, list) or not specs:
        raise invalid_params(f"{where}.specifications must be a non-empty list")
    for number, raw in enumerate(specs):
        at = f"{where}.specifications[{number}]"
        spec = _object(raw, at)
        name = spec.get("name")
        if not isinstance(name, str) or not FUNCTION_NAME.fullmatch(name):
            raise invalid_params(
                f"{at}.name must start with a Latin letter and contain only Latin letters, "
                f"digits, '_', '.', '-'; got {name!r}"
            )
        if not isinstance(spec.get("parameters"), dict):
            raise invalid_params(f"{at}.parameters must be a JSON schema object")  # SDK requires
        if spec.get("description") is not None and not isinstance(spec["description"], str):
            raise invalid_params(f"{at}.description must be a string")
        examples = spec.get("few_shot_examples")
        if examples is not None and not isinstance(examples, list):
            raise invalid_params(f"{at}.few_shot_examples must be a list")
        if spec.get("return_parameters") is not None:
            _object(spec["return_parameters"], f"{at}.return_parameters")
    return specs


def _tools(value: Any) -> tuple[list[dict[str, Any]], list[str]]:
    if value is None:
        return [], []
    if not isinstance(value, list):
        raise invalid_params("tools must be a list")
    functions: list[dict[str, Any]] = []
    builtins: list[str] = []
    kinds = ("functions", *BUILTIN_TOOLS)
    for index, entry in enumerate(value):
        if not isinstance(entry, dict) or len(entry) != 1 or next(iter(entry)) not in kinds:
            raise invalid_params(f"tools[{index}] must be an object with exactly one of {kinds}")
        kind, config = next(iter(entry.items()))
        if kind == "functions":
            functions.extend(_specifications(config, index))
            continue
        config = _object(config if config is not None else {}, f"tools[{index}].{kind}")
        if kind == "web_search":
            if config.get("type") is not None and not isinstance(config["type"], str):
                raise invalid_params(f"tools[{index}].web_search.type must be a string")
            for key in ("indexes", "flags"):
                if config.get(key) is not None:
                    _strings(config[key], f"tools[{index}].web_search.{key}")
        if kind not in builtins:
            builtins.append(kind)
    names = [spec["name"] for spec in functions]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise invalid_params(f"function names must be unique: {duplicates}")
    return functions, builtins


def validate_tools(tools: Any, tool_config: Any) -> ToolChoice:
    """Check ``tools`` and ``tool_config`` and say what the model may and must do.

    Raises:
        ApiError: 422 for malformed entries, unknown modes and forced names that are not
            among the tools.
    """
    functions, builtins = _tools(tools)
    config = {} if tool_config is None else _object(tool_config, "tool_config")
    mode = config.get("mode") or "auto"
    if mode not in TOOL_MODES:
        raise invalid_params(f"tool_config.mode must be one of {sorted(TOOL_MODES)}")
    function_name = config.get("function_name")
    tool_name = config.get("tool_name")
    if mode != "forced" and (function_name is not None or tool_name is not None):
        raise invalid_params("tool_config.function_name/tool_name need mode 'forced'")
    if mode == "none":
        return ToolChoice(tuple(functions), (), "none" if functions else None)
    if mode == "forced":
        return _forced(functions, builtins, function_name, tool_name)
    if mode == "any":
        allowed = config.get("functions_names_any")
        if allowed is not None:
            unknown = sorted(
                set(_strings(allowed, "tool_config.functions_names_any"))
                - {spec["name"] for spec in functions}
            )
            if unknown:
                raise invalid_params(f"tool_config.functions_names_any: unknown {unknown}")
            functions = [spec for spec in functions if spec["name"] in allowed]
        if not functions:
            raise invalid_params("tool_config mode 'any' needs at least one function")
        return ToolChoice(tuple(functions), tuple(builtins), "any")
    return ToolChoice(tuple(functions), tuple(builtins), "auto" if functions else None)


def _forced(
    functions: list[dict[str, Any]], builtins: list[str], function_name: Any, tool_name: Any
) -> ToolChoice:
    if (function_name is None) == (tool_name is None):
        raise invalid_params(
            "tool_config mode 'forced' needs exactly one of function_name, tool_name"
        )
    if function_name is not None:
        if function_name not in {spec["name"] for spec in functions}:
            raise invalid_params(
                f"tool_config.function_name {function_name!r} is not among the offered functions"
            )
        return ToolChoice(tuple(functions), tuple(builtins), {"name": function_name})
    if tool_name not in builtins:
        raise invalid_params(f"tool_config.tool_name {tool_name!r} is not among the offered tools")
    if tool_name == "model_3d_generate":
        raise ApiError(422, NOT_EMULATED)
    # A forced built-in rules out function calls in the same answer (inferred).
    mode = "none" if functions else None
    return ToolChoice(tuple(functions), tuple(builtins), mode, forced_tool=tool_name)
