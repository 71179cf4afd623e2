"""Generated-image markup in streamed answers → image blocks, chunk by chunk.

The ``<img src="…" fuse="true"/>`` tag (see :mod:`.output`) may be cut anywhere by the
SSE chunking, so :class:`GeneratedImageFilter` holds back a tail that could still become a tag
(at most ``MAX_HELD_CHARS``) and splits the rest with the very function ``invoke`` uses. No tag
can contain ``<`` or ``>``, so the only tail worth holding starts at the last ``<`` and has no
``>`` after it; every tag found in the released text is therefore the tag ``invoke`` would find.

:class:`GeneratedImageStream` applies the filter to generation chunks. Text goes out as string
content and images as a content list that starts with the image, because that is the shape
``AIMessageChunk.__add__`` concatenates into exactly what ``with_generated_images`` returns for
the whole answer (``str + list`` puts the string first; a later string joins the list's last
string). Text that precedes an image within one SSE chunk therefore leaves as its own chunk.
"""

from __future__ import annotations

import re

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_gigachat_ext.attachments.output import ContentPart, split_generated_images

MAX_HELD_CHARS = 1024
"""Longest tail held back as a possible tag; a longer one is released as text (real tags are
about 60 characters: a uuid and ``fuse="true"``)."""

_TAG_START = re.compile(r"<(?:i(?:m(?:g(?:\b[^<>]*)?)?)?)?", re.IGNORECASE)
"""A text that may still grow into ``<img …>``: a prefix of ``<img`` or an unclosed tag."""


def _hold_from(text: str, limit: int) -> int:
    """Where the tail that may still become a tag starts (``len(text)`` when there is none)."""
    start = text.rfind("<")
    if start < 0 or len(text) - start > limit or not _TAG_START.fullmatch(text, start):
        return len(text)
    return start


def _join_text(parts: list[ContentPart]) -> list[ContentPart]:
    joined: list[ContentPart] = []
    for part in parts:
        if isinstance(part, str) and joined and isinstance(joined[-1], str):
            joined[-1] += part
        else:
            joined.append(part)
    return joined


class GeneratedImageFilter:
    """Incremental :func:`~langchain_gigachat_ext.attachments.output.split_generated_images`.

    Example:
        ```python
        images = GeneratedImageFilter()
        images.feed('Here: <img src="f1" ')  # ['Here: ']
        images.feed('fuse="true"/> A cat.')  # [{'type': 'image', 'file_id': 'f1', ...}, ' A cat.']
        images.flush()  # []
        ```
    """

    def __init__(self, max_held: int = MAX_HELD_CHARS) -> None:
        """Create a filter that holds back at most ``max_held`` characters."""
        self._max_held = max_held
        self._pending = ""

    def feed(self, text: str) -> list[ContentPart]:
        """Add streamed text; return the text pieces and image blocks that are complete."""
        buffer = self._pending + text
        cut = _hold_from(buffer, self._max_held)
        self._pending = buffer[cut:]
        return split_generated_images(buffer[:cut])

    def flush(self) -> list[ContentPart]:
        """The held-back tail at the end of the stream (an unfinished tag is plain text)."""
        tail, self._pending = self._pending, ""
        return split_generated_images(tail)


class GeneratedImageStream:
    """Applies :class:`GeneratedImageFilter` to the generation chunks of one stream."""

    def __init__(self) -> None:
        """Create the stream state."""
        self._filter = GeneratedImageFilter()

    def apply(self, chunk: ChatGenerationChunk) -> list[ChatGenerationChunk]:
        """The chunks to yield instead of ``chunk`` (none while a possible tag is held back)."""
        message = chunk.message
        if not isinstance(message, AIMessageChunk) or not isinstance(message.content, str):
            return [chunk]  # content lists (v2) carry files as parts, not markup
        final = message.chunk_position == "last"
        parts = self._filter.feed(message.content)
        if final:
            parts += self._filter.flush()
        parts = _join_text(parts)
        out: list[ChatGenerationChunk] = []
        if parts and isinstance(parts[0], str) and len(parts) > 1:
            lead = AIMessageChunk(
                content=parts.pop(0),
                id=message.id,
                response_metadata={
                    key: value
                    for key, value in message.response_metadata.items()
                    if key == "model_provider"
                },
            )
            out.append(ChatGenerationChunk(message=lead))
        if parts and isinstance(parts[0], dict):
            message.content = parts
        else:
            message.content = "".join(part for part in parts if isinstance(part, str))
        carries_more = (
            final
            or bool(message.tool_call_chunks)
            or bool(message.additional_kwargs)
            or message.usage_metadata is not None
        )
        if message.content or carries_more:
            out.append(ChatGenerationChunk(message=message, generation_info=chunk.generation_info))
        return out
