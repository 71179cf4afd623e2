"""GigaChat v1 responses → ``AIMessage`` / ``AIMessageChunk`` (pure functions).

One result builder for invoke and stream: both go through :func:`message_fields`, so a
streamed answer aggregates to the same message an invoke returns. Inputs are the validated
dicts of :mod:`~langchain_gigachat_ext.chat.v1.schema` together with the response's ``x-*``
headers (:class:`WireCompletion`, :class:`WireChunk`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import InputTokenDetails, UsageMetadata
from langchain_core.messages.tool import tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_gigachat_ext.chat.v1.schema import Chunk, Completion, Usage
from langchain_gigachat_ext.errors import GigaChatMalformedResponseError

PROVIDER = "gigachat"

FINISH_REASONS = {
    "stop": "stop",
    "length": "length",
    "function_call": "tool_calls",
    "blacklist": "content_filter",
    "request_blacklist": "content_filter",
    "request_whitelist": "content_filter",
    "request_filter": "content_filter",
    "response_blacklist": "content_filter",
    "content_filter": "content_filter",
}
"""Raw GigaChat finish reasons (PROTOCOL §6.2, peers.md (d)) → LangChain's normalised names.
``error`` (the model generated invalid function arguments) is kept as ``error``."""

CallRestorer = Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]
"""Maps (wire function name, wire arguments) → (LangChain tool name, arguments in its schema)."""


class WireCompletion(NamedTuple):
    """A validated non-streaming answer and the ``x-*`` headers it came with."""

    data: Completion
    """The response body."""
    x_headers: Mapping[str, str | None]
    """``x-request-id``, ``x-session-id``, ``x-client-id``."""


class WireChunk(NamedTuple):
    """One validated SSE chunk and the ``x-*`` headers of its stream."""

    data: Chunk
    """The ``data:`` object."""
    x_headers: Mapping[str, str | None]
    """``x-request-id``, ``x-session-id``, ``x-client-id``."""


def usage_metadata(usage: Usage) -> UsageMetadata:
    """Wire usage → LangChain ``UsageMetadata`` (cache reads from ``precached_prompt_tokens``)."""
    metadata = UsageMetadata(
        input_tokens=usage["prompt_tokens"],
        output_tokens=usage["completion_tokens"],
        total_tokens=usage["total_tokens"],
    )
    precached = usage.get("precached_prompt_tokens")
    if precached is not None:
        metadata["input_token_details"] = InputTokenDetails(cache_read=precached)
    return metadata


def normalise_finish_reason(raw: str | None) -> str | None:
    """LangChain's name for a GigaChat finish reason (unknown values pass through)."""
    if raw is None:
        return None
    return FINISH_REASONS.get(raw, raw)


def tool_call_id(state_id: str | None) -> str:
    """A tool call id: derived from ``functions_state_id`` when the server sent one.

    The same response yields the same id whether it was streamed or not.
    """
    return f"call_{state_id}" if state_id else f"call_{uuid.uuid4().hex}"


def response_metadata(
    *, model: str | None, finish_reason: str | None, x_headers: Mapping[str, Any] | None
) -> dict[str, Any]:
    """``response_metadata`` of the final message or chunk."""
    headers = x_headers or {}
    metadata: dict[str, Any] = {"model_provider": PROVIDER}
    if model:
        metadata["model_name"] = model
    if finish_reason is not None:
        metadata["finish_reason"] = normalise_finish_reason(finish_reason)
        metadata["gigachat_finish_reason"] = finish_reason
    for key in ("x-request-id", "x-session-id", "x-client-id"):
        if headers.get(key):
            metadata[key.removeprefix("x-").replace("-", "_")] = headers[key]
    return metadata


def message_id(x_headers: Mapping[str, Any] | None) -> str | None:
    """The message id derived from the request id (``gigachat-<x-request-id>``)."""
    request_id = (x_headers or {}).get("x-request-id")
    return f"gigachat-{request_id}" if request_id else None


