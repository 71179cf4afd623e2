"""Fit attachments to the chat API's rules (pure functions).

* Function results are JSON text in v1 (PROTOCOL §6.2), so files a tool returns move into a user
  message right after the tool results (:func:`move_tool_attachments`).
* At most one image per message (DOC post-chat): a user message with several images is split
  into consecutive user messages; the text stays with the first image, each later image gets a
  short marker such as ``(image 2 of 3)`` (:func:`split_images`).
* At most ten images per request and < 80 MB of images + audio (DOC post-chat): checked before
  sending, with an error that says what to change (:func:`check_request_limits`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage

from langchain_gigachat_ext._catalog import (
    MAX_ATTACHMENT_BYTES_PER_REQUEST,
    MAX_IMAGES_PER_MESSAGE,
    MAX_IMAGES_PER_REQUEST,
)
from langchain_gigachat_ext.errors import GigaChatInvalidInputError

TOOL_ATTACHMENT_NOTE = "The tool returned {count} attachment(s); they follow in the next message."
"""Result text left in a ToolMessage whose files moved to the next user message."""

TOOL_ATTACHMENT_HEADER = "Attachments returned by tool {name}:"
"""Text of the user message that carries the files a tool returned."""

IMAGE_MARKER = "(image {index} of {total})"
"""Text of the extra user messages made when one message holds several images."""


@dataclass(frozen=True)
class AttachmentInfo:
    """What the layout rules need to know about one attached file id."""

    kind: str | None
    """``image``, ``audio``, ``document``, or None when unknown (a caller-given file id)."""
    size: int = 0
    """Bytes, 0 when unknown."""


def _is_text(block: Any) -> bool:
    return isinstance(block, str) or (isinstance(block, Mapping) and block.get("type") == "text")


def move_tool_attachments(messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """Move non-text blocks of ``ToolMessage``s into a user message after the tool results.

    The tool message keeps its text (or a note saying where the files went); one
    ``HumanMessage`` per run of consecutive tool messages carries the files, headed by the
    name of each tool that returned them.
    """
    out: list[BaseMessage] = []
    pending: list[Any] = []
    for message in messages:
        if not isinstance(message, ToolMessage):
            _flush(out, pending)
        elif not isinstance(message.content, str):
            files = [block for block in message.content if not _is_text(block)]
            if files:
                texts = [block for block in message.content if _is_text(block)]
                note = TOOL_ATTACHMENT_NOTE.format(count=len(files))
                content = [*texts, {"type": "text", "text": note}] if texts else note
                message = message.model_copy(update={"content": content})  # noqa: PLW2901
                header = TOOL_ATTACHMENT_HEADER.format(name=message.name or "tool")
                pending.extend([{"type": "text", "text": header}, *files])
        out.append(message)
    _flush(out, pending)
    return out


def _flush(out: list[BaseMessage], pending: list[Any]) -> None:
    if pending:
        out.append(HumanMessage(content=list(pending)))
        pending.clear()


def split_images(
    messages: list[dict[str, Any]], info: Mapping[str, AttachmentInfo]
) -> list[dict[str, Any]]:
    """Split user messages holding more images than the API allows per message."""
    out: list[dict[str, Any]] = []
    for message in messages:
        ids = message.get("attachments") or []
        images = [file_id for file_id in ids if _kind(info, file_id) == "image"]
        if len(images) <= MAX_IMAGES_PER_MESSAGE:
            out.append(message)
            continue
        others = [file_id for file_id in ids if _kind(info, file_id) != "image"]
        first = {**message, "attachments": [*images[:MAX_IMAGES_PER_MESSAGE], *others]}
        out.append(first)
        total = len(images)
        for index in range(MAX_IMAGES_PER_MESSAGE, total):
            marker = IMAGE_MARKER.format(index=index + 1, total=total)
            out.append({"role": message["role"], "content": marker, "attachments": [images[index]]})
    return out


def _kind(info: Mapping[str, AttachmentInfo], file_id: str) -> str | None:
    found = info.get(file_id)
    return found.kind if found else None


def check_request_limits(
    messages: Sequence[Mapping[str, Any]], info: Mapping[str, AttachmentInfo]
) -> None:
    """Refuse requests the API would reject for attachment count or size.

    Raises:
        GigaChatInvalidInputError: More than ``MAX_IMAGES_PER_REQUEST`` images, or images +
            audio of ``MAX_ATTACHMENT_BYTES_PER_REQUEST`` bytes or more.
    """
    images = 0
    heavy = 0
    for message in messages:
        for file_id in message.get("attachments") or []:
            kind = _kind(info, file_id)
            if kind == "image":
                images += 1
            if kind in {"image", "audio"}:
                heavy += info[file_id].size
    if images > MAX_IMAGES_PER_REQUEST:
        msg = (
            f"This request carries {images} images; GigaChat accepts at most "
            f"{MAX_IMAGES_PER_REQUEST} per request, counting the whole history. Send fewer "
            f"images, drop {images - MAX_IMAGES_PER_REQUEST} of them from earlier messages, or "
            "ask about them in separate requests."
        )
        raise GigaChatInvalidInputError(msg)
    if heavy >= MAX_ATTACHMENT_BYTES_PER_REQUEST:
        msg = (
            f"Images and audio in this request total {heavy:,} bytes; GigaChat accepts less "
            f"than {MAX_ATTACHMENT_BYTES_PER_REQUEST:,} bytes per request. Send fewer or "
            "smaller files (compress images, trim audio), or split the request."
        )
        raise GigaChatInvalidInputError(msg)


def arrange_attachments(
    messages: list[dict[str, Any]], info: Mapping[str, AttachmentInfo]
) -> list[dict[str, Any]]:
    """:func:`split_images`, then :func:`check_request_limits`; returns the messages to send."""
    arranged = split_images(messages, info)
    check_request_limits(arranged, info)
    return arranged
