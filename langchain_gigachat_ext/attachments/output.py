"""Images the model generated → standard LangChain content blocks (pure functions).

v1 image generation puts ``<img src="<file uuid>" fuse="true"/>`` markup into the answer text
(PROTOCOL §6.2 "Built-in image generation", DOC example; 3P gigachat-js ``detectImage``). Each
tag becomes ``{"type": "image", "file_id": ..., "mime_type": "image/jpeg"}`` in place; the bytes
come from ``llm.download_file(file_id)``. Only tags with ``fuse="true"`` are taken, so HTML the
model writes as an answer is left alone.

The text around the tags stays exactly as received (plain strings in the content list, the way
``AIMessageChunk`` concatenation builds it), so a streamed answer added up with ``+`` equals the
invoked one; ``message.content_blocks`` shows every part as a standard block. Streams use the
same splitting through :class:`~langchain_gigachat_ext.attachments.stream.GeneratedImageFilter`.
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

GENERATED_IMAGE_MIME = "image/jpeg"
"""Generated images are JPEG (PROTOCOL §6.6 Content)."""

IMG_TAG = re.compile(r"<img\b(?P<attrs>[^<>]*?)/?>", re.IGNORECASE)
"""One ``<img …>`` tag; it cannot contain ``<`` or ``>`` (the stream filter relies on this)."""

_ATTR = re.compile(r"""(?P<name>[a-zA-Z_:-]+)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')""")

ContentPart = str | dict[str, Any]
"""A piece of AI message content: text, or an ``image`` block."""


def _attributes(text: str) -> dict[str, str]:
    return {
        match["name"].lower(): match["dq"] if match["dq"] is not None else match["sq"]
        for match in _ATTR.finditer(text)
    }


def image_block(file_id: str) -> dict[str, Any]:
    """The standard block of one generated image."""
    return {"type": "image", "file_id": file_id, "mime_type": GENERATED_IMAGE_MIME}


def split_generated_images(text: str) -> list[ContentPart]:
    """``text`` as text pieces and image blocks, in order (empty pieces left out).

    Example:
        ```python
        split_generated_images('Here: <img src="f1" fuse="true"/> A cat.')
        # ['Here: ', {'type': 'image', 'file_id': 'f1', 'mime_type': 'image/jpeg'}, ' A cat.']
        ```
    """
    parts: list[ContentPart] = []
    position = 0
    for match in IMG_TAG.finditer(text):
        attrs = _attributes(match["attrs"])
        if attrs.get("fuse", "").lower() != "true" or not attrs.get("src"):
            continue
        if match.start() > position:
            parts.append(text[position : match.start()])
        parts.append(image_block(attrs["src"]))
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return parts


def generated_image_content(text: str) -> list[ContentPart] | None:
    """Message content for text with generated-image markup, or None when there is none."""
    parts = split_generated_images(text)
    return parts if any(isinstance(part, dict) for part in parts) else None


def generated_image_blocks(text: str) -> list[dict[str, Any]] | None:
    """Like :func:`generated_image_content`, with text pieces as standard ``text`` blocks.

    Example:
        ```python
        generated_image_blocks('<img src="f1" fuse="true"/> A cat.')
        # [{'type': 'image', 'file_id': 'f1', 'mime_type': 'image/jpeg'},
        #  {'type': 'text', 'text': ' A cat.'}]
        ```
    """
    content = generated_image_content(text)
    if content is None:
        return None
    return [{"type": "text", "text": part} if isinstance(part, str) else part for part in content]


def with_generated_images(message: BaseMessage) -> BaseMessage:
    """An AI message with generated-image markup in string content turned into a content list."""
    if not isinstance(message, AIMessage) or not isinstance(message.content, str):
        return message
    content = generated_image_content(message.content)
    if content is None:
        return message
    message.content = content
    return message


def render_generated_image(file_id: str) -> str:
    """The markup GigaChat uses for a generated image (to send such an answer back as text)."""
    return f'<img src="{file_id}" fuse="true"/>'