def message_fields(
    *,
    function_call: Mapping[str, Any] | None,
    state_id: str | None,
    reasoning: str | None,
    restore: CallRestorer,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``additional_kwargs`` and restored tool calls shared by messages and chunks."""
    additional: dict[str, Any] = {}
    if reasoning:
        additional["reasoning_content"] = reasoning
    if state_id:
        additional["functions_state_id"] = state_id
    calls: list[dict[str, Any]] = []
    if function_call is not None:
        name, args = restore(function_call["name"], dict(function_call.get("arguments") or {}))
        calls.append({"name": name, "args": args, "id": tool_call_id(state_id)})
    return additional, calls


def chat_result(completion: WireCompletion, restore: CallRestorer) -> ChatResult:
    """A non-streaming completion → ``ChatResult`` with one generation."""
    data, x_headers = completion
    if not data["choices"]:
        raise GigaChatMalformedResponseError(
            "GigaChat returned no choices", request_id=x_headers.get("x-request-id")
        )
    choice = data["choices"][0]
    message = choice["message"]
    additional, calls = message_fields(
        function_call=message.get("function_call"),
        state_id=message.get("functions_state_id"),
        reasoning=message.get("reasoning_content"),
        restore=restore,
    )
    finish_reason = choice.get("finish_reason")
    usage = data["usage"]
    ai = AIMessage(
        content=message.get("content", ""),
        additional_kwargs=additional,
        tool_calls=[tool_call(**call) for call in calls],
        usage_metadata=usage_metadata(usage),
        response_metadata=response_metadata(
            model=data["model"], finish_reason=finish_reason, x_headers=x_headers
        ),
        id=message_id(x_headers),
    )
    token_usage: dict[str, Any] = dict(usage)
    token_usage.setdefault("precached_prompt_tokens", None)
    generation_info = {"finish_reason": normalise_finish_reason(finish_reason)}
    return ChatResult(
        generations=[ChatGeneration(message=ai, generation_info=generation_info)],
        llm_output={"model_name": data["model"], "token_usage": token_usage},
    )


_TEXT_CHUNK = AIMessageChunk(content="", id="", response_metadata={"model_provider": PROVIDER})
"""Prototype of plain text chunks (fields set as by the validated construction)."""

_GENERATION_CHUNK = ChatGenerationChunk(message=_TEXT_CHUNK)
"""Prototype of the generation chunk wrapping a plain text chunk."""

_FINAL_TEXT_CHUNK = AIMessageChunk(
    content="",
    additional_kwargs={},
    tool_call_chunks=[],
    usage_metadata=None,
    response_metadata={},
    id="",
    chunk_position="last",
)
"""Prototype of the last chunk of a text answer (the keywords :func:`chunk_from_stream` passes)."""

_FINAL_GENERATION_CHUNK = ChatGenerationChunk(message=_FINAL_TEXT_CHUNK, generation_info={})
"""Prototype of the generation chunk wrapping the last chunk of a text answer."""

_new_instance = object.__new__
_set_slot = object.__setattr__


def _copy_with(prototype: Any, fields: dict[str, Any]) -> Any:
    """``prototype.model_copy(update=fields)`` in about half the time.

    The steps of pydantic's ``model_copy``: a new instance whose ``__dict__`` is the prototype's
    with ``fields`` replaced, and copies of ``__pydantic_fields_set__`` and
    ``__pydantic_extra__``. The prototypes have no private attributes (a unit test compares every
    one of these with the validated construction). Streams build one text chunk per SSE event,
    and ``model_copy``'s generic steps were about a third of the CPU a chunk cost.
    """
    extra = prototype.__pydantic_extra__
    copy = _new_instance(type(prototype))
    _set_slot(copy, "__dict__", {**prototype.__dict__, **fields})
    _set_slot(copy, "__pydantic_fields_set__", set(prototype.__pydantic_fields_set__))
    _set_slot(copy, "__pydantic_extra__", None if extra is None else dict(extra))
    _set_slot(copy, "__pydantic_private__", None)
    return copy


def text_chunk(text: str, chunk_id: str | None) -> ChatGenerationChunk:
    """A generation chunk of plain streamed text, built without re-validation.

    Equal to ``ChatGenerationChunk(message=AIMessageChunk(content=text, id=chunk_id,
    response_metadata={"model_provider": "gigachat"}))``, down to the fields marked as set;
    every mutable field is a fresh object.
    """
    return _unvalidated_chunk(
        _GENERATION_CHUNK,
        text,
        {"id": chunk_id, "response_metadata": {"model_provider": PROVIDER}},
    )


def final_text_chunk(
    text: str,
    chunk_id: str | None,
    *,
    usage: UsageMetadata | None,
    metadata: dict[str, Any],
    generation_info: dict[str, Any],
) -> ChatGenerationChunk:
    """The last chunk of a text answer (no tool call, no reasoning), built without re-validation.

    Equal to the validated construction in :func:`chunk_from_stream`: ``chunk_position="last"``,
    ``usage_metadata=usage``, ``response_metadata=metadata``, wrapped in a generation chunk with
    ``generation_info``. Every stream ends with one; validating it cost several times a text
    chunk, mostly in validators that have nothing to do for it (no tool call chunks).
    """
    return _unvalidated_chunk(
        _FINAL_GENERATION_CHUNK,
        text,
        {"id": chunk_id, "response_metadata": metadata, "usage_metadata": usage},
        generation_info=generation_info,
    )


def _unvalidated_chunk(
    prototype: ChatGenerationChunk, text: str, fields: dict[str, Any], **generation: Any
) -> ChatGenerationChunk:
    """A copy of ``prototype`` carrying ``text``, the message ``fields`` and fresh containers."""
    message = _copy_with(
        prototype.message,
        {
            "content": text,
            "additional_kwargs": {},
            "tool_calls": [],
            "invalid_tool_calls": [],
            "tool_call_chunks": [],
            **fields,
        },
    )
    chunk: ChatGenerationChunk = _copy_with(
        prototype, {"message": message, "text": text, **generation}
    )
    return chunk


def chunk_from_stream(
    chunk: WireChunk, restore: CallRestorer, *, stream_usage: bool
) -> ChatGenerationChunk | None:
    """One SSE chunk → a generation chunk (None when it carries nothing)."""
    data, x_headers = chunk
    choices = data["choices"]
    if not choices:
        return None
    choice = choices[0]
    delta = choice["delta"]
    finish_reason = choice.get("finish_reason")
    function_call = delta.get("function_call")
    state_id = delta.get("functions_state_id")
    reasoning = delta.get("reasoning_content")
    if function_call is None and not state_id and not reasoning:
        text = delta.get("content") or ""
        if finish_reason is None:
            return text_chunk(text, message_id(x_headers))
        usage = data.get("usage")
        return final_text_chunk(
            text,
            message_id(x_headers),
            usage=usage_metadata(usage) if (usage and stream_usage) else None,
            metadata=response_metadata(
                model=data["model"], finish_reason=finish_reason, x_headers=x_headers
            ),
            generation_info={"finish_reason": normalise_finish_reason(finish_reason)},
        )
    additional, calls = message_fields(
        function_call=function_call, state_id=state_id, reasoning=reasoning, restore=restore
    )
    final = finish_reason is not None
    usage = data.get("usage")
    message = AIMessageChunk(
        content=delta.get("content") or "",
        additional_kwargs=additional,
        tool_call_chunks=[
            tool_call_chunk(
                name=call["name"],
                args=json.dumps(call["args"], ensure_ascii=False),
                id=call["id"],
                index=0,
            )
            for call in calls
        ],
        usage_metadata=usage_metadata(usage) if (final and usage and stream_usage) else None,
        response_metadata=(
            response_metadata(model=data["model"], finish_reason=finish_reason, x_headers=x_headers)
            if final
            else {"model_provider": PROVIDER}
        ),
        id=message_id(x_headers),
        chunk_position="last" if final else None,
    )
    info = {"finish_reason": normalise_finish_reason(finish_reason)} if final else None
    return ChatGenerationChunk(message=message, generation_info=info)
