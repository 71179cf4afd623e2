"""Streaming: SSE chunks → generation chunks, with stop sequences and structured output."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from gigachat.models.chat import ChatCompletionChunk
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_gigachat_ext._response import chunk_from_stream
from langchain_gigachat_ext._stop import StopSequenceFilter
from langchain_gigachat_ext.tools.binding import ToolPlan, restore_json_text


class StreamAssembler:
    """Turns SSE chunks into generation chunks: stop sequences, structured-output buffering.

    When the answer is structured-output JSON in the compiled dialect, the text is held until
    the end and restored to the caller's schema in one chunk (a partial JSON object in the
    wrong shape would be worse than none).
    """

    def __init__(self, stop: Sequence[str] | None, plan: ToolPlan, usage: bool) -> None:
        self._filter = StopSequenceFilter(stop)
        self._plan = plan
        self._usage = usage
        self._parts: list[str] = []
        self._held: list[str] = []

    @property
    def text(self) -> str:
        """Everything yielded to the caller so far."""
        return "".join(self._parts)

    def feed(self, raw: ChatCompletionChunk) -> Iterator[ChatGenerationChunk]:
        """Chunks to yield for one incoming SSE chunk."""
        chunk = chunk_from_stream(raw, self._plan.restore, stream_usage=self._usage)
        if chunk is None:
            return
        message = chunk.message
        final = getattr(message, "chunk_position", None) == "last"
        was_stopped = self._filter.stopped
        if isinstance(message.content, str):
            text = self._filter.feed(message.content)
            if final:
                text += self._filter.flush()
            if self._plan.response_schema is not None:
                self._held.append(text)
                text = ""
                if final and not getattr(message, "tool_call_chunks", None):
                    text = restore_json_text("".join(self._held), self._plan.response_schema)
            message.content = text
            self._parts.append(text)
        if self._filter.stopped and final:
            message.response_metadata["finish_reason"] = "stop"
        has_payload = bool(message.content) or bool(
            isinstance(message, AIMessageChunk) and message.tool_call_chunks
        )
        if was_stopped and not final:
            return  # drained after a stop sequence: only the final usage chunk is delivered
        if has_payload or final or message.additional_kwargs:
            yield chunk
