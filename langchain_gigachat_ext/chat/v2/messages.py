"""Normalised turns → GigaChat v2 ``messages`` (a pure function).

Where v2's wire differs from the normalised form (PROTOCOL §7.1, REC
``test_primary_chat_function_tool_roundtrip``):

* ``content`` is a list of parts: ``{"text"}``, ``{"files": [{"id"}]}``, one
  ``{"function_call"}`` part per call (v2 allows several per message);
* a function result is ``role: "tool"`` with a ``{"function_result": {"name", "result"}}``
  part whose ``result`` is the JSON object itself, not its text;
* the state id is ``tools_state_id``, set on the assistant message that made the calls and on
  every result answering it (as the recorded round trip does).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_gigachat_ext.chat.normalise import FunctionResult, Turn


def _parts(turn: Turn) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    if turn["content"]:
        parts.append({"text": turn["content"]})
    if turn.get("attachments"):
        parts.append({"files": [{"id": file_id} for file_id in turn["attachments"]]})
    parts.extend(
        {"function_call": {"name": call["name"], "arguments": call["arguments"]}}
        for call in turn.get("calls", ())
    )
    return parts or [{"text": ""}]


def _tool(result: FunctionResult, state_id: str | None) -> dict[str, Any]:
    part = {"function_result": {"name": result["name"], "result": result["value"]}}
    message: dict[str, Any] = {"role": "tool", "content": [part]}
    if state_id:
        message["tools_state_id"] = state_id
    return message


def to_v2_messages(turns: Sequence[Turn]) -> list[dict[str, Any]]:
    """The ``messages`` field of a ``/v2/chat/completions`` request.

    Args:
        turns: The normalised conversation
            (:func:`~langchain_gigachat_ext.chat.normalise.normalise` with ``files_as_ids``).

    Example:
        ```python
        to_v2_messages([{"role": "user", "content": "Hi"}])
        # [{'role': 'user', 'content': [{'text': 'Hi'}]}]
        ```
    """
    out: list[dict[str, Any]] = []
    state_id: str | None = None  # of the last assistant turn, for legacy function results too
    for turn in turns:
        role = turn["role"]
        if role == "function":
            out.append(_tool(turn["result"], state_id))
            continue
        message: dict[str, Any] = {"role": role, "content": _parts(turn)}
        state_id = turn.get("state_id") if role == "assistant" else None
        if state_id:
            message["tools_state_id"] = state_id
        out.append(message)
        out.extend(_tool(call["result"], state_id) for call in turn.get("calls", ()))
    return out
