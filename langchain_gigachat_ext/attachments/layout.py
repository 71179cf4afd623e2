"""Fit attachments to the chat API's rules (pure functions).

* The same file id twice in one message (a repeated block, identical bytes uploaded once) is
  sent once, first position kept (:func:`dedupe_attachments`).
* Function results are JSON text in v1 (PROTOCOL §6.2), so files a tool returns move into a user
  message right after the tool results (:func:`move_tool_attachments`).
* At most one image per message (DOC post-chat), and only the first text document of a message
  is read (DOC post-chat "only the first id is used"; per message is our reading, inferred): a
  user message with several images or documents is split into consecutive user messages; the
  text stays with the first of each, every later one gets a short marker such as
  ``(image 2 of 3)`` or ``(document 2 of 2)`` (:func:`split_attachments`).
* At most ten images per request and < 80 MB of images + audio (DOC post-chat): checked before
  sending, with an error that says what to change (:func:`check_request_limits`).
"""

from __future__ import annotations

from collections import Counter
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

DOCUMENT_MARKER = "(document {index} of {total})"
"""Text of the extra user messages made when one message holds several documents."""

MAX_DOCUMENTS_PER_MESSAGE = 1
"""Text documents the API reads per message (DOC post-chat: the first id; scope inferred)."""

_PER_MESSAGE: dict[str | None, tuple[int, str]] = {
    "image": (MAX_IMAGES_PER_MESSAGE, IMAGE_MARKER),
    "document": (MAX_DOCUMENTS_PER_MESSAGE, DOCUMENT_MARKER),
}
"""Kinds limited per message: (limit, marker of the messages made for the rest)."""


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


def dedupe_attachments(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop repeated file ids within each message, keeping the first occurrence's position."""
    out: list[dict[str, Any]] = []
    for message in messages:
        ids = message.get("attachments")
        if ids and len(set(ids)) < len(ids):
            message = {**message, "attachments": list(dict.fromkeys(ids))}  # noqa: PLW2901
        out.append(message)
    return out


def split_attachments(
    messages: list[dict[str, Any]], info: Mapping[str, AttachmentInfo]
) -> list[dict[str, Any]]:
    """Split user messages holding more images or documents than the API reads per message.

    The message keeps its text, its first image and first document and every other file; each
    further image or document follows in a message of its own, in the original order.
    """
    out: list[dict[str, Any]] = []
    for message in messages:
        ids = message.get("attachments") or []
        totals = Counter(_kind(info, file_id) for file_id in ids)
        seen: Counter[str | None] = Counter()
        kept: list[str] = []
        extra: list[dict[str, Any]] = []
        for file_id in ids:
            kind = _kind(info, file_id)
            seen[kind] += 1
            limit, marker = _PER_MESSAGE.get(kind, (len(ids), ""))
            if seen[kind] <= limit:
                kept.append(file_id)
                continue
            text = marker.format(index=seen[kind], total=totals[kind])
            extra.append({"role": message["role"], "content": text, "attachments": [file_id]})
        out.append({**message, "attachments": kept} if extra else message)
        out.extend(extra)
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
    """:func:`dedupe_attachments`, :func:`split_attachments`, then :func:`check_request_limits`.

    Returns:
        The messages to send.
    """
    arranged = split_attachments(dedupe_attachments(messages), info)
    check_request_limits(arranged, info)
    return arranged
