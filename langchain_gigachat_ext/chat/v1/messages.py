"""LangChain messages → GigaChat v1 ``messages`` (pure functions).

The API's rules, and how each is met here:

* One system message, first (else 422, PROTOCOL §6.2): leading system messages are merged;
  a system message later in the conversation becomes a user message marked as an instruction.
* One ``function_call`` per assistant message (PROTOCOL §6.2): an ``AIMessage`` with N tool calls
  becomes N consecutive call/result pairs, in the order its ``ToolMessage``s answer them.
* Every call needs a result and every result a call: an unanswered call gets a synthetic error
  result; a result with no call becomes a user message quoting it (both with a warning).
* Function results must be a JSON object serialised to a string (PROTOCOL §6.2, peers.md):
  any ``ToolMessage`` content is turned into one.
* Consecutive user (or plain assistant) messages are merged, so histories like
  ``[Human, Human, AI, AI]`` are accepted.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_gigachat_ext.attachments.output import render_generated_image
from langchain_gigachat_ext.errors import GigaChatInvalidInputError

GigaMessage = dict[str, Any]
BlockConverter = Callable[[dict[str, Any]], "list[str] | str"]
"""Turns one non-text content block into attachment ids (uploading) or text; raises if it can't."""

LATE_SYSTEM_PREFIX = "[Instruction] "
"""Prefix of a system message that had to be sent as a user message."""

UNANSWERED_CALL_RESULT = {
    "error": "This tool call was not executed: no result was recorded in the conversation."
}


class HistoryRepairWarning(UserWarning):
    """The history had to be repaired to satisfy the API (details in the message)."""


def text_of(content: str | list[Any]) -> str:
    """The text of message content: a string, or the text blocks of a list joined."""
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


_SKIPPED_AI_BLOCKS = frozenset(
    {
        "tool_use",
        "tool_call",
        "function_call",
        "reasoning",
        "thinking",
        "redacted_thinking",
        "server_tool_call",
        "server_tool_result",
    }
)
"""AIMessage blocks that are not sent as text: calls travel as ``function_call``; reasoning is
the model's own scratchpad and GigaChat does not take it back; built-in tool runs (v2) are
records of what the server did, which it keeps itself under ``tools_state_id``."""


def _ai_content(message: AIMessage, *, files_as_ids: bool) -> tuple[str, list[str]]:
    """The text of an AIMessage, and the ids of generated files when they travel as ids (v2)."""
    if isinstance(message.content, str):
        return message.content, []
    parts: list[str] = []
    file_ids: list[str] = []
    for block in message.content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict):
            kind = block.get("type")
            if kind == "text":
                parts.append(str(block.get("text", "")))
            elif kind in ("image", "file") and isinstance(block.get("file_id"), str):
                # A file the model generated goes back as it came: v1 markup, v2 a file id.
                if files_as_ids:
                    file_ids.append(block["file_id"])
                elif kind == "image":
                    parts.append(render_generated_image(block["file_id"]))
                else:
                    msg = "A generated file block can only be sent back on the v2 chat API."
                    raise GigaChatInvalidInputError(msg)
            elif kind not in _SKIPPED_AI_BLOCKS:
                msg = f"AIMessage content block of type {kind!r} cannot be sent to GigaChat."
                raise GigaChatInvalidInputError(msg)
    return "".join(parts), file_ids


def tool_result_json(content: str | list[Any], *, status: str = "success") -> str:
    """ToolMessage content → the JSON object text GigaChat requires for a function result.

    A JSON object is kept as it is; any other JSON value becomes ``{"result": value}``; plain
    text becomes ``{"result": text}``; an error status becomes ``{"error": ...}``.
    """
    text = text_of(content) if isinstance(content, list) else content
    if isinstance(content, list) and not text and content:
        text = json.dumps(content, ensure_ascii=False)
    try:
        value: Any = json.loads(text)
    except (ValueError, TypeError):
        value = text
    if status == "error":
        wrapped: Any = {"error": value}
    elif isinstance(value, dict):
        wrapped = value
    else:
        wrapped = {"result": value}
    return json.dumps(wrapped, ensure_ascii=False)


