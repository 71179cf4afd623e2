"""``POST /api/v2/chat/completions`` (and ``/v2/...``): a v2 body in, JSON or named events out.

The answer and its stream faults are shared with v1 (:mod:`..answer`), and so are auth, the
request log, id headers and ``{"status", "message"}`` errors; the body, the brain inputs and the
rendering are v2's (:mod:`.validation`, :mod:`.render`).
A built-in ``image_generate`` answer stores a small JPEG in the file store, so the returned
file id downloads through ``GET /api/v1/files/{id}/content`` (inferred from the v1 image flow).
"""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from langchain_gigachat_ext.emulator.api.answer import (
    answer,
    read_body,
    sse_response,
    stream_with_faults,
)
from langchain_gigachat_ext.emulator.api.v2.render import (
    CompletionV2,
    response_body,
    sse_named,
    stream_events,
    uuid7,
)
from langchain_gigachat_ext.emulator.api.v2.validation import ChatRequestV2, validate_chat_v2
from langchain_gigachat_ext.emulator.brain.core import Conversation, Reply
from langchain_gigachat_ext.emulator.server.bodies import off_loop
from langchain_gigachat_ext.emulator.server.exchange import Exchange, json_response
from langchain_gigachat_ext.emulator.server.protocol import chat_model_version
from langchain_gigachat_ext.emulator.server.state import EmulatorState

MALFORMED_EVENT: Final = b'event: response.message.delta\ndata: {"messages":[{"content":\n\n'
"""A v2 event whose JSON is cut short (fault ``malformed_chunk_at``)."""

GENERATED_IMAGE: Final = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZG"
    "NywtQFdBRkxOUlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09P"
    "T09PT09PT09PT09PT09PT09PT09PT09PT0//wAARCAAgACADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAA"
    "BwAF/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/EABYBAQEBAAAAAAAAAAAAAAAAAAACBP/EAB4RAQABAgcAAAAAAAAA"
    "AAAAABEEABITFCEiMUFh/9oADAMBAAIRAxEAPwDJSI6p8/KW7Vezg8rNGjYzqFHCI44IE/N3bQO3l8pJjYJqtRHH"
    "CJ8DN27genk9pGk4LotI44SIEDKXblOjh9pJk4xoFf/Z"
)
"""A 32x32 JPEG (a yellow square on blue) every ``image_generate`` answer stores."""

GENERATED_IMAGE_NAME: Final = "generated.jpg"
"""File name of stored generated images."""


def _answers_results(conversation: Conversation) -> bool:
    turns = conversation.turns
    return bool(turns) and turns[-1].role == "function"


def _completion(
    reply: Reply, chat: ChatRequestV2, state: EmulatorState, cached: int
) -> CompletionV2:
    conversation = chat.conversation
    image_id = None
    if reply.tool_use is not None and reply.tool_use.image:
        stored = state.files.add(GENERATED_IMAGE_NAME, "image/jpeg", GENERATED_IMAGE, "general")
        image_id = stored.id
    uses_tools = bool(reply.calls) or reply.tool_use is not None
    calls = reply.calls
    return CompletionV2(
        reply=reply,
        model_version=chat_model_version(conversation.model),
        created_at=int(time.time()),
        cached_tokens=min(cached, reply.prompt_tokens),
        # REC: calls, built-in answers and answers to function results carry a fresh state id.
        tool_state_id=uuid7() if uses_tools or _answers_results(conversation) else None,
        image_file_id=image_id,
        call_ids=tuple(uuid7() for _ in calls) if len(calls) > 1 else (),
        top_logprobs=chat.top_logprobs,
    )


async def chat_completions_v2(
    request: Request, exchange: Exchange, state: EmulatorState
) -> Response:
    """Answer one v2 chat request."""
    body = await read_body(request, exchange, state)
    chat = await off_loop(validate_chat_v2, body, state.files.lookup)
    conversation = chat.conversation
    result = await off_loop(answer, conversation, exchange, state, max_calls=None)
    reply, cut_after, cached = result.reply, result.cut_after, result.precached
    completion = _completion(reply, chat, state, cached)
    if not chat.stream:
        if state.faults.stall_seconds > 0:
            await asyncio.sleep(state.faults.stall_seconds)
        return json_response(response_body(completion), exchange)
    events = [sse_named(name, data) for name, data in stream_events(completion)]
    body_stream = stream_with_faults(
        events,
        malformed=MALFORMED_EVENT,
        terminator=None,
        exchange=exchange,
        state=state,
        cut_after=cut_after,
    )
    return sse_response(body_stream, exchange)
