"""Normalised messages → GigaChat v2 ``messages`` (a pure function).

The normaliser (:func:`~langchain_gigachat_ext.chat.v1.messages.to_gigachat_messages` with
``parallel_calls=True``) already applies every history rule both dialects share: one leading
system message, merged same-role turns, a result for every call, results as JSON objects. This
module only changes the shape (PROTOCOL §7.1, REC ``test_primary_chat_function_tool_roundtrip``):

* ``content`` becomes a list of parts: ``{"text"}``, ``{"files": [{"id"}]}``, one
  ``{"function_call"}`` part per call (v2 allows several per message);
* a function result becomes ``role: "tool"`` with a ``{"function_result": {"name", "result"}}``
  part whose ``result`` is the JSON object itself, not its text;
* ``functions_state_id`` becomes ``tools_state_id``, set on the assistant message that made the
  calls and on every result answering it (as the recorded round trip does).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_gigachat_ext.chat.v1.messages import GigaMessage


def _parts(message: GigaMessage) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    if message.get("content"):
        parts.append({"text": message["content"]})
    if message.get("attachments"):
        parts.append({"files": [{"id": file_id} for file_id in message["attachments"]]})
    calls = message.get("function_calls")
    if calls is None and "function_call" in message:
        calls = [message["function_call"]]
    parts.extend({"function_call": call} for call in calls or ())
    return parts or [{"text": ""}]


def _function_result(message: GigaMessage) -> dict[str, Any]:
    # The normaliser guarantees a JSON object text (messages.tool_result_json).
    return {"function_result": {"name": message["name"], "result": json.loads(message["content"])}}


def to_v2_messages(messages: Sequence[GigaMessage]) -> list[dict[str, Any]]:
    """Reshape normalised messages into the v2 wire format.

    Args:
        messages: Output of ``to_gigachat_messages(..., parallel_calls=True)``.

    Returns:
        The ``messages`` field of a ``/v2/chat/completions`` request.

    Example:
        ```python
        to_v2_messages([{"role": "user", "content": "Hi"}])
        # [{'role': 'user', 'content': [{'text': 'Hi'}]}]
        ```
    """
    out: list[dict[str, Any]] = []
    state_id: str | None = None
    for message in messages:
        role = message["role"]
        if role == "function":
            entry: dict[str, Any] = {"role": "tool", "content": [_function_result(message)]}
            if state_id:
                entry["tools_state_id"] = state_id
            out.append(entry)
            continue
        entry = {"role": role, "content": _parts(message)}
        if role == "assistant":
            state_id = message.get("functions_state_id")
            if state_id:
                entry["tools_state_id"] = state_id
        else:
            state_id = None
        out.append(entry)
    return out
