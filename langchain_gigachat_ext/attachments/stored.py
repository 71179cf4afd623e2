"""Files in GigaChat storage as the uploader sees them: what they count as, and deleting them.

* A file named by id is counted by the request limits from its card (``GET /files/{id}``): the
  card has a name and a size but no MIME type (PROTOCOL §6.6), so the kind comes from the name's
  extension, else from the block's declaration; an id whose kind cannot be told is refused,
  since the limits must count every file.
* The files a failed call uploaded are deleted again (:func:`delete_files`); a file already gone
  counts as deleted.
"""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING, Any

from langchain_gigachat_ext._catalog import file_kind
from langchain_gigachat_ext.attachments.media import normalise_mime
from langchain_gigachat_ext.attachments.resolved import ResolvedFile
from langchain_gigachat_ext.client.sdk import files as sdk_files
from langchain_gigachat_ext.errors import GigaChatInvalidInputError, GigaChatNotFoundError

if TYPE_CHECKING:
    from langchain_gigachat_ext.attachments.sources import AttachmentSource
    from langchain_gigachat_ext.client.sdk import UploadedFile
    from langchain_gigachat_ext.client.transport import Transport

__all__ = [
    "adelete_files",
    "card_file",
    "declared_kind",
    "delete_files",
    "kind_of_mime",
    "missing_file",
    "with_kind",
]


def kind_of_mime(mime: str | None) -> str | None:
    """What the limits count a MIME type as (images in any format count as images)."""
    base = normalise_mime(mime)
    kind = file_kind(base)
    if kind is None and base.startswith(("image/", "audio/")):
        return base.split("/", 1)[0]
    return kind


def declared_kind(source: AttachmentSource) -> str | None:
    """The kind a block declares (its MIME type, or an image/audio block type), or None."""
    kind = kind_of_mime(source.mime_type) if source.mime_type else None
    if kind is None and source.wants_image:
        return "image"
    if kind is None and source.block_type in {"audio", "input_audio"}:
        return "audio"
    return kind


def card_file(card: UploadedFile) -> ResolvedFile:
    """Kind (from the stored file name; the card has no MIME type, PROTOCOL §6.6) and size."""
    guessed = mimetypes.guess_type(card.filename or "")[0]
    return ResolvedFile(card.id_, kind_of_mime(guessed) if guessed else None, card.bytes_)


def with_kind(source: AttachmentSource, card: ResolvedFile) -> ResolvedFile:
    """The card's kind, else the block's declaration; refuses ids of unknown kind.

    The limits (one image per message, ten per request, 80 MB of images and audio) must count
    every file, so an id whose kind cannot be told is refused rather than sent uncounted.
    """
    kind = card.kind or declared_kind(source)
    if kind is None:
        msg = (
            f"Cannot tell whether file {source.location} (a {source.block_type!r} block) is an "
            "image, a document or audio: its stored name has no known extension and the block "
            'has no mime_type. Add "mime_type" to the block (e.g. "image/png" or '
            '"application/pdf"), or use an "image"/"audio" block.'
        )
        raise GigaChatInvalidInputError(msg)
    return ResolvedFile(card.file_id, kind, card.size)


def missing_file(source: AttachmentSource, error: Exception) -> GigaChatInvalidInputError:
    """The error for a file id the storage does not know."""
    return GigaChatInvalidInputError(
        f"File {source.location} (a {source.block_type!r} block) does not exist in GigaChat "
        f"storage ({error}). Upload it again (llm.upload_file) or remove the block."
    )


def delete_files(file_ids: list[str], transport: Transport) -> list[str]:
    """Delete files; returns the ids that could not be deleted (the caller's error wins)."""
    return [file_id for file_id in file_ids if not _delete(file_id, transport)]


def _delete(file_id: str, transport: Transport) -> bool:
    try:
        transport.call(
            lambda http, token: sdk_files.delete_file_sync(http, file=file_id, access_token=token)
        )
    except GigaChatNotFoundError:
        return True  # gone already
    except Exception:
        return False
    return True


async def adelete_files(file_ids: list[str], transport: Transport) -> list[str]:
    """Async :func:`delete_files`."""
    return [file_id for file_id in file_ids if not await _adelete(file_id, transport)]


async def _adelete(file_id: str, transport: Transport) -> bool:
    async def op(http: Any, token: str | None) -> Any:
        return await sdk_files.delete_file_async(http, file=file_id, access_token=token)

    try:
        await transport.acall(op)
    except GigaChatNotFoundError:
        return True  # gone already
    except Exception:
        return False
    return True
