"""``POST /chat/completions`` (v1): validation, script or brain, JSON or SSE answer."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Final

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from langchain_gigachat_ext.emulator.brain import Conversation, Reply
from langchain_gigachat_ext.emulator.errors import ApiError
from langchain_gigachat_ext.emulator.exchange import Exchange, json_response
from langchain_gigachat_ext.emulator.protocol import (
    EVENT_STREAM,
    SSE_DONE,
    chat_model_version,
    sse_event,
)
from langchain_gigachat_ext.emulator.render import (
    Completion,
    completion_body,
    split_text,
    stream_chunks,
)
from langchain_gigachat_ext.emulator.script import ScriptedError, ScriptedReply
from langchain_gigachat_ext.emulator.state import EmulatorState
from langchain_gigachat_ext.emulator.validation import parse_json, validate_chat

MALFORMED_CHUNK: Final = b'data: {"choices":[{"delta":{"content":\n\n'
"""An SSE data line whose JSON is cut short (fault ``malformed_chunk_at``)."""


class StreamCut(Exception):  # noqa: N818 - it is a deliberate event, not an error
    """Raised inside a stream to drop the connection without the terminating chunk."""


def _prompt_tokens(conversation: Conversation, state: EmulatorState) -> int:
    count = state.brain.count_tokens
    return sum(count(turn.content) for turn in conversation.turns)


def _scripted_reply(
    entry: ScriptedReply, conversation: Conversation, state: EmulatorState
) -> Reply:
    count = state.brain.count_tokens
    completion_text = entry.content + (entry.reasoning_content or "")
    if entry.function_call is not None:
        completion_text += str(entry.function_call)
    return Reply(
        content=entry.content,
        function_call=entry.function_call,
        reasoning_content=entry.reasoning_content,
        finish_reason=entry.finish_reason,
        prompt_tokens=_prompt_tokens(conversation, state),
        completion_tokens=count(completion_text),
        chunks=split_text(entry.content),
    )


async def chat_completions(request: Request, exchange: Exchange, state: EmulatorState) -> Response:
    """Answer one v1 chat request."""
    body = parse_json(await request.body())
    exchange.body = body
    exchange.stream = isinstance(body, dict) and body.get("stream") is True
    chat = validate_chat(body, state.files.lookup)
    conversation = chat.conversation
    entry = state.script.pop()
    cut_after = state.faults.cut_stream_after
    if isinstance(entry, ScriptedError):
        raise ApiError(entry.status, entry.message, entry.headers)
    if isinstance(entry, ScriptedReply):
        reply = _scripted_reply(entry, conversation, state)
        cut_after = entry.cut_after if entry.cut_after is not None else cut_after
    else:
        reply = state.brain.reply(conversation)
    precached = state.sessions.precached_tokens(
        exchange.client_session_id, conversation.turns, state.brain.count_tokens
    )
    state.charge(conversation.model, reply.prompt_tokens + reply.completion_tokens)
    completion = Completion(
        reply=reply,
        model_version=chat_model_version(conversation.model),
        created=int(time.time()),
        precached_tokens=min(precached, reply.prompt_tokens),
        functions_state_id=str(uuid.uuid4()) if reply.function_call is not None else None,
    )
    if not chat.stream:
        if state.faults.stall_seconds > 0:
            await asyncio.sleep(state.faults.stall_seconds)
        return json_response(completion_body(completion), exchange)
    exchange.log_deferred = True
    # Content-Type set by hand: Starlette would append "; charset=utf-8" to text/* (REC has none).
    headers = {**exchange.id_headers, "Content-Type": EVENT_STREAM}
    return StreamingResponse(_sse(completion, exchange, state, cut_after), headers=headers)


async def _sse(
    completion: Completion, exchange: Exchange, state: EmulatorState, cut_after: int | None
) -> AsyncIterator[bytes]:
    faults = state.faults
    try:
        for index, chunk in enumerate(stream_chunks(completion)):
            if cut_after is not None and index >= cut_after:
                raise StreamCut
            if index and faults.chunk_delay > 0:
                await asyncio.sleep(faults.chunk_delay)
            yield MALFORMED_CHUNK if faults.malformed_chunk_at == index else sse_event(chunk)
            exchange.chunks_sent += 1
            if index == 0 and faults.stall_seconds > 0:
                await asyncio.sleep(faults.stall_seconds)
        if cut_after is not None:
            raise StreamCut
        yield SSE_DONE
    finally:
        state.log.add(exchange.log_entry())
