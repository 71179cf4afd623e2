"""Images, documents and audio in chat messages: sources, SSRF-guarded fetching, uploads.

The data path: LangChain content blocks → :mod:`.sources` (normalised sources) → :mod:`.fetch`
(bytes, through :mod:`.guard` and :mod:`.pinning`) → :mod:`.media` (formats, sizes) →
:mod:`.uploads` (Files API ids) → :mod:`.resolved` (the block lookup) → :mod:`.layout` (the
chat API's per-message rules). Generated images come back through :mod:`.output` and, in
streams, :mod:`.stream`.
"""

from langchain_gigachat_ext.attachments.fetch import AttachmentFetcher
from langchain_gigachat_ext.attachments.layout import (
    DOCUMENT_MARKER,
    IMAGE_MARKER,
    TOOL_ATTACHMENT_HEADER,
    TOOL_ATTACHMENT_NOTE,
    AttachmentInfo,
    arrange_attachments,
    check_request_limits,
    dedupe_attachments,
    move_tool_attachments,
    split_attachments,
)
from langchain_gigachat_ext.attachments.output import (
    generated_image_blocks,
    generated_image_content,
    render_generated_image,
    with_generated_images,
)
from langchain_gigachat_ext.attachments.resolved import ResolvedAttachments, ResolvedFile
from langchain_gigachat_ext.attachments.sources import (
    AttachmentSource,
    scan_attachments,
    source_from_block,
)
from langchain_gigachat_ext.attachments.uploads import AttachmentUploader

__all__ = [
    "DOCUMENT_MARKER",
    "IMAGE_MARKER",
    "TOOL_ATTACHMENT_HEADER",
    "TOOL_ATTACHMENT_NOTE",
    "AttachmentFetcher",
    "AttachmentInfo",
    "AttachmentSource",
    "AttachmentUploader",
    "ResolvedAttachments",
    "ResolvedFile",
    "arrange_attachments",
    "check_request_limits",
    "dedupe_attachments",
    "generated_image_blocks",
    "generated_image_content",
    "move_tool_attachments",
    "render_generated_image",
    "scan_attachments",
    "source_from_block",
    "split_attachments",
    "with_generated_images",
]
