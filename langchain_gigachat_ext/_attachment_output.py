"""Images the model generated → standard LangChain content blocks (pure functions).

v1 image generation puts ``<img src="<file uuid>" fuse="true"/>`` markup into the answer text
(PROTOCOL §6.2 "Built-in image generation", DOC example; 3P gigachat-js ``detectImage``). Each
tag becomes ``{"type": "image", "file_id": ..., "mime_type": "image/jpeg"}`` in place, the
surrounding text stays as text blocks; the bytes come from ``llm.download_file(file_id)``.
Only tags with ``fuse="true"`` are taken, so HTML the model writes as an answer is left alone.
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

GENERATED_IMAGE_MIME = "image/jpeg"
"""Generated images are JPEG (PROTOCOL §6.6 Content)."""

_IMG_TAG = re.compile(r"<img\b(?P<attrs>[^<>]*?)/?>", re.IGNORECASE)
_ATTR = re.compile(r"""(?P<name>[a-zA-Z_:-]+)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')""")


def _attributes(text: str) -> dict[str, str]:
    return {
        match["name"].lower(): match["dq"] if match["dq"] is not None else match["sq"]
        for match in _ATTR.finditer(text)
    }


def generated_image_blocks(text: str) -> list[dict[str, Any]] | None:
    """Content blocks for text with generated-image markup, or None when there is none.

    Example:
        ```python
        generated_image_blocks('<img src="f1" fuse="true"/> A cat.')
        # [{'type': 'image', 'file_id': 'f1', 'mime_type': 'image/jpeg'},
        #  {'type': 'text', 'text': 'A cat.'}]
        ```
    """
    blocks: list[dict[str, Any]] = []
    position = 0
    found = False
    for match in _IMG_TAG.finditer(text):
        attrs = _attributes(match["attrs"])
        if attrs.get("fuse", "").lower() != "true" or not attrs.get("src"):
            continue
        found = True
        before = text[position : match.start()].strip()
        if before:
            blocks.append({"type": "text", "text": before})
        blocks.append({"type": "image", "file_id": attrs["src"], "mime_type": GENERATED_IMAGE_MIME})
        position = match.end()
    if not found:
        return None
    rest = text[position:].strip()
    if rest:
        blocks.append({"type": "text", "text": rest})
    return blocks


def with_generated_images(message: BaseMessage) -> BaseMessage:
    """An AI message with generated-image markup in string content turned into blocks."""
    if not isinstance(message, AIMessage) or not isinstance(message.content, str):
        return message
    blocks = generated_image_blocks(message.content)
    if blocks is None:
        return message
    message.content = blocks  # type: ignore[assignment]
    return message


def render_generated_image(file_id: str) -> str:
    """The markup GigaChat uses for a generated image (to send such an answer back as text)."""
    return f'<img src="{file_id}" fuse="true"/>'
