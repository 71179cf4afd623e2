"""The two chat API contracts as interchangeable parts: wire operations and result builders.

:func:`~langchain_gigachat_ext.chat.request.build_request` picks the dialect with the body it
builds; the chat model then calls, streams and reads the answer through it without branching on
the API version. The v2 modules are imported on first use only, keeping v1's import time unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from langchain_core.outputs import ChatGenerationChunk, ChatResult

from langchain_gigachat_ext.chat.v1.response import CallRestorer, chat_result
from langchain_gigachat_ext.chat.v1.wire import achat_op, astream_op, chat_op, stream_op

Operation = Callable[..., Any]
"""``(payload, headers)`` → an operation for :mod:`~langchain_gigachat_ext.client.transport`."""


@dataclass(frozen=True)
class Dialect:
    """How one API version is called and read."""

    chat_op: Operation
    """Sync one-shot call."""
    achat_op: Operation
    """Async one-shot call."""
    stream_op: Operation
    """Sync stream."""
    astream_op: Operation
    """Async stream."""
    chat_result: Callable[[Any, CallRestorer], ChatResult]
    """Parsed answer → ``ChatResult``."""
    chunk_converter: (
        Callable[[CallRestorer, bool], Callable[[Any], ChatGenerationChunk | None]] | None
    )
    """Builds a stream-event converter; None: the stream assembler's own (v1) conversion."""


V1 = Dialect(chat_op, achat_op, stream_op, astream_op, chat_result, None)
"""``/api/v1/chat/completions`` (PROTOCOL §6.2-6.3)."""


@cache
def v2() -> Dialect:
    """``/api/v2/chat/completions`` (PROTOCOL §7)."""
    from langchain_gigachat_ext.chat.v2.response import V2ChunkConverter, v2_chat_result
    from langchain_gigachat_ext.chat.v2.wire import (
        achat_op_v2,
        astream_op_v2,
        chat_op_v2,
        stream_op_v2,
    )

    def converter(
        restore: CallRestorer, usage: bool
    ) -> Callable[[Any], ChatGenerationChunk | None]:
        return V2ChunkConverter(restore, stream_usage=usage)

    return Dialect(chat_op_v2, achat_op_v2, stream_op_v2, astream_op_v2, v2_chat_result, converter)
