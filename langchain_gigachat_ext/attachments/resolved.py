"""Sources of one request mapped to file ids, and the pure block lookup built from them.

The third phase of sending attachments (see :mod:`.uploads`): once every source has a file id,
:meth:`ResolvedAttachments.converter` is the lookup the message normaliser calls for each block,
and :meth:`ResolvedAttachments.arrange` applies the chat API's per-message rules
(:mod:`.layout`). Before anything is uploaded, an :class:`UploadPlan` gives the same lookup with
placeholder ids for the contents still to upload, so that a :data:`LimitCheck` can lay the
request out exactly as it will be sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_gigachat_ext.attachments.layout import (
    AttachmentInfo,
    arrange_attachments,
    check_request_limits,
)
from langchain_gigachat_ext.attachments.sources import source_from_block
from langchain_gigachat_ext.errors import GigaChatInvalidInputError

if TYPE_CHECKING:
    from langchain_gigachat_ext.attachments.media import PreparedMedia
    from langchain_gigachat_ext.attachments.memory import ContentKey
    from langchain_gigachat_ext.attachments.sources import AttachmentSource
    from langchain_gigachat_ext.chat.v1.messages import BlockConverter

__all__ = [
    "LimitCheck",
    "ResolvedAttachments",
    "ResolvedFile",
    "UploadPlan",
    "distinct_file_limits",
]


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


LimitCheck = Callable[[ResolvedAttachments], None]
"""Raises when the request would break a limit, given the planned files (placeholder ids for
those not uploaded yet)."""


def distinct_file_limits(planned: ResolvedAttachments) -> None:
    """The request limits over the call's distinct files (a lower bound of what it carries).

    The check used when the caller has none that knows the message layout.
    """
    info = planned.info()
    check_request_limits([{"attachments": list(info)}], info)


class UploadPlan:
    """One call's files before uploading: those known already, and the contents to upload."""

    def __init__(self) -> None:
        """Start empty."""
        self.known: dict[tuple[str, str], ResolvedFile] = {}
        """Source key → a file that exists already (a cached upload, a caller's file id)."""
        self.waiting: dict[tuple[str, str], ContentKey] = {}
        """Source key → the content it waits for."""
        self.uploads: dict[ContentKey, PreparedMedia] = {}
        """Contents to upload (each once, however many sources carry it)."""
        self.uploaded: dict[ContentKey, ResolvedFile] = {}
        """Contents uploaded so far."""

    def upload(self, source: AttachmentSource, key: ContentKey, media: PreparedMedia) -> None:
        """Plan ``source`` as the upload of ``media`` (content ``key``)."""
        self.uploads.setdefault(key, media)
        self.waiting[source.key] = key

    def provisional(self) -> ResolvedAttachments:
        """Every file, with a placeholder id (never a real one) for each content to upload."""
        placeholders = {
            key: ResolvedFile(f"\x00upload-{index}", media.kind, len(media.data))
            for index, (key, media) in enumerate(self.uploads.items())
        }
        return self._files(placeholders)

    def result(self) -> ResolvedAttachments:
        """Every file with its real id (once every upload is done)."""
        return self._files(self.uploaded)

    def _files(self, by_content: dict[ContentKey, ResolvedFile]) -> ResolvedAttachments:
        files = dict(self.known)
        files.update({source: by_content[key] for source, key in self.waiting.items()})
        return ResolvedAttachments(files)
