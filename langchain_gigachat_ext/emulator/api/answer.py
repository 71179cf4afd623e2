"""One chat answer, whichever API version asked: script or brain, billing, delivery under faults.

Both chat routes validate their own body into a :class:`Conversation`, then share this: the
scripted reply or the brain's (:func:`answer`, which also bills the tokens and counts the
session's cache hits) and, for streams, the SSE response that applies the stream faults
(:func:`stream_with_faults`). Only the body shapes differ, in :mod:`.v1` and :mod:`.v2`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import StreamingResponse

from langchain_gigachat_ext.emulator.api.rules import read_json
from langchain_gigachat_ext.emulator.brain.core import Conversation, Reply
from langchain_gigachat_ext.emulator.script import ScriptedError, ScriptedReply
from langchain_gigachat_ext.emulator.server.errors import ApiError
from langchain_gigachat_ext.emulator.server.exchange import Exchange
from langchain_gigachat_ext.emulator.server.protocol import EVENT_STREAM
from langchain_gigachat_ext.emulator.server.state import EmulatorState

WORDS_PER_CHUNK: Final = 4
"""Chunk size when splitting text ourselves (REC chunks carry several words)."""

_WORD = re.compile(r"\s*\S+\s*")


class StreamCut(Exception):  # noqa: N818 - it is a deliberate event, not an error
    """Raised inside a stream to drop the connection without the terminating chunk."""


def split_text(text: str, words: int = WORDS_PER_CHUNK) -> tuple[str, ...]:
    """Split ``text`` into deltas of a few words each; joined they equal ``text``."""
    tokens = _WORD.findall(text)
    if "".join(tokens) != text:  # only whitespace, or odd input: keep it whole
        return (text,) if text else ()
    return tuple("".join(tokens[i : i + words]) for i in range(0, len(tokens), words))


def _prompt_tokens(conversation: Conversation, state: EmulatorState) -> int:
    count = state.brain.count_tokens
    return sum(count(turn.content) for turn in conversation.turns)


def scripted_reply(entry: ScriptedReply, conversation: Conversation, state: EmulatorState) -> Reply:
    """The :class:`Reply` a scripted answer stands for (usage counted by the brain's tokenizer)."""
    count = state.brain.count_tokens
    completion_text = entry.content + (entry.reasoning_content or "")
    calls = entry.function_calls or ((entry.function_call,) if entry.function_call else ())
    for call in calls:
        completion_text += str(call)
    return Reply(
        content=entry.content,
        function_call=calls[0] if calls else None,
        function_calls=calls,
        reasoning_content=entry.reasoning_content,
        finish_reason=entry.finish_reason,
        prompt_tokens=_prompt_tokens(conversation, state),
        completion_tokens=count(completion_text),
        chunks=split_text(entry.content),
    )


async def read_body(request: Request, exchange: Exchange, state: EmulatorState) -> Any:
    """The request's JSON body, recorded on the exchange (with whether it asks for a stream).

    Raises:
        ApiError: 413 past the body cap, 400 for a body that is not JSON.
    """
    body = await read_json(request, state.limits.body_bytes)
    exchange.body = body
    exchange.stream = isinstance(body, dict) and body.get("stream") is True
    return body


@dataclass(frozen=True)
class Answer:
    """The reply to one chat request and what its delivery needs, for either API version."""

    reply: Reply
    """What the model says."""
    cut_after: int | None
    """Drop a stream after this many events (script or faults)."""
    precached: int
    """Prompt tokens served from the session's cache."""


def answer(
    conversation: Conversation, exchange: Exchange, state: EmulatorState, *, max_calls: int | None
) -> Answer:
    """The scripted or brain reply to a validated conversation, with billing and cache hits.

    Args:
        conversation: The validated request.
        exchange: The request record (session id).
        state: Emulator state.
        max_calls: Function calls one answer may carry (v1: 1; v2: None, any number).

    Raises:
        ApiError: A scripted error, or a scripted reply the API version cannot carry.
    """
    entry = state.script.pop()
    cut_after = state.faults.cut_stream_after
    if isinstance(entry, ScriptedError):
        raise ApiError(entry.status, entry.message, entry.headers)
    if isinstance(entry, ScriptedReply):
        if max_calls is not None and len(entry.function_calls) > max_calls:
            # A test-setup mistake: say so instead of silently sending the first call only.
            message = "scripted reply has several function calls; the v1 API carries one"
            raise ApiError(500, message)
        reply = scripted_reply(entry, conversation, state)
        cut_after = entry.cut_after if entry.cut_after is not None else cut_after
    else:
        reply = state.brain.reply(conversation)
    precached = state.sessions.precached_tokens(
        exchange.client_session_id, conversation.turns, state.brain.count_tokens
    )
    state.charge(conversation.model, reply.prompt_tokens + reply.completion_tokens)
    return Answer(reply, cut_after, precached)


def sse_response(body: AsyncIterator[bytes], exchange: Exchange) -> StreamingResponse:
    """A streaming answer with the id headers; the request is logged when the stream ends."""
    exchange.log_deferred = True
    # Content-Type set by hand: Starlette would append "; charset=utf-8" to text/* (REC has none).
    headers = {**exchange.id_headers, "Content-Type": EVENT_STREAM}
    return StreamingResponse(body, headers=headers)


async def stream_with_faults(
    events: list[bytes],
    *,
    malformed: bytes,
    terminator: bytes | None,
    exchange: Exchange,
    state: EmulatorState,
    cut_after: int | None,
) -> AsyncIterator[bytes]:
    """Send ready SSE events, applying the stream faults (delays, a malformed event, a cut).

    Args:
        events: Encoded events, in order.
        malformed: What replaces the event at ``faults.malformed_chunk_at``.
        terminator: Sent after the last event (v1 ``[DONE]``; None for v2).
        exchange: The request record (counts sent events; logged at the end).
        state: Emulator state (faults, log).
        cut_after: Drop the connection after this many events, without the terminator.
    """
    faults = state.faults
    try:
        for index, event in enumerate(events):
            if cut_after is not None and index >= cut_after:
                raise StreamCut
            if index and faults.chunk_delay > 0:
                await asyncio.sleep(faults.chunk_delay)
            yield malformed if faults.malformed_chunk_at == index else event
            exchange.chunks_sent += 1
            if index == 0 and faults.stall_seconds > 0:
                await asyncio.sleep(faults.stall_seconds)
        if cut_after is not None:
            raise StreamCut
        if terminator is not None:
            yield terminator
    finally:
        state.log.add(exchange.log_entry())
