"""LangChain multimodal content blocks → normalised :class:`AttachmentSource` (pure functions).

Every form LangChain users send is accepted here, so the rest of the attachment code sees one
shape:

* OpenAI chat completions: ``{"type": "image_url", "image_url": {"url": ...}}`` (or the URL as a
  plain string), ``{"type": "file", "file": {"file_data": "data:...", "filename": ...}}`` or
  ``{"type": "file", "file": {"file_id": ...}}``, ``{"type": "input_audio", "input_audio":
  {"data": ..., "format": "wav"}}``.
* LangChain v1 standard blocks ``image`` / ``file`` / ``audio`` with ``base64`` + ``mime_type``,
  ``url`` or ``file_id``; ``text-plain`` documents (their ``text`` sent inline; given as
  ``base64``/``url``/``file_id`` instead, they are uploaded as ``text/plain`` documents).
* LangChain v0 blocks with ``source_type`` (``base64`` / ``url`` / ``id`` / ``text``).
* Anthropic-style ``source`` dicts (``base64`` / ``url`` / ``file``).
* Local files: a ``file://`` URL or a ``path`` key (only when the model allows local paths).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlparse

from langchain_core.messages import BaseMessage, ChatMessage, HumanMessage, ToolMessage

from langchain_gigachat_ext.errors import GigaChatInvalidInputError

Origin = Literal["data", "url", "path", "file_id", "text"]

ATTACHMENT_BLOCK_TYPES = frozenset(
    {"image", "image_url", "file", "audio", "input_audio", "document", "text-plain"}
)
"""Block types turned into attachments (or inline text for plain-text documents)."""

_AUDIO_FORMAT_MIME = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "m4a": "audio/x-m4a",
    "mp4": "audio/mp4",
    "ogg": "audio/ogg",
    "opus": "audio/opus",
    "webm": "audio/webm",
    "weba": "audio/webm",
}
"""OpenAI ``input_audio.format`` values → MIME types."""


@dataclass(frozen=True)
class AttachmentSource:
    """Where the bytes of one content block come from."""

    origin: Origin
    """``data`` (inline bytes), ``url`` (http/https to download), ``path`` (local file),
    ``file_id`` (already uploaded) or ``text`` (a plain-text document sent inline)."""
    block_type: str
    """The content block's ``type`` (``image``, ``file``, ``audio``, ...)."""
    data: bytes = field(default=b"", repr=False)
    """Inline bytes (``data`` origin)."""
    location: str = ""
    """URL, path, file id or inline text, by origin."""
    mime_type: str | None = None
    """Declared MIME type, if the block gave one."""
    filename: str | None = None
    """Declared file name, if the block gave one."""

    @property
    def key(self) -> tuple[str, str]:
        """Identity used to look a resolved source up again (content hash for inline bytes)."""
        if self.origin == "data":
            return ("data", f"{hashlib.sha256(self.data).hexdigest()}|{self.mime_type or ''}")
        return (self.origin, self.location)

    @property
    def wants_image(self) -> bool:
        """Whether the block declared itself an image."""
        return self.block_type in {"image", "image_url"}


def _invalid(message: str) -> GigaChatInvalidInputError:
    return GigaChatInvalidInputError(message)


def decode_base64(data: str, *, what: str) -> bytes:
    """Strict base64 decoding (whitespace tolerated) with a clear error."""
    try:
        return base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        msg = f"The {what} is not valid base64: {error}."
        raise _invalid(msg) from error


def parse_data_url(url: str) -> tuple[bytes, str | None]:
    """``data:<mime>;base64,<payload>`` → (bytes, mime)."""
    header, sep, payload = url.partition(",")
    if not sep:
        msg = "A data URL must look like 'data:<mime>;base64,<data>'."
        raise _invalid(msg)
    meta = header[len("data:") :].split(";")
    mime = meta[0].strip().lower() or None
    if "base64" in (part.strip().lower() for part in meta[1:]):
        return decode_base64(payload, what="data URL payload"), mime
    return unquote(payload).encode(), mime


def _from_url(url: str, block_type: str, mime: str | None, name: str | None) -> AttachmentSource:
    url = url.strip()
    try:
        parsed = urlparse(url)
    except ValueError as error:  # e.g. an unclosed IPv6 bracket
        msg = f"A {block_type!r} block has a URL that cannot be parsed ({error})."
        raise _invalid(msg) from None
    scheme = parsed.scheme.lower()
    if scheme == "data":
        data, data_mime = parse_data_url(url)
        return AttachmentSource("data", block_type, data, "", mime or data_mime, name)
    if scheme in {"http", "https"}:
        return AttachmentSource("url", block_type, b"", url, mime, name)
    if scheme == "file":
        path = unquote(parsed.path)
        return AttachmentSource("path", block_type, b"", path, mime, name)
    msg = (
        f"Unsupported URL scheme {scheme or '(none)'!r} in a {block_type!r} block: use an "
        "http(s) URL, a data URL, a file id, or base64 data with a mime_type."
    )
    raise _invalid(msg)


def _filename(block: Mapping[str, Any]) -> str | None:
    for holder in (block, block.get("extras") or {}, block.get("metadata") or {}):
        for key in ("filename", "name", "title"):
            value = holder.get(key) if isinstance(holder, Mapping) else None
            if isinstance(value, str) and value:
                return value
    return None


def _mime(block: Mapping[str, Any]) -> str | None:
    value = block.get("mime_type") or block.get("media_type")
    return str(value).strip().lower() if value else None