def _user_content(
    message: BaseMessage, convert_block: BlockConverter | None
) -> tuple[str, list[str]]:
    content = message.content
    if isinstance(content, str):
        return content, []
    texts: list[str] = []
    attachments: list[str] = []
    for block in content:
        if isinstance(block, str):
            texts.append(block)
            continue
        if block.get("type") == "text":
            texts.append(str(block.get("text", "")))
            continue
        if convert_block is None:
            kind = block.get("type")
            msg = (
                f"Content block of type {kind!r} in a {message.type} message must be uploaded "
                "first: keep auto_upload_attachments=True or pass a GigaChat file id."
            )
            raise GigaChatInvalidInputError(msg)
        converted = convert_block(block)
        if isinstance(converted, str):
            texts.append(converted)
        else:
            attachments.extend(converted)
    return "".join(texts), attachments


def _function_call(name: str, args: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"name": name, "arguments": dict(args or {})}


def _tool_call_order(
    message: AIMessage, rest: Sequence[BaseMessage]
) -> tuple[list[dict[str, Any]], dict[str, ToolMessage]]:
    """The AIMessage's tool calls in the order the following ToolMessages answer them."""
    calls = {call["id"]: call for call in message.tool_calls if call.get("id")}
    anonymous = [call for call in message.tool_calls if not call.get("id")]
    answers: dict[str, ToolMessage] = {}
    ordered: list[dict[str, Any]] = []
    for follower in rest:
        if not isinstance(follower, ToolMessage):
            break
        call = calls.pop(follower.tool_call_id, None)
        if call is not None:
            ordered.append(dict(call))
            answers[follower.tool_call_id] = follower
    ordered.extend(dict(call) for call in calls.values())
    ordered.extend(dict(call) for call in anonymous)
    return ordered, answers


def _append(out: list[GigaMessage], message: GigaMessage) -> None:
    """Append, merging with the previous message when both are plain text of the same role."""
    if out:
        last = out[-1]
        mergeable = message["role"] in ("user", "assistant") and last["role"] == message["role"]
        plain = not any(
            key in m for m in (last, message) for key in ("function_call", "function_calls")
        )
        if mergeable and plain:
            joined = "\n\n".join(part for part in (last["content"], message["content"]) if part)
            last["content"] = joined
            if message.get("attachments"):
                last.setdefault("attachments", []).extend(message["attachments"])
            return
    out.append(message)


def to_gigachat_messages(
    messages: Sequence[BaseMessage],
    *,
    wire_name: Callable[[str], str] = lambda name: name,
    convert_block: BlockConverter | None = None,
    parallel_calls: bool = False,
) -> list[GigaMessage]:
    """Convert a LangChain history into GigaChat v1 messages.

    Args:
        messages: The conversation, oldest first.
        wire_name: Maps a tool's LangChain name to the function name sent to GigaChat.
        convert_block: Handles non-text content blocks (uploads); None rejects them.
        parallel_calls: Keep an AIMessage's tool calls together in one assistant message
            (``function_calls``, then every result) and generated files as ids, as the v2
            dialect sends them (:mod:`~langchain_gigachat_ext.chat.v2.messages`). False linearises
            them into call/result pairs, as v1 requires.

    Returns:
        Plain dicts ready for the ``messages`` field of the request.

    Raises:
        GigaChatInvalidInputError: An empty history, or content that cannot be sent.

    Example:
        ```python
        from langchain_core.messages import HumanMessage, SystemMessage

        to_gigachat_messages([SystemMessage("Be brief."), HumanMessage("Hi")])
        # [{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': 'Hi'}]
        ```
    """
    if not messages:
        msg = "Cannot call GigaChat with an empty message list."
        raise GigaChatInvalidInputError(msg)
    out: list[GigaMessage] = []
    system_parts: list[str] = []
    answered: set[str] = set()
    call_names: dict[str, str] = {}
    started = False
    for index, message in enumerate(messages):
        if isinstance(message, SystemMessage) or _chat_role(message) == "system":
            if not started:
                system_parts.append(text_of(message.content))
            else:
                text = LATE_SYSTEM_PREFIX + text_of(message.content)
                _append(out, {"role": "user", "content": text})
            continue
        started = True
        if isinstance(message, AIMessage):
            _convert_ai(
                message,
                messages[index + 1 :],
                out=out,
                wire_name=wire_name,
                answered=answered,
                call_names=call_names,
                parallel_calls=parallel_calls,
            )
        elif isinstance(message, ToolMessage):
            _convert_tool_result(message, out, answered, call_names)
        elif isinstance(message, FunctionMessage):
            content = tool_result_json(message.content)
            out.append({"role": "function", "name": wire_name(message.name), "content": content})
        elif isinstance(message, HumanMessage) or _chat_role(message) == "user":
            text, attachments = _user_content(message, convert_block)
            entry: GigaMessage = {"role": "user", "content": text}
            if attachments:
                entry["attachments"] = attachments
            _append(out, entry)
        elif _chat_role(message) == "assistant":
            _append(out, {"role": "assistant", "content": text_of(message.content)})
        else:
            msg = f"Message type {message.type!r} cannot be sent to GigaChat."
            raise GigaChatInvalidInputError(msg)
    if system_parts:
        out.insert(0, {"role": "system", "content": "\n\n".join(system_parts)})
    return out


