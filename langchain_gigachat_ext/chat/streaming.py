"""Streaming: SSE chunks → generation chunks, with stop sequences and structured output."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_gigachat_ext.attachments.stream import GeneratedImageStream
from langchain_gigachat_ext.chat.stop import StopSequenceFilter
from langchain_gigachat_ext.chat.v1.response import chunk_from_stream
from langchain_gigachat_ext.errors import GigaChatStreamInterruptedError
from langchain_gigachat_ext.tools.binding import ToolPlan, restore_json_text

PARTIAL_TEXT_LIMIT = 8192
"""Characters of delivered text a stream keeps for ``GigaChatStreamInterruptedError``."""


class TextTail:
    """The last ``limit`` characters of a growing text, and how long the whole text was.

    Memory stays bounded (at most about ``2 * limit`` characters) however long a stream runs;
    the parts are joined only when that bound is passed or :attr:`text` is read.

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
        if self._size > 2 * self._limit:
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

    When the answer is structured-output JSON in the compiled dialect, the text is held until
    the end and restored to the caller's schema in one chunk (a partial JSON object in the
    wrong shape would be worse than none).
    """

    def __init__(  # noqa: D107 - the class docstring describes the arguments
        self,
        stop: Sequence[str] | None,
        plan: ToolPlan,
        usage: bool,
        convert: Callable[[Any], ChatGenerationChunk | None] | None = None,
    ) -> None:
        self._convert = convert  # None: a v1 chunk (the v2 dialect passes its converter)
        self._filter = StopSequenceFilter(stop)
        self._plan = plan
        self._usage = usage
        self._tail = TextTail()
        self._held: list[str] = []
        self._images = GeneratedImageStream()  # v1 <img> markup → image blocks
        self._markup = False  # whether a "<" was streamed: from then on text goes via _images

    @property
    def text(self) -> str:
        """The text yielded to the caller so far: its last ``PARTIAL_TEXT_LIMIT`` characters."""
        return self._tail.text

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
            chunk = chunk_from_stream(raw, self._plan.restore, stream_usage=self._usage)
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
            if self._plan.response_schema is not None:
                self._held.append(text)
                text = ""
                if final and not getattr(message, "tool_call_chunks", None):
                    text = restore_json_text("".join(self._held), self._plan.response_schema)
            if text is not content:
                message.content = text
            self._tail.append(text)
            self._markup = self._markup or "<" in text
        elif isinstance(content, list):  # v2 answers with blocks (citations, files, tool runs)
            items = self._filter.feed_items(content)
            if final and (tail := self._filter.flush()):
                items.append(tail)
            message.content = items
            for item in items:
                if isinstance(item, str):
                    self._tail.append(item)
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
            return self._images.apply(chunk)
        # No "<" streamed yet, so no image tag can be pending: apply() would return this very
        # chunk (see the markup-free equivalence test in tests/unit_tests/chat/test_streaming.py).
        return [chunk]
