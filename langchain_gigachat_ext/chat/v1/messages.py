"""Normalised turns → GigaChat v1 ``messages`` (a pure function), and the public conversion.

Where v1's wire differs from the normalised form (PROTOCOL §6.2):

* one ``function_call`` per assistant message: an assistant turn with N calls becomes N
  consecutive call/result pairs, the turn's text and ``functions_state_id`` on the first;
* a function result is ``role: "function"`` whose ``content`` is the JSON object as text.

:func:`to_gigachat_messages` (LangChain messages → v1 dicts in one step) is public API: users
and the benchmarks call it; ``langchain_gigachat_ext.messages`` re-exports it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from langchain_gigachat_ext.chat.normalise import (
    BlockConverter,
    FunctionCall,
    FunctionResult,
    HistoryRepairWarning,
    Turn,
    normalise,
    text_of,
    tool_result_json,
)

__all__ = [
    "BlockConverter",
    "GigaMessage",
    "HistoryRepairWarning",
    "text_of",
    "to_gigachat_messages",
    "to_v1_messages",
    "tool_result_json",
]

GigaMessage = dict[str, Any]
"""One message of a v1 request body."""


def _function_call(call: FunctionCall) -> dict[str, Any]:
    return {"name": call["name"], "arguments": call["arguments"]}


def _function_result(result: FunctionResult) -> GigaMessage:
    content = json.dumps(result["value"], ensure_ascii=False)
    return {"role": "function", "name": result["name"], "content": content}


def _assistant(turn: Turn, *, grouped: bool) -> list[GigaMessage]:
    state_id = turn.get("state_id")
    calls = turn.get("calls")
    if calls is None or grouped:
        message: GigaMessage = {"role": "assistant", "content": turn["content"]}
        if calls is not None:
            message["function_calls"] = [_function_call(call) for call in calls]
        if turn.get("attachments"):
            message["attachments"] = list(turn["attachments"])
        if state_id:
            message["functions_state_id"] = state_id
        return [message, *(_function_result(call["result"]) for call in calls or ())]
    out: list[GigaMessage] = []
    for position, call in enumerate(calls):
        message = {
            "role": "assistant",
            "content": turn["content"] if position == 0 else "",
            "function_call": _function_call(call),
        }
        if state_id and position == 0:
            message["functions_state_id"] = state_id
        out += [message, _function_result(call["result"])]
    return out


def to_v1_messages(turns: Sequence[Turn], *, grouped: bool = False) -> list[GigaMessage]:
    """The ``messages`` field of a v1 request.

    Args:
        turns: The normalised conversation
            (:func:`~langchain_gigachat_ext.chat.normalise.normalise`).
        grouped: Keep an assistant turn's calls together (``function_calls``, then every
            result), the shape :func:`to_gigachat_messages` returns with ``parallel_calls=True``.
    """
    out: list[GigaMessage] = []
    for turn in turns:
        role = turn["role"]
        if role == "assistant":
            out += _assistant(turn, grouped=grouped)
        elif role == "function":
            out.append(_function_result(turn["result"]))
        else:
            message: GigaMessage = {"role": role, "content": turn["content"]}
            if turn.get("attachments"):
                message["attachments"] = list(turn["attachments"])
            out.append(message)
    return out


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
            (``function_calls``, then every result) and generated files as ids. False
            linearises them into call/result pairs, as v1 requires.

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
    turns = normalise(
        messages, wire_name=wire_name, convert_block=convert_block, files_as_ids=parallel_calls
    )
    return to_v1_messages(turns, grouped=parallel_calls)