def _chat_role(message: BaseMessage) -> str | None:
    if isinstance(message, ChatMessage):
        return {"human": "user", "ai": "assistant", "developer": "system"}.get(
            message.role, message.role
        )
    return None


def _convert_ai(
    message: AIMessage,
    rest: Sequence[BaseMessage],
    *,
    out: list[GigaMessage],
    wire_name: Callable[[str], str],
    answered: set[str],
    call_names: dict[str, str],
    parallel_calls: bool,
) -> None:
    text, file_ids = _ai_content(message, files_as_ids=parallel_calls)
    kwargs = message.additional_kwargs
    state_id = kwargs.get("functions_state_id") or kwargs.get("tools_state_id")
    if not message.tool_calls:
        entry: GigaMessage = {"role": "assistant", "content": text}
        if file_ids:
            entry["attachments"] = file_ids
        if state_id:
            entry["functions_state_id"] = state_id
        _append(out, entry)
        return
    ordered, answers = _tool_call_order(message, rest)
    if parallel_calls:
        grouped: GigaMessage = {
            "role": "assistant",
            "content": text,
            "function_calls": [
                _function_call(wire_name(call["name"]), call.get("args")) for call in ordered
            ],
        }
        if file_ids:
            grouped["attachments"] = file_ids
        if state_id:
            grouped["functions_state_id"] = state_id
        out.append(grouped)
        for call in ordered:
            call_id = call.get("id") or ""
            call_names[call_id] = call["name"]
            out.append(_answer_or_placeholder(call, answers, answered, wire_name))
        return
    for position, call in enumerate(ordered):
        call_id = call.get("id") or ""
        call_names[call_id] = call["name"]
        assistant: GigaMessage = {
            "role": "assistant",
            "content": text if position == 0 else "",
            "function_call": _function_call(wire_name(call["name"]), call.get("args")),
        }
        if state_id and position == 0:
            assistant["functions_state_id"] = state_id
        out.append(assistant)
        out.append(_answer_or_placeholder(call, answers, answered, wire_name))


def _answer_or_placeholder(
    call: dict[str, Any],
    answers: Mapping[str, ToolMessage],
    answered: set[str],
    wire_name: Callable[[str], str],
) -> GigaMessage:
    """The result message for one call: its ToolMessage, or a synthetic error result."""
    call_id = call.get("id") or ""
    answer = answers.get(call_id)
    if answer is not None:
        answered.add(call_id)
        return _function_result(answer, call["name"], wire_name)
    warnings.warn(
        f"Tool call {call['name']!r} (id {call_id!r}) has no ToolMessage; sending a "
        "synthetic error result, as GigaChat requires a result for every call.",
        HistoryRepairWarning,
        stacklevel=5,
    )
    return {
        "role": "function",
        "name": wire_name(call["name"]),
        "content": json.dumps(UNANSWERED_CALL_RESULT, ensure_ascii=False),
    }


def _function_result(
    message: ToolMessage, call_name: str, wire_name: Callable[[str], str]
) -> GigaMessage:
    name = message.name or call_name
    return {
        "role": "function",
        "name": wire_name(name),
        "content": tool_result_json(message.content, status=message.status),
    }


def _convert_tool_result(
    message: ToolMessage,
    out: list[GigaMessage],
    answered: set[str],
    call_names: dict[str, str],
) -> None:
    if message.tool_call_id in answered:
        return  # already placed right after its call
    name = message.name or call_names.get(message.tool_call_id) or "tool"
    warnings.warn(
        f"ToolMessage {message.tool_call_id!r} answers no tool call in the history; sending its "
        "content as a user message, as GigaChat rejects results without a call.",
        HistoryRepairWarning,
        stacklevel=4,
    )
    text = f"Result of tool {name}: {tool_result_json(message.content, status=message.status)}"
    _append(out, {"role": "user", "content": text})
