"""Sources of one request mapped to file ids, and the pure block lookup built from them.

The third phase of sending attachments (see :mod:`.uploads`): once every source has a file id,
:meth:`ResolvedAttachments.converter` is the lookup the message normaliser calls for each block,
and :meth:`ResolvedAttachments.arrange` applies the chat API's per-message rules
(:mod:`.layout`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_gigachat_ext.attachments.layout import AttachmentInfo, arrange_attachments
from langchain_gigachat_ext.attachments.sources import source_from_block
from langchain_gigachat_ext.errors import GigaChatInvalidInputError

if TYPE_CHECKING:
    from langchain_gigachat_ext.chat.v1.messages import BlockConverter

__all__ = ["ResolvedAttachments", "ResolvedFile"]


@dataclass(frozen=True)
class ResolvedFile:
    """An attachment ready to send."""

    file_id: str
    """Id to put into ``attachments``."""
    kind: str | None
    """``image``, ``audio`` or ``document`` (None only inside the file-card memo, when the
    card's name says nothing)."""
    size: int = 0
    """Bytes (from the upload or the file's card)."""


class ResolvedAttachments:
    """Sources of one request mapped to file ids; builds the pure block converter."""

    def __init__(self, files: Mapping[tuple[str, str], ResolvedFile] | None = None) -> None:
        """Wrap ``files`` (source key → resolved file)."""
        self.files: dict[tuple[str, str], ResolvedFile] = dict(files or {})

    def converter(self) -> BlockConverter:
        """The ``convert_block`` for ``messages.to_gigachat_messages`` (a pure lookup)."""

        def convert(block: dict[str, Any]) -> list[str] | str:
            source = source_from_block(block)
            if source.origin == "text":
                return source.location
            found = self.files.get(source.key)
            if found is None:
                msg = (
                    f"The {source.block_type!r} block was not uploaded before sending; this is a "
                    "bug unless the messages changed between resolution and sending."
                )
                raise GigaChatInvalidInputError(msg)
            return [found.file_id]

        return convert

    def info(self) -> dict[str, AttachmentInfo]:
        """File id → kind and size, for the layout rules."""
        return {f.file_id: AttachmentInfo(f.kind, f.size) for f in self.files.values()}

    def arrange(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Split multi-image/document messages and enforce the request limits (:mod:`.layout`)."""
        return arrange_attachments(messages, self.info())
