"""LangChain messages → the normalised conversation both chat dialects send (pure functions).

The history rules of the API, met here once for v1 and v2:

* One system message, first (else 422, PROTOCOL §6.2): leading system messages are merged;
  a system message later in the conversation becomes a user turn marked as an instruction.
* Every call needs a result and every result a call: an unanswered call gets a synthetic error
  result; a result with no call becomes a user turn quoting it (both with a warning).
* Function results must be JSON objects (PROTOCOL §6.2, peers.md): any ``ToolMessage`` content
  is turned into one, kept parsed here (v1 sends its text, v2 the object itself, §7.1).
* Consecutive user (or plain assistant) turns are merged, so histories like
  ``[Human, Human, AI, AI]`` are accepted.

The turns are ``TypedDict``s whose ``role``/``content``/``attachments`` keys are the ones the
attachment layout rules (:mod:`~langchain_gigachat_ext.attachments.layout`) read and split.
The one thing the dialects need decided here is how files the model generated travel back:
v1 has no field for them, only ``<img>`` markup inside the text at the block's place, while
v2 sends file ids (``files_as_ids``).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, NotRequired

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from typing_extensions import TypedDict

from langchain_gigachat_ext.attachments.output import render_generated_image
from langchain_gigachat_ext.errors import GigaChatInvalidInputError

BlockConverter = Callable[[dict[str, Any]], "list[str] | str"]
"""Turns one non-text content block into attachment ids (uploading) or text; raises if it can't."""

LATE_SYSTEM_PREFIX = "[Instruction] "
"""Prefix of a system message that had to be sent as a user message."""

UNANSWERED_CALL_RESULT = {
    "error": "This tool call was not executed: no result was recorded in the conversation."
}
"""The result sent for a tool call the history has no ``ToolMessage`` for."""


class HistoryRepairWarning(UserWarning):
    """The history had to be repaired to satisfy the API (details in the message)."""


class FunctionResult(TypedDict):
    """What one function returned."""

    name: str
    """Wire name of the function."""
    value: dict[str, Any]
    """The result, a JSON object."""


class FunctionCall(TypedDict):
    """One call the assistant made, with its answer."""

    name: str
    """Wire name of the function."""
    arguments: dict[str, Any]
    """Arguments as a JSON object."""
    result: FunctionResult
    """The call's result (a synthetic error when the history has none)."""


class Turn(TypedDict):
    """One message of the normalised conversation."""

    role: Literal["system", "user", "assistant", "function"]
    """``function``: a legacy ``FunctionMessage`` result that answers no call in the history."""
    content: str
    """The text."""
    attachments: NotRequired[list[str]]
    """File ids: uploads on user turns, generated files on assistant turns (v2)."""
    calls: NotRequired[list[FunctionCall]]
    """An assistant's function calls, each with its result, in the order they were answered."""
    state_id: NotRequired[str]
    """``functions_state_id`` (v1) / ``tools_state_id`` (v2) of an assistant's answer."""
    result: NotRequired[FunctionResult]
    """The result of a ``function`` turn."""


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


def tool_result_value(content: str | list[Any], *, status: str = "success") -> dict[str, Any]:
    """ToolMessage content → the JSON object GigaChat requires for a function result.

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
        return {"error": value}
    return value if isinstance(value, dict) else {"result": value}


def tool_result_json(content: str | list[Any], *, status: str = "success") -> str:
    """:func:`tool_result_value` as the JSON text v1 sends."""
    return json.dumps(tool_result_value(content, status=status), ensure_ascii=False)


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
"""AIMessage blocks that are not sent as text: calls travel as function calls; reasoning is
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


def _turn(role: Literal["user", "assistant"], text: str, attachments: list[str]) -> Turn:
    turn = Turn(role=role, content=text)
    if attachments:
        turn["attachments"] = attachments
    return turn


def _append(out: list[Turn], turn: Turn) -> None:
    """Append, merging with the previous turn when both are plain text of the same role."""
    if out:
        last = out[-1]
        mergeable = turn["role"] in ("user", "assistant") and last["role"] == turn["role"]
        if mergeable and "calls" not in last and "calls" not in turn:
            last["content"] = "\n\n".join(p for p in (last["content"], turn["content"]) if p)
            if turn.get("attachments"):
                last.setdefault("attachments", []).extend(turn["attachments"])
            return
    out.append(turn)


def _chat_role(message: BaseMessage) -> str | None:
    if isinstance(message, ChatMessage):
        return {"human": "user", "ai": "assistant", "developer": "system"}.get(
            message.role, message.role
        )
    return None


