"""GigaChat v1 responses → ``AIMessage`` / ``AIMessageChunk`` (pure functions).

One result builder for invoke and stream: both go through :func:`message_fields`, so a
streamed answer aggregates to the same message an invoke returns. Inputs are the SDK's v1
response models (:mod:`~langchain_gigachat_ext.chat.v1.wire` explains that choice), carrying
the response's ``x-*`` headers in their ``x_headers`` field. Messages and chunks are built
with their public constructors.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import InputTokenDetails, UsageMetadata
from langchain_core.messages.tool import tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_gigachat_ext.client.sdk import ChatCompletion, ChatCompletionChunkV1, UsageV1
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


class FunctionCallLike(Protocol):
    """A function call of an answer (the SDK's v1 ``FunctionCall``)."""

    name: str
    arguments: dict[Any, Any] | None


CallRestorer = Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]
"""Maps (wire function name, wire arguments) → (LangChain tool name, arguments in its schema)."""


def usage_metadata(usage: UsageV1) -> UsageMetadata:
    """Wire usage → LangChain ``UsageMetadata`` (cache reads from ``precached_prompt_tokens``)."""
    metadata = UsageMetadata(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
    )
    precached = usage.precached_prompt_tokens
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
    function_call: FunctionCallLike | None,
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
        name, args = restore(function_call.name, dict(function_call.arguments or {}))
        calls.append({"name": name, "args": args, "id": tool_call_id(state_id)})
    return additional, calls


def chat_result(completion: ChatCompletion, restore: CallRestorer) -> ChatResult:
    """A non-streaming completion → ``ChatResult`` with one generation."""
    x_headers = completion.x_headers or {}
    if not completion.choices:
        raise GigaChatMalformedResponseError(
            "GigaChat returned no choices", request_id=x_headers.get("x-request-id")
        )
    choice = completion.choices[0]
    message = choice.message
    additional, calls = message_fields(
        function_call=message.function_call,
        state_id=message.functions_state_id,
        reasoning=message.reasoning_content,
        restore=restore,
    )
    finish_reason = choice.finish_reason
    ai = AIMessage(
        content=message.content,
        additional_kwargs=additional,
        tool_calls=[tool_call(**call) for call in calls],
        usage_metadata=usage_metadata(completion.usage),
        response_metadata=response_metadata(
            model=completion.model, finish_reason=finish_reason, x_headers=x_headers
        ),
        id=message_id(x_headers),
    )
    generation_info = {"finish_reason": normalise_finish_reason(finish_reason)}
    return ChatResult(
        generations=[ChatGeneration(message=ai, generation_info=generation_info)],
        llm_output={"model_name": completion.model, "token_usage": completion.usage.model_dump()},
    )


def chunk_from_stream(
    chunk: ChatCompletionChunkV1, restore: CallRestorer, *, stream_usage: bool
) -> ChatGenerationChunk | None:
    """One SSE chunk → a generation chunk (None when it carries no choice)."""
    if not chunk.choices:
        return None
    x_headers = chunk.x_headers or {}
    choice = chunk.choices[0]
    delta = choice.delta
    finish_reason = choice.finish_reason
    final = finish_reason is not None
    additional, calls = message_fields(
        function_call=delta.function_call,
        state_id=delta.functions_state_id,
        reasoning=delta.reasoning_content,
        restore=restore,
    )
    # Only the fields a chunk has are passed: most chunks are plain text.
    fields: dict[str, Any] = {"content": delta.content or "", "id": message_id(x_headers)}
    if additional:
        fields["additional_kwargs"] = additional
    if calls:
        fields["tool_call_chunks"] = [
            tool_call_chunk(
                name=call["name"],
                args=json.dumps(call["args"], ensure_ascii=False),
                id=call["id"],
                index=0,
            )
            for call in calls
        ]
    if final:
        fields["chunk_position"] = "last"
        fields["response_metadata"] = response_metadata(
            model=chunk.model, finish_reason=finish_reason, x_headers=x_headers
        )
        if stream_usage and chunk.usage is not None:
            fields["usage_metadata"] = usage_metadata(chunk.usage)
    else:
        fields["response_metadata"] = {"model_provider": PROVIDER}
    message = AIMessageChunk(**fields)
    info = {"finish_reason": normalise_finish_reason(finish_reason)} if final else None
    return ChatGenerationChunk(message=message, generation_info=info)
