"""Render a brain :class:`Reply` as a v2 chat completion: one JSON body or named SSE events.

Recorded shapes (PROTOCOL.md §7.2-7.3, REC ``test_primary_*``):

* body ``{"model", "created_at", "messages": [{"role": "assistant", "tool_state_id"?,
  "content": [parts]}], "finish_reason", "usage"}`` — ``finish_reason`` top-level, ``usage`` with
  ``input_tokens``, ``input_tokens_details.{prompt_tokens, cached_tokens}``, ``output_tokens``,
  ``total_tokens``; ``tool_state_id`` (singular) on answers that called a function, used a
  built-in tool, or answered function results;
* parts: ``{"text"}``; ``{"function_call": {"name", "arguments"}}``; a web search's text part
  with ``"inline_data": {"images": [], "sources": {"1": {"url", "title"}, ...}}``; a generated
  image ``{"files": [{"id", "mime": "image/jpeg", "target": "image"}]}`` before the text part;
* stream: ``event: response.message.delta`` events carrying message fragments, then
  ``event: response.message.done`` with ``model``, ``created_at``, ``finish_reason`` and ``usage``;
  no ``[DONE]``.

Inferred (no recording shows them):

* several calls: one ``function_call`` part each, each with a distinct ``id`` so results can be
  matched (a single call carries none, as recorded);
* reasoning: a ``{"role": "reasoning", "content": [{"text"}]}`` message before the assistant's
  (SDK unit tests); streamed as its own delta event;
* every delta's message carries ``role`` (and ``tool_state_id`` when the answer has one);
* a built-in tool's run is announced by ``event: response.tool.completed`` with
  ``{"model", "created_at", "messages": [{"role": "reasoning", "content": [{"tool_execution":
  {"name", "status": "success"}}]}]}`` before any text (the SDK's unit-test fixture); a generated
  image's ``files`` part is its own delta; web search ``inline_data`` rides on the last text delta;
* streamed function calls arrive whole inside the ``response.message.done`` event's ``messages``
  with ``tool_state_id``, no deltas before them (v1 also sends a call whole, PROTOCOL §6.3);
* ``logprobs`` (when the request set ``model_options.top_logprobs``): synthetic values
  (:mod:`langchain_gigachat_ext.emulator.brain.logprobs`) in the SDK's top-level
  ``ChatCompletionResponse.logprobs`` of the body, and of the stream's
  ``response.message.done`` event (``ChatCompletionChunk.logprobs``).
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from typing import Any, Final

from langchain_gigachat_ext.emulator.api.answer import split_text
from langchain_gigachat_ext.emulator.brain.core import Reply
from langchain_gigachat_ext.emulator.brain.logprobs import answer_logprobs
from langchain_gigachat_ext.emulator.server.protocol import dumps

DELTA: Final = "response.message.delta"
"""Event of message fragments (REC)."""

DONE: Final = "response.message.done"
"""Final event: finish reason and usage (REC)."""

TOOL_COMPLETED: Final = "response.tool.completed"
"""Event announcing a finished built-in tool run (SDK; inferred)."""

IMAGE_MIME: Final = "image/jpeg"
"""MIME of generated images (REC ``test_primary_chat_builtin_tools``)."""


def uuid7() -> str:
    """A time-ordered UUID (version 7), like the recorded ``tool_state_id`` values."""
    millis = int(time.time() * 1000) & ((1 << 48) - 1)
    rand_a = int.from_bytes(os.urandom(2), "big") & 0xFFF
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return str(uuid.UUID(int=value))


@dataclass(frozen=True)
class CompletionV2:
    """Everything that goes into one rendered v2 answer."""

    reply: Reply
    """What the model said."""
    model_version: str
    """Versioned model name, e.g. ``GigaChat-3-Ultra:32.3.18.5``."""
    created_at: int
    """Unix seconds."""
    cached_tokens: int = 0
    """``usage.input_tokens_details.cached_tokens``."""
    tool_state_id: str | None = None
    """State id of an answer that involved tools."""
    image_file_id: str | None = None
    """File id of the image a built-in ``image_generate`` stored."""
    call_ids: tuple[str, ...] = ()
    """Ids of the function calls when there are several."""
    top_logprobs: int | None = None
    """Candidates per token of synthetic ``logprobs``; None: no ``logprobs`` (inferred)."""


def usage_v2(input_tokens: int, output_tokens: int, cached_tokens: int) -> dict[str, Any]:
    """v2 ``usage``; ``total_tokens`` = input + output as in every recording (REC)."""
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"prompt_tokens": input_tokens, "cached_tokens": cached_tokens},
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }


def sse_named(event: str, payload: Any) -> bytes:
    """One named SSE event: ``event:`` and one ``data:`` line, then a blank line (REC)."""
    return b"event: " + event.encode() + b"\ndata: " + dumps(payload) + b"\n\n"


def _usage(completion: CompletionV2) -> dict[str, Any]:
    reply = completion.reply
    return usage_v2(reply.prompt_tokens, reply.completion_tokens, completion.cached_tokens)


def _call_parts(completion: CompletionV2) -> list[dict[str, Any]]:
    parts = []
    calls = completion.reply.calls
    for index, call in enumerate(calls):
        body = {"name": call["name"], "arguments": call["arguments"]}
        if len(calls) > 1 and index < len(completion.call_ids):
            body = {"id": completion.call_ids[index], **body}
        parts.append({"function_call": body})
    return parts


def _inline_data(completion: CompletionV2) -> dict[str, Any] | None:
    use = completion.reply.tool_use
    if use is None or not use.sources:
        return None
    sources = {
        str(number): {"url": url, "title": title}
        for number, (url, title) in enumerate(use.sources, start=1)
    }
    return {"images": [], "sources": sources}


def _files_part(completion: CompletionV2) -> dict[str, Any] | None:
    if completion.image_file_id is None:
        return None
    file = {"id": completion.image_file_id, "mime": IMAGE_MIME, "target": "image"}
    return {"files": [file]}


def _assistant(completion: CompletionV2, content: list[dict[str, Any]]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant"}
    if completion.tool_state_id is not None:
        message["tool_state_id"] = completion.tool_state_id
    message["content"] = content
    return message


def _logprobs(completion: CompletionV2) -> list[dict[str, Any]] | None:
    if completion.top_logprobs is None:
        return None
    reply = completion.reply
    texts = (reply.reasoning_content or "", "" if reply.calls else reply.content)
    return answer_logprobs(texts, reply.calls, completion.top_logprobs)


def _reasoning(text: str) -> dict[str, Any]:
    return {"role": "reasoning", "content": [{"text": text}]}


def _answer_parts(completion: CompletionV2) -> list[dict[str, Any]]:
    if completion.reply.calls:
        return _call_parts(completion)
    parts: list[dict[str, Any]] = []
    files = _files_part(completion)
    if files is not None:
        parts.append(files)
    text: dict[str, Any] = {"text": completion.reply.content}
    inline = _inline_data(completion)
    if inline is not None:
        text["inline_data"] = inline
    parts.append(text)
    return parts


def response_body(completion: CompletionV2) -> dict[str, Any]:
    """The non-streaming response body (REC field order)."""
    messages = []
    if completion.reply.reasoning_content:
        messages.append(_reasoning(completion.reply.reasoning_content))
    messages.append(_assistant(completion, _answer_parts(completion)))
    body = {
        "model": completion.model_version,
        "created_at": completion.created_at,
        "messages": messages,
        "finish_reason": completion.reply.finish_reason,
        "usage": _usage(completion),
    }
    logprobs = _logprobs(completion)
    if logprobs is not None:
        body["logprobs"] = logprobs
    return body


def stream_events(completion: CompletionV2) -> list[tuple[str, dict[str, Any]]]:
    """The ``(event, data)`` pairs of a v2 stream, in order (shapes in the module docstring)."""
    reply = completion.reply
    head = {"model": completion.model_version, "created_at": completion.created_at}
    events: list[tuple[str, dict[str, Any]]] = []
    if reply.reasoning_content:
        events.append((DELTA, {**head, "messages": [_reasoning(reply.reasoning_content)]}))
    done: dict[str, Any] = dict(head)
    if reply.calls:
        done["messages"] = [_assistant(completion, _call_parts(completion))]
    else:
        if reply.tool_use is not None:
            execution = {"tool_execution": {"name": reply.tool_use.name, "status": "success"}}
            tool_message = {"role": "reasoning", "content": [execution]}
            events.append((TOOL_COMPLETED, {**head, "messages": [tool_message]}))
        files = _files_part(completion)
        if files is not None:
            events.append((DELTA, {**head, "messages": [_assistant(completion, [files])]}))
        pieces = reply.chunks if "".join(reply.chunks) == reply.content else ()
        pieces = pieces or split_text(reply.content)
        inline = _inline_data(completion)
        for number, piece in enumerate(pieces, start=1):
            part: dict[str, Any] = {"text": piece}
            if inline is not None and number == len(pieces):
                part["inline_data"] = inline
            events.append((DELTA, {**head, "messages": [_assistant(completion, [part])]}))
    done["finish_reason"] = reply.finish_reason
    done["usage"] = _usage(completion)
    logprobs = _logprobs(completion)
    if logprobs is not None:
        done["logprobs"] = logprobs
    events.append((DONE, done))
    return events