def _openai_file(block: Mapping[str, Any]) -> AttachmentSource:
    payload = block["file"]
    if not isinstance(payload, Mapping):
        msg = "An OpenAI-style 'file' block needs a 'file' object with file_data or file_id."
        raise _invalid(msg)
    name = payload.get("filename")
    if payload.get("file_id"):
        return AttachmentSource("file_id", "file", location=str(payload["file_id"]), filename=name)
    file_data = payload.get("file_data")
    if isinstance(file_data, str) and file_data.startswith("data:"):
        data, mime = parse_data_url(file_data)
        return AttachmentSource("data", "file", data, "", mime, name)
    if isinstance(file_data, str):
        data = decode_base64(file_data, what="file_data")
        return AttachmentSource("data", "file", data, "", _mime(payload), name)
    msg = "An OpenAI-style 'file' block needs 'file.file_data' (data URL) or 'file.file_id'."
    raise _invalid(msg)


def _anthropic_source(block: Mapping[str, Any], block_type: str) -> AttachmentSource:
    source = block["source"]
    kind = source.get("type")
    mime = _mime(source)
    name = _filename(block)
    if kind == "base64":
        data = decode_base64(str(source.get("data", "")), what=f"{block_type} data")
        return AttachmentSource("data", block_type, data, "", mime, name)
    if kind == "url":
        return _from_url(str(source.get("url", "")), block_type, mime, name)
    if kind == "file":
        return AttachmentSource("file_id", block_type, location=str(source.get("file_id", "")))
    if kind == "text":
        return AttachmentSource("text", block_type, location=str(source.get("data", "")))
    msg = f"Unsupported 'source' type {kind!r} in a {block_type!r} block."
    raise _invalid(msg)


def source_from_block(block: Mapping[str, Any]) -> AttachmentSource:
    """Normalise one non-text content block.

    Raises:
        GigaChatInvalidInputError: The block is of an unsupported type or malformed.
    """
    block_type = str(block.get("type"))
    if block_type == "image_url":
        image_url = block.get("image_url")
        url = image_url.get("url") if isinstance(image_url, Mapping) else image_url
        if not isinstance(url, str) or not url:
            msg = "An 'image_url' block needs image_url.url (or image_url as a string)."
            raise _invalid(msg)
        return _from_url(url, block_type, None, None)
    if block_type == "input_audio":
        audio = block.get("input_audio") or {}
        fmt = str(audio.get("format", "")).lower()
        mime = _AUDIO_FORMAT_MIME.get(fmt, f"audio/{fmt}" if fmt else None)
        data = decode_base64(str(audio.get("data", "")), what="input_audio data")
        return AttachmentSource("data", "audio", data, "", mime, None)
    if block_type not in ATTACHMENT_BLOCK_TYPES:
        msg = (
            f"Content block of type {block_type!r} cannot be sent to GigaChat. Supported: "
            "text, image, image_url, file, audio, input_audio, text-plain."
        )
        raise _invalid(msg)
    if block_type == "file" and "file" in block:
        return _openai_file(block)
    if isinstance(block.get("source"), Mapping):
        return _anthropic_source(block, block_type)
    return _standard(block, block_type)


def _standard(block: Mapping[str, Any], block_type: str) -> AttachmentSource:
    """v1 standard blocks, and v0 blocks with ``source_type``."""
    mime = _mime(block)
    name = _filename(block)
    source_type = block.get("source_type")
    plain = block_type == "text-plain"
    if source_type == "text" or (plain and isinstance(block.get("text"), str)):
        return AttachmentSource("text", block_type, location=str(block.get("text", "")))
    if plain:
        mime = mime or "text/plain"
    if source_type == "id" or block.get("file_id"):
        file_id = block.get("file_id") or block.get("id")
        return AttachmentSource("file_id", block_type, location=str(file_id), mime_type=mime)
    data = block.get("base64") or (block.get("data") if source_type == "base64" else None)
    if isinstance(data, str) and data:
        if data.startswith("data:"):
            raw, data_mime = parse_data_url(data)
            return AttachmentSource("data", block_type, raw, "", mime or data_mime, name)
        raw = decode_base64(data, what=f"{block_type} base64 data")
        return AttachmentSource("data", block_type, raw, "", mime, name)
    if isinstance(block.get("url"), str) and block["url"]:
        return _from_url(block["url"], block_type, mime, name)
    if isinstance(block.get("path"), str) and block["path"]:
        return AttachmentSource("path", block_type, location=block["path"], mime_type=mime)
    msg = (
        f"A {block_type!r} block needs one of: base64 (+ mime_type), url, file_id"
        f"{' or text' if block_type in {'file', 'text-plain'} else ''}; got keys {sorted(block)}."
    )
    raise _invalid(msg)


def _carries_attachments(message: BaseMessage) -> bool:
    if isinstance(message, (HumanMessage, ToolMessage)):
        return True
    return isinstance(message, ChatMessage) and message.role in {"user", "human"}


def attachment_blocks(messages: Sequence[BaseMessage]) -> Iterator[Mapping[str, Any]]:
    """Every non-text block of the messages whose blocks GigaChat receives as attachments."""
    for message in messages:
        if not _carries_attachments(message) or isinstance(message.content, str):
            continue
        for block in message.content:
            if isinstance(block, Mapping) and block.get("type") not in {"text", None}:
                yield block


def scan_attachments(messages: Sequence[BaseMessage]) -> list[AttachmentSource]:
    """Distinct sources of every attachment in the messages, in order of appearance.

    Raises:
        GigaChatInvalidInputError: A block is unsupported or malformed.
    """
    seen: dict[tuple[str, str], AttachmentSource] = {}
    for block in attachment_blocks(messages):
        source = source_from_block(block)
        seen.setdefault(source.key, source)
    return list(seen.values())


def local_path(source: AttachmentSource) -> Path:
    """The path of a ``path`` source."""
    return Path(source.location).expanduser()