class _Normaliser:
    """The state of one pass over a history."""

    def __init__(self, wire_name: Callable[[str], str], files_as_ids: bool, warn: bool) -> None:
        self.wire_name = wire_name
        self.files_as_ids = files_as_ids
        self.warn = warn
        self.turns: list[Turn] = []
        self.answered: set[str] = set()
        self.call_names: dict[str, str] = {}

    def assistant(self, message: AIMessage, rest: Sequence[BaseMessage]) -> None:
        text, file_ids = _ai_content(message, files_as_ids=self.files_as_ids)
        turn = _turn("assistant", text, file_ids)
        kwargs = message.additional_kwargs
        state_id = kwargs.get("functions_state_id") or kwargs.get("tools_state_id")
        if state_id:
            turn["state_id"] = state_id
        if not message.tool_calls:
            _append(self.turns, turn)
            return
        answers = _answers(message, rest)
        turn["calls"] = []
        for call in _answer_order(message, answers):
            call_id = call.get("id") or ""
            self.call_names[call_id] = call["name"]
            turn["calls"].append(
                FunctionCall(
                    name=self.wire_name(call["name"]),
                    arguments=dict(call.get("args") or {}),
                    result=self._result(call, answers.get(call_id)),
                )
            )
        self.turns.append(turn)

    def _result(self, call: Mapping[str, Any], answer: ToolMessage | None) -> FunctionResult:
        """The result of one call: its ToolMessage, or a synthetic error result."""
        if answer is not None:
            self.answered.add(answer.tool_call_id)
            return FunctionResult(
                name=self.wire_name(answer.name or call["name"]),
                value=tool_result_value(answer.content, status=answer.status),
            )
        if self.warn:
            warnings.warn(
                f"Tool call {call['name']!r} (id {call.get('id') or ''!r}) has no ToolMessage; "
                "sending a synthetic error result, as GigaChat requires a result for every call.",
                HistoryRepairWarning,
                stacklevel=6,
            )
        return FunctionResult(name=self.wire_name(call["name"]), value=dict(UNANSWERED_CALL_RESULT))

    def orphan_result(self, message: ToolMessage) -> None:
        if message.tool_call_id in self.answered:
            return  # already placed with its call
        name = message.name or self.call_names.get(message.tool_call_id) or "tool"
        if self.warn:
            warnings.warn(
                f"ToolMessage {message.tool_call_id!r} answers no tool call in the history; "
                "sending its content as a user message, as GigaChat rejects results without a "
                "call.",
                HistoryRepairWarning,
                stacklevel=5,
            )
        text = f"Result of tool {name}: {tool_result_json(message.content, status=message.status)}"
        _append(self.turns, _turn("user", text, []))


def _answers(message: AIMessage, rest: Sequence[BaseMessage]) -> dict[str, ToolMessage]:
    """The ToolMessages right after ``message`` that answer its calls, by call id."""
    ids = {call["id"] for call in message.tool_calls if call.get("id")}
    answers: dict[str, ToolMessage] = {}
    for follower in rest:
        if not isinstance(follower, ToolMessage):
            break
        if follower.tool_call_id in ids and follower.tool_call_id not in answers:
            answers[follower.tool_call_id] = follower
    return answers


def _answer_order(message: AIMessage, answers: Mapping[str, ToolMessage]) -> list[Any]:
    """The calls in the order their answers follow; unanswered and anonymous ones last."""
    by_id = {call["id"]: call for call in message.tool_calls if call.get("id")}
    ordered = [by_id.pop(call_id) for call_id in answers]
    ordered.extend(by_id.values())
    ordered.extend(call for call in message.tool_calls if not call.get("id"))
    return ordered


def normalise(
    messages: Sequence[BaseMessage],
    *,
    wire_name: Callable[[str], str] = lambda name: name,
    convert_block: BlockConverter | None = None,
    files_as_ids: bool = False,
    warn: bool = True,
) -> list[Turn]:
    """Apply the history rules to a LangChain conversation.

    Args:
        messages: The conversation, oldest first.
        wire_name: Maps a tool's LangChain name to the function name sent to GigaChat.
        convert_block: Handles non-text content blocks (uploads); None rejects them.
        files_as_ids: Send files the model generated back as ids (v2) rather than as
            ``<img>`` markup in the text (v1, which refuses other generated files).
        warn: Emit :class:`HistoryRepairWarning` for repaired histories (off for a dry run whose
            request is built again afterwards).

    Returns:
        The turns, a system turn first when there is one.

    Raises:
        GigaChatInvalidInputError: An empty history, or content that cannot be sent.

    Example:
        ```python
        from langchain_core.messages import HumanMessage, SystemMessage

        normalise([SystemMessage("Be brief."), HumanMessage("Hi")])
        # [{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': 'Hi'}]
        ```
    """
    if not messages:
        msg = "Cannot call GigaChat with an empty message list."
        raise GigaChatInvalidInputError(msg)
    state = _Normaliser(wire_name, files_as_ids, warn)
    system_parts: list[str] = []
    started = False
    for index, message in enumerate(messages):
        role = _chat_role(message)
        if isinstance(message, SystemMessage) or role == "system":
            if not started:
                system_parts.append(text_of(message.content))
            else:
                text = LATE_SYSTEM_PREFIX + text_of(message.content)
                _append(state.turns, _turn("user", text, []))
            continue
        started = True
        if isinstance(message, AIMessage):
            state.assistant(message, messages[index + 1 :])
        elif isinstance(message, ToolMessage):
            state.orphan_result(message)
        elif isinstance(message, FunctionMessage):
            result = FunctionResult(
                name=wire_name(message.name), value=tool_result_value(message.content)
            )
            state.turns.append(Turn(role="function", content="", result=result))
        elif isinstance(message, HumanMessage) or role == "user":
            _append(state.turns, _turn("user", *_user_content(message, convert_block)))
        elif role == "assistant":
            _append(state.turns, _turn("assistant", text_of(message.content), []))
        else:
            msg = f"Message type {message.type!r} cannot be sent to GigaChat."
            raise GigaChatInvalidInputError(msg)
    if system_parts:
        state.turns.insert(0, Turn(role="system", content="\n\n".join(system_parts)))
    return state.turns
