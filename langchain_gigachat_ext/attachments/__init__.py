"""Images, documents and audio in chat messages: sources, SSRF-guarded fetching, uploads.

The data path: LangChain content blocks → :mod:`.sources` (normalised sources) → :mod:`.fetch`
(bytes, through :mod:`.guard` and :mod:`.pinning`) → :mod:`.media` (formats, sizes) →
:mod:`.uploads` (Files API ids) → :mod:`.layout` (the chat API's per-message rules). Generated
images come back through :mod:`.output` and, in streams, :mod:`.stream`.
"""

from langchain_gigachat_ext.attachments.uploads import (
    DOCUMENT_MARKER,
    IMAGE_MARKER,
    TOOL_ATTACHMENT_HEADER,
    TOOL_ATTACHMENT_NOTE,
    AttachmentFetcher,
    AttachmentInfo,
    AttachmentSource,
    AttachmentUploader,
    ResolvedAttachments,
    ResolvedFile,
    arrange_attachments,
    check_request_limits,
    dedupe_attachments,
    generated_image_blocks,
    generated_image_content,
    move_tool_attachments,
    render_generated_image,
    scan_attachments,
    source_from_block,
    split_attachments,
    with_generated_images,
)

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
