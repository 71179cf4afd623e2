"""Streaming: SSE chunks → generation chunks, with stop sequences and structured output.

Function calls and the final chunk are held back until the attempt's answer is checked
(:mod:`~langchain_gigachat_ext.chat.attempts`): text before the first function call streams as
it comes, the rest is released merged in one chunk once the answer validates, so a rejected
attempt never reaches the caller or core's merged message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, message_chunk_to_message
from langchain_core.outputs import ChatGenerationChunk

from langchain_gigachat_ext.attachments.stream import GeneratedImageStream
from langchain_gigachat_ext.chat.stop import StopSequenceFilter
from langchain_gigachat_ext.chat.v1.response import CallRestorer, chunk_from_stream
from langchain_gigachat_ext.errors import GigaChatStreamInterruptedError
from langchain_gigachat_ext.tools.binding import ToolPlan, restore_json_text

PARTIAL_TEXT_LIMIT = 8192
"""Characters of delivered text a stream keeps for ``GigaChatStreamInterruptedError``."""

MAX_TAIL_PARTS = 256
"""Pieces a :class:`TextTail` keeps before joining them."""


class TextTail:
    """The last ``limit`` characters of a growing text, and how long the whole text was.

    Memory stays bounded (at most about ``2 * limit`` characters in at most
    :data:`MAX_TAIL_PARTS` pieces) however long a stream runs; the parts are joined when either
    bound is passed or :attr:`text` is read. (Streams deliver a few characters a chunk, and each
    piece costs an object of its own, so counting characters alone would let thousands of small
    objects pile up.)

    Example:
        ```python
        tail = TextTail(limit=4)
        tail.append("Hello, ")
        tail.append("world")
        (tail.text, tail.total)  # ('orld', 12)
        ```
    """

    def __init__(self, limit: int = PARTIAL_TEXT_LIMIT) -> None:
        """Keep at most ``limit`` characters (0 keeps none)."""
        self._limit = limit
        self._parts: list[str] = []
        self._size = 0
        self.total = 0
        """Characters appended so far."""

    def append(self, text: str) -> None:
        """Add text at the end."""
        if not text:
            return
        self._parts.append(text)
        self._size += len(text)
        self.total += len(text)
        if self._size > 2 * self._limit or len(self._parts) > MAX_TAIL_PARTS:
            self._compact()

    @property
    def text(self) -> str:
        """The last ``limit`` characters (all of them for a shorter text)."""
        self._compact()
        return self._parts[0] if self._parts else ""

    def _compact(self) -> None:
        joined = "".join(self._parts)
        if len(joined) > self._limit:
            joined = joined[len(joined) - self._limit :]
        self._parts = [joined] if joined else []
        self._size = len(joined)


class StreamAssembler:
    """Turns SSE chunks into generation chunks: stop sequences, structured-output buffering.

    When the answer is structured-output JSON, the text is held until the end (and restored
    from the compiled dialect to the caller's schema) in one chunk: a partial JSON object in the
    wrong shape, or one that is then rejected, would be worse than none. Function calls and the
    final chunk are held until :meth:`release`.
    """

    def __init__(  # noqa: D107 - the class docstring describes the arguments
        self,
        stop: Sequence[str] | None,
        plan: ToolPlan,
        usage: bool,
        convert: Callable[[Any], ChatGenerationChunk | None] | None = None,
        restore: CallRestorer | None = None,
        *,
        delivered: TextTail | None = None,
    ) -> None:
        self._convert = convert  # None: a v1 chunk (the v2 dialect passes its converter)
        self._restore = restore or plan.restore
        self._structured = plan.response_schema is not None or plan.response_validator is not None
        self._holding = False
        self._kept: list[ChatGenerationChunk] = []
        self._filter = StopSequenceFilter(stop)
        self._plan = plan
        self._usage = usage
        # One call's attempts share it: text of an earlier attempt reached the caller too.
        self._tail = delivered if delivered is not None else TextTail()
        self._held: list[str] = []
        self._images = GeneratedImageStream()  # v1 <img> markup → image blocks
        self._markup = False  # whether a "<" was streamed: from then on text goes via _images

    @property
    def text(self) -> str:
        """The text yielded to the caller so far: its last ``PARTIAL_TEXT_LIMIT`` characters."""
        return self._tail.text

    @property
    def delivered(self) -> TextTail:
        """The record of delivered text, to hand to the next attempt's assembler."""
        return self._tail

    @property
    def received_chars(self) -> int:
        """How many characters of text were yielded to the caller in total."""
        return self._tail.total

    def fill(self, error: GigaChatStreamInterruptedError) -> None:
        """Record what the caller received on an interrupted-stream error."""
        error.partial_text = self._tail.text
        error.received_chars = self._tail.total

    def feed(self, raw: Any) -> list[ChatGenerationChunk]:
        """Chunks to yield for one incoming SSE chunk (v1, or v2 with a converter)."""
        if self._convert is not None:
            chunk = self._convert(raw)
        else:
            chunk = chunk_from_stream(raw, self._restore, stream_usage=self._usage)
        if chunk is None:
            return []
        message = chunk.message
        final = getattr(message, "chunk_position", None) == "last"
        was_stopped = self._filter.stopped
        content = message.content
        if isinstance(content, str):
            text = self._filter.feed(content)
            if final:
                text += self._filter.flush()
            if self._structured:
                self._held.append(text)
                text = ""
                if final and not getattr(message, "tool_call_chunks", None):
                    text = "".join(self._held)
                    if self._plan.response_schema is not None:
                        text = restore_json_text(text, self._plan.response_schema)
            if text is not content:
                message.content = text
            self._markup = self._markup or "<" in text
        elif isinstance(content, list):  # v2 answers with blocks (citations, files, tool runs)
            items = self._filter.feed_items(content)
            if final and (tail := self._filter.flush()):
                items.append(tail)
            message.content = items
        if self._filter.stopped and final:
            message.response_metadata["finish_reason"] = "stop"
        has_payload = bool(message.content) or bool(
            isinstance(message, AIMessageChunk) and message.tool_call_chunks
        )
        if was_stopped and not final:
            return []  # drained after a stop sequence: only the final usage chunk is delivered
        if not (has_payload or final or message.additional_kwargs):
            return []
        if self._markup or not isinstance(content, str):
            return self._hold(self._images.apply(chunk))
        # No "<" streamed yet, so no image tag can be pending: apply() would return this very
        # chunk (see the markup-free equivalence test in tests/unit_tests/chat/test_streaming.py).
        return self._hold([chunk])

    def _hold(self, chunks: list[ChatGenerationChunk]) -> list[ChatGenerationChunk]:
        """Pass text through; keep function calls, the final chunk and all after them."""
        out: list[ChatGenerationChunk] = []
        for chunk in chunks:
            message = chunk.message
            calls = isinstance(message, AIMessageChunk) and bool(message.tool_call_chunks)
            last = getattr(message, "chunk_position", None) == "last"
            self._holding = self._holding or calls or last
            (self._kept if self._holding else out).append(chunk)
        return self._delivered(out)

    def _delivered(self, chunks: list[ChatGenerationChunk]) -> list[ChatGenerationChunk]:
        """Record the text of chunks on their way to the caller, and pass them on.

        Only here: text the stop or image-markup filter still holds back, or that waits in
        :attr:`_kept`, has not reached the caller and must not appear in ``partial_text``.
        """
        for chunk in chunks:
            self._tail.append(chunk.message.text)
        return chunks

    def _merged(self) -> ChatGenerationChunk | None:
        merged: ChatGenerationChunk | None = None
        for chunk in self._kept:
            merged = chunk if merged is None else merged + chunk
        return merged

    def answer(self) -> AIMessage:
        """The held part of the answer as a message, for checking.

        Text streamed before the first function call is not in it: only calls and structured
        text (held whole) are checked.
        """
        merged = self._merged()
        if merged is None:
            return AIMessage(content="")
        message = message_chunk_to_message(merged.message)
        return message if isinstance(message, AIMessage) else AIMessage(content=message.content)

    def release(
        self, finish: Callable[[AIMessageChunk], AIMessageChunk]
    ) -> list[ChatGenerationChunk]:
        """The held chunks, merged into one and finished by the attempt planner."""
        merged = self._merged()
        self._kept = []
        if merged is None or not isinstance(merged.message, AIMessageChunk):
            return [] if merged is None else self._delivered([merged])
        message = finish(merged.message)
        released = ChatGenerationChunk(message=message, generation_info=merged.generation_info)
        return self._delivered([released])
