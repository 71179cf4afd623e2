"""v2 chat bodies (content parts, calls, results) checked and turned into brain inputs.

Shapes follow PROTOCOL.md §7.1 and the recordings (``test_primary_*``): ``messages[]`` of
``{role, content: [parts], tools_state_id?}``, parts ``text``, ``files``, ``function_call``
(``arguments`` an object), ``function_result``. History rules are v1's (DOC), applied to parts:
one leading system message, every call answered by a result, no result without its call.
Statuses and wordings that nobody recorded are inferred, like v1's; unknown keys are ignored,
as v1 ignores them.

Mapping to the brain's :class:`Conversation`: text parts are joined with line breaks, ``files``
of user/system messages become attachments, an assistant message's calls become
``Turn.function_calls``, every ``function_result`` becomes one ``function`` turn whose content is
the result as JSON text, and ``reasoning`` messages (which clients may echo back) are skipped.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

from langchain_gigachat_ext.emulator.api.rules import (
    CALL_NEEDS_RESULT,
    INVALID_JSON,
    NO_SUCH_MODEL,
    SYSTEM_FIRST,
    FileLookup,
    check_attachments,
    invalid_params,
)
from langchain_gigachat_ext.emulator.api.v2.options import (
    validate_model_options,
    validate_tools,
)
from langchain_gigachat_ext.emulator.brain.core import Conversation, Role, Turn
from langchain_gigachat_ext.emulator.server.errors import ApiError
from langchain_gigachat_ext.emulator.server.protocol import is_chat_model

RESULT_ROLES: Final = frozenset({"tool", "function"})
"""Roles of function-result messages: ``tool`` (REC, SDK) and ``function`` (inferred: v1's
result role, accepted on v2 too; no recording or doc shows it there)."""

PARTS_BY_ROLE: Final[dict[str, frozenset[str]]] = {
    "system": frozenset({"text"}),
    "user": frozenset({"text", "files"}),
    "assistant": frozenset(
        {"text", "files", "function_call", "inline_data", "tool_execution", "logprobs"}
    ),
    "tool": frozenset({"function_result"}),
    "function": frozenset({"function_result"}),
    # SDK unit tests show "reasoning" messages in answers; clients echo them back (inferred).
    "reasoning": frozenset({"text", "tool_execution", "logprobs"}),
}
"""Content parts each request role may carry (inferred from what each role produces)."""

PART_KINDS: Final = (
    "text",
    "files",
    "function_call",
    "function_result",
    "tool_execution",
    "inline_data",
    "logprobs",
)
"""Keys that make a content part (SDK ``ChatContentPart``)."""

NOT_EMULATED: Final = "{} is not emulated: send model and the full messages history"
"""422 text for server-side assistants and threads (inferred)."""


@dataclass(frozen=True)
class ChatRequestV2:
    """A validated v2 chat body."""

    conversation: Conversation
    """What the brain gets."""
    stream: bool = False
    """Named-event SSE requested."""
    update_interval: float = 0.0
    """Requested minimum seconds between SSE events: validated, not applied — the emulator sends
    its events at once (slow streams come from the ``chunk_delay`` fault)."""
    top_logprobs: int | None = None
    """``model_options.top_logprobs``: the answer carries synthetic ``logprobs`` when set."""


@dataclass(frozen=True)
class _Message:
    index: int
    role: str
    text: str = ""
    files: tuple[str, ...] = ()
    calls: tuple[dict[str, Any], ...] = ()
    results: tuple[dict[str, Any], ...] = ()


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise invalid_params(f"{where} must be a string")
    return value


def _call(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"]:
        raise invalid_params(f"{where} must have a name")
    arguments = value.get("arguments", {})
    if not isinstance(arguments, dict):
        # PROTOCOL §11 item 1: arguments are an object and the SDK rejects strings; status
        # 422 and wording are v1's (inferred for v2).
        raise invalid_params("function_call.arguments must be a JSON object")
    call: dict[str, Any] = {"name": value["name"], "arguments": arguments}
    if value.get("id") is not None:
        call["id"] = _text(value["id"], f"{where}.id")
    return call


def _result(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"]:
        raise invalid_params(f"{where} must have a name")
    if "result" not in value:
        raise invalid_params(f"{where} must have a result")
    result: dict[str, Any] = {"name": value["name"], "result": value["result"]}
    if value.get("id") is not None:
        result["id"] = _text(value["id"], f"{where}.id")
    return result


def _files(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise invalid_params(f"{where} must be a non-empty list of files")
    ids = []
    for number, entry in enumerate(value):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise invalid_params(f"{where}[{number}] must be an object with a file id")
        for key in ("target", "mime"):
            if entry.get(key) is not None:
                _text(entry[key], f"{where}[{number}].{key}")
        ids.append(entry["id"])
    return ids


def _message(raw: Any, index: int) -> _Message:
    where = f"messages[{index}]"
    if not isinstance(raw, dict):
        raise invalid_params(f"{where} must be an object")
    role = raw.get("role")
    if role not in PARTS_BY_ROLE:
        raise invalid_params(f"{where}.role {role!r} is not supported")
    if raw.get("tools_state_id") is not None:
        _text(raw["tools_state_id"], f"{where}.tools_state_id")
    content = raw.get("content")
    if not isinstance(content, list) or not content:
        raise invalid_params(f"{where}.content must be a non-empty list of parts")
    texts: list[str] = []
    files: list[str] = []
    calls: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    if role == "assistant" and raw.get("function_call") is not None:  # SDK message-level field
        calls.append(_call(raw["function_call"], f"{where}.function_call"))
    for number, part in enumerate(content):
        at = f"{where}.content[{number}]"
        if not isinstance(part, dict):
            raise invalid_params(f"{at} must be an object")
        kinds = [kind for kind in PART_KINDS if part.get(kind) is not None]
        if not kinds:
            raise invalid_params(f"{at} must have one of {', '.join(PART_KINDS[:4])}")
        for kind in kinds:
            if kind not in PARTS_BY_ROLE[role]:
                raise invalid_params(f"{where} with role {role!r} cannot carry a {kind} part")
        if "text" in kinds:
            texts.append(_text(part["text"], f"{at}.text"))
        if "files" in kinds:
            files.extend(_files(part["files"], f"{at}.files"))
        if "function_call" in kinds:
            calls.append(_call(part["function_call"], f"{at}.function_call"))
        if "function_result" in kinds:
            results.append(_result(part["function_result"], f"{at}.function_result"))
    return _Message(index, role, "\n".join(texts), tuple(files), tuple(calls), tuple(results))


def _answers(calls: tuple[dict[str, Any], ...], results: list[dict[str, Any]]) -> bool:
    if len(results) != len(calls):
        return False
    if all("id" in item for item in (*calls, *results)):
        return {call["id"] for call in calls} == {result["id"] for result in results}
    return Counter(call["name"] for call in calls) == Counter(r["name"] for r in results)


def _check_history(messages: list[_Message]) -> None:
    for position, message in enumerate(messages):
        if message.role == "system" and position != 0:
            raise ApiError(422, SYSTEM_FIRST)
    position = 0
    while position < len(messages):
        message = messages[position]
        if message.role in RESULT_ROLES:
            name = message.results[0]["name"]
            # v1 rule (3P langchain4j-gigachat#26) and wording, inferred for v2.
            raise invalid_params(f"function result for {name} has no preceding function call")
        position += 1
        if not message.calls:
            continue
        results: list[dict[str, Any]] = []
        while position < len(messages) and messages[position].role in {*RESULT_ROLES, "reasoning"}:
            results.extend(messages[position].results)
            position += 1
        if len(results) < len(message.calls):
            raise ApiError(422, CALL_NEEDS_RESULT)
        if not _answers(message.calls, results):
            raise invalid_params(
                f"function results after messages[{message.index}] do not match its calls"
            )


def _turns(messages: list[_Message]) -> list[Turn]:
    turns: list[Turn] = []
    for message in messages:
        if message.role in RESULT_ROLES:
            turns.extend(
                Turn(
                    role="function",
                    name=result["name"],
                    content=json.dumps(result["result"], ensure_ascii=False),
                )
                for result in message.results
            )
        elif message.role == "assistant":
            calls = tuple(
                {"name": call["name"], "arguments": call["arguments"]} for call in message.calls
            )
            turns.append(
                Turn(
                    role="assistant",
                    content=message.text,
                    function_call=calls[0] if calls else None,
                    function_calls=calls,
                )
            )
        elif message.role in {"system", "user"}:
            role: Role = "system" if message.role == "system" else "user"
            turns.append(Turn(role=role, content=message.text, attachments=message.files))
    return turns


def _check_top_level(body: dict[str, Any]) -> None:
    if body.get("assistant_id") is not None:
        raise ApiError(422, NOT_EMULATED.format("assistant_id"))
    storage = body.get("storage")
    if storage is not None:
        if not isinstance(storage, dict):
            raise invalid_params("storage must be an object")
        if storage.get("thread_id") is not None:
            raise ApiError(422, NOT_EMULATED.format("storage.thread_id"))
    for key in ("filter_config", "ranker_options", "user_info"):
        if body.get(key) is not None and not isinstance(body[key], dict):
            raise invalid_params(f"{key} must be an object")
    for key in ("disable_filter", "stream"):
        if body.get(key) is not None and not isinstance(body[key], bool):
            raise invalid_params(f"{key} must be a boolean")
    flags = body.get("flags")
    if flags is not None and (
        not isinstance(flags, list) or not all(isinstance(flag, str) for flag in flags)
    ):
        raise invalid_params("flags must be a list of strings")
    if body.get("tools_state_id") is not None:
        _text(body["tools_state_id"], "tools_state_id")


def validate_chat_v2(body: Any, lookup: FileLookup) -> ChatRequestV2:
    """Check a v2 chat body like the real API and build the brain's :class:`Conversation`.

    Args:
        body: The decoded JSON body.
        lookup: Finds uploaded files referenced by ``files`` parts.

    Raises:
        ApiError: With the status and message the real API would give (mostly inferred).
    """
    if not isinstance(body, dict):
        raise ApiError(400, INVALID_JSON)  # inferred, as v1
    _check_top_level(body)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise invalid_params("model is required")  # inferred (SDK: unless assistant/thread)
    if not is_chat_model(model):
        raise ApiError(404, NO_SUCH_MODEL)  # as v1 (REC test_chat_model_not_found)
    raw_messages = body.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise invalid_params("messages must be a non-empty list")
    options = validate_model_options(body.get("model_options"))
    tools = validate_tools(body.get("tools"), body.get("tool_config"))
    messages = [_message(raw, index) for index, raw in enumerate(raw_messages)]
    _check_history(messages)
    turns = _turns(messages)
    check_attachments(turns, lookup)
    conversation = Conversation(
        model=model,
        turns=tuple(turns),
        functions=tools.functions,
        function_call=tools.function_call,
        response_format=options.response_format,
        max_tokens=options.max_tokens,
        reasoning_effort=options.reasoning_effort,
        temperature=options.temperature,
        parallel_calls=options.parallel_calls,
        builtin_tools=tools.builtin_tools,
        forced_tool=tools.forced_tool,
    )
    return ChatRequestV2(
        conversation=conversation,
        stream=body.get("stream") is True,
        update_interval=options.update_interval,
        top_logprobs=options.top_logprobs,
    )
