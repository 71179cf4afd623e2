"""``POST /api/v1/chat/completions``: a v1 body in, one JSON completion or ``data:`` chunks out."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from langchain_gigachat_ext.emulator.api.answer import (
    answer,
    read_body,
    sse_response,
    stream_with_faults,
)
from langchain_gigachat_ext.emulator.api.v1.render import Completion, completion_body, stream_chunks
from langchain_gigachat_ext.emulator.api.v1.validation import validate_chat
from langchain_gigachat_ext.emulator.server.bodies import off_loop
from langchain_gigachat_ext.emulator.server.exchange import Exchange, json_response
from langchain_gigachat_ext.emulator.server.protocol import SSE_DONE, chat_model_version, sse_event
from langchain_gigachat_ext.emulator.server.state import EmulatorState

MALFORMED_CHUNK: Final = b'data: {"choices":[{"delta":{"content":\n\n'
"""An SSE data line whose JSON is cut short (fault ``malformed_chunk_at``)."""


async def chat_completions(request: Request, exchange: Exchange, state: EmulatorState) -> Response:
    """Answer one v1 chat request."""
    body = await read_body(request, exchange, state)
    chat = await off_loop(validate_chat, body, state.files.lookup)
    conversation = chat.conversation
    result = await off_loop(answer, conversation, exchange, state, max_calls=1)
    reply, cut_after, precached = result.reply, result.cut_after, result.precached
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
    events = [sse_event(chunk) for chunk in stream_chunks(completion)]
    return sse_response(
        stream_with_faults(
            events,
            malformed=MALFORMED_CHUNK,
            terminator=SSE_DONE,
            exchange=exchange,
            state=state,
            cut_after=cut_after,
        ),
        exchange,
    )
