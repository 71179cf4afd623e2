"""Render a brain :class:`Reply` as a v1 chat completion: one JSON body or SSE chunks.

Shapes: PROTOCOL.md §6.2 (response) and §6.3 (stream), REC ``test_chat_simple`` and
``test_stream_simple``. No ``id`` field anywhere; ``object`` is ``chat.completion``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from langchain_gigachat_ext.emulator.api.answer import split_text
from langchain_gigachat_ext.emulator.brain.core import Reply
from langchain_gigachat_ext.emulator.server.protocol import usage_block

OBJECT: Final = "chat.completion"
"""``object`` of responses and stream chunks (REC GigaChat 2.0.28.2)."""


@dataclass(frozen=True)
class Completion:
    """Everything that goes into one rendered answer."""

    reply: Reply
    """What the model said."""
    model_version: str
    """Versioned model name, e.g. ``GigaChat:2.0.28.2``."""
    created: int
    """Unix seconds."""
    precached_tokens: int = 0
    """``usage.precached_prompt_tokens``."""
    functions_state_id: str | None = None
    """UUID sent with function calls."""


def _usage(completion: Completion) -> dict[str, int]:
    reply = completion.reply
    return usage_block(reply.prompt_tokens, reply.completion_tokens, completion.precached_tokens)


def _message(completion: Completion) -> dict[str, Any]:
    reply = completion.reply
    message: dict[str, Any] = {"content": reply.content, "role": "assistant"}
    if reply.function_call is not None:
        message["function_call"] = reply.function_call
        message["functions_state_id"] = completion.functions_state_id
    if reply.reasoning_content:
        message["reasoning_content"] = reply.reasoning_content
    return message


def completion_body(completion: Completion) -> dict[str, Any]:
    """The non-streaming response body (REC field order)."""
    choice = {
        "message": _message(completion),
        "index": 0,
        "finish_reason": completion.reply.finish_reason,
    }
    return {
        "choices": [choice],
        "created": completion.created,
        "model": completion.model_version,
        "object": OBJECT,
        "usage": _usage(completion),
    }


def _chunk(
    completion: Completion,
    delta: dict[str, Any],
    finish_reason: str | None = None,
    usage: dict[str, int] | None = None,
) -> dict[str, Any]:
    choice: dict[str, Any] = {"delta": delta, "index": 0}
    if finish_reason is not None:
        choice["finish_reason"] = finish_reason
    chunk: dict[str, Any] = {
        "choices": [choice],
        "created": completion.created,
        "model": completion.model_version,
        "object": OBJECT,
    }
    if usage is not None:
        chunk["usage"] = usage
    return chunk


def stream_chunks(completion: Completion) -> list[dict[str, Any]]:
    """The JSON payloads of a v1 stream, without the ``[DONE]`` terminator.

    Role only in the first delta; the last chunk carries empty content, ``finish_reason`` and
    ``usage`` (REC). A function call arrives whole in one chunk together with
    ``functions_state_id`` (SDK model: arguments must be an object, so no fragments).
    """
    reply = completion.reply
    usage = _usage(completion)
    chunks: list[dict[str, Any]] = []
    first = True
    if reply.reasoning_content:
        reasoning = {
            "content": "",
            "role": "assistant",
            "reasoning_content": reply.reasoning_content,
        }
        chunks.append(_chunk(completion, reasoning))
        first = False
    if reply.function_call is not None:
        delta: dict[str, Any] = {"content": reply.content, "function_call": reply.function_call}
        delta["functions_state_id"] = completion.functions_state_id
        if first:
            delta["role"] = "assistant"
        chunks.append(_chunk(completion, delta, reply.finish_reason, usage))
        return chunks
    pieces = reply.chunks if "".join(reply.chunks) == reply.content else ()
    for piece in pieces or split_text(reply.content):
        text_delta = {"content": piece}
        if first:
            text_delta["role"] = "assistant"
            first = False
        chunks.append(_chunk(completion, text_delta))
    final: dict[str, Any] = {"content": ""}
    if first:
        final["role"] = "assistant"
    chunks.append(_chunk(completion, final, reply.finish_reason, usage))
    return chunks
