"""The GigaChat Files API: upload, list, get, download and delete files (sync and async).

``ChatGigaChat.upload_file``, ``list_files``, ``get_file``, ``download_file``, ``delete_file``
and their ``a``-prefixed twins call these functions with the model's transport and attachment
uploader (which remembers the uploaded cards, so messages that name them need no lookup).

Example:
    ```python
    llm = ChatGigaChat(model="GigaChat-2-Max")
    card = llm.upload_file("cat.jpg")
    answer = llm.invoke(
        [
            HumanMessage(
                [{"type": "text", "text": "What is it?"}, {"type": "image", "file_id": card.id_}]
            )
        ]
    )
    llm.delete_file(card.id_)
    ```
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from langchain_gigachat_ext.attachments.media import PreparedMedia, prepare_media
from langchain_gigachat_ext.client.sdk import Image, UploadedFile
from langchain_gigachat_ext.client.sdk import files as sdk_files
from langchain_gigachat_ext.errors import GigaChatInvalidInputError, GigaChatNotFoundError

if TYPE_CHECKING:
    from langchain_gigachat_ext.attachments.uploads import AttachmentUploader
    from langchain_gigachat_ext.client.transport import Transport

__all__ = [
    "FileContent",
    "FileInput",
    "FileList",
    "Purpose",
    "adelete_file",
    "adelete_uploaded_files",
    "adownload_file",
    "aget_file",
    "aget_file_content",
    "alist_files",
    "aupload_file",
    "delete_file",
    "delete_uploaded_files",
    "download_file",
    "get_file",
    "get_file_content",
    "list_files",
    "upload_file",
]

FileContent = bytes | IO[bytes]
"""File content: bytes or a binary file object."""

FileInput = (
    bytes
    | str
    | os.PathLike[str]
    | IO[bytes]
    | tuple[str | None, FileContent]
    | tuple[str | None, FileContent, str | None]
)
"""What ``upload_file`` takes: bytes, a path, a binary file object, or the SDK's (and
httpx's) tuples ``(filename, content)`` and ``(filename, content, mime_type)``."""

Purpose = Literal["general", "assistant"]
"""``general`` (chat attachments) or ``assistant``."""


class FileList(list[UploadedFile]):
    """The account's files: a list, whose ``data`` also reads it as the SDK's ``UploadedFiles``.

    ``for f in llm.list_files()`` and langchain-gigachat's ``for f in llm.list_files().data``
    both work.
    """

    @property
    def data(self) -> list[UploadedFile]:
        """The files (the SDK's ``UploadedFiles.data``)."""
        return list(self)


def upload_file(
    transport: Transport,
    uploader: AttachmentUploader,
    file: FileInput,
    *,
    filename: str | None = None,
    mime_type: str | None = None,
    purpose: Purpose = "general",
) -> UploadedFile:
    """Upload a file (format checked, unsupported images converted) and return its card.

    Args:
        transport: The model's transport.
        uploader: The model's attachment uploader: it remembers the card.
        file: Bytes, a path, or a binary file object.
        filename: Name to send (default: the path's name).
        mime_type: Content type (default: detected from content, then name).
        purpose: ``general`` (chat attachments) or ``assistant``.

    Raises:
        GigaChatInvalidInputError: Unsupported format or too large.
    """
    data, name, declared = _read_input(file, filename)
    media = _media(data, name, mime_type or declared, uploader)
    card = transport.call(
        lambda http, token: sdk_files.upload_file_sync(
            http,
            file=(media.filename, media.data, media.mime_type),
            purpose=purpose,
            access_token=token,
        )
    )
    uploader.remember_file(card)
    return card


async def aupload_file(
    transport: Transport,
    uploader: AttachmentUploader,
    file: FileInput,
    *,
    filename: str | None = None,
    mime_type: str | None = None,
    purpose: Purpose = "general",
) -> UploadedFile:
    """Async :func:`upload_file` (file reading and conversion run in a thread)."""
    data, name, declared = await asyncio.to_thread(_read_input, file, filename)
    media = await asyncio.to_thread(_media, data, name, mime_type or declared, uploader)

    async def op(http: Any, token: str | None) -> UploadedFile:
        return await sdk_files.upload_file_async(
            http,
            file=(media.filename, media.data, media.mime_type),
            purpose=purpose,
            access_token=token,
        )

    card = await transport.acall(op)
    uploader.remember_file(card)
    return card


def list_files(transport: Transport) -> FileList:
    """Every file of the account."""
    result = transport.call(lambda http, token: sdk_files.get_files_sync(http, access_token=token))
    return FileList(result.data)


async def alist_files(transport: Transport) -> FileList:
    """Async :func:`list_files`."""

    async def op(http: Any, token: str | None) -> Any:
        return await sdk_files.get_files_async(http, access_token=token)

    return FileList((await transport.acall(op)).data)


def get_file(transport: Transport, file_id: str) -> UploadedFile:
    """One file's card."""
    return transport.call(
        lambda http, token: sdk_files.get_file_sync(http, file=file_id, access_token=token)
    )


async def aget_file(transport: Transport, file_id: str) -> UploadedFile:
    """Async :func:`get_file`."""

    async def op(http: Any, token: str | None) -> UploadedFile:
        return await sdk_files.get_file_async(http, file=file_id, access_token=token)

    return await transport.acall(op)


def download_file(transport: Transport, file_id: str) -> bytes:
    """A file's content, e.g. an image the model generated (``image`` block ``file_id``)."""
    image = transport.call(
        lambda http, token: sdk_files.get_image_sync(http, file_id=file_id, access_token=token)
    )
    return base64.b64decode(image.content)


async def adownload_file(transport: Transport, file_id: str) -> bytes:
    """Async :func:`download_file`."""

    async def op(http: Any, token: str | None) -> Any:
        return await sdk_files.get_image_async(http, file_id=file_id, access_token=token)

    return base64.b64decode((await transport.acall(op)).content)


def get_file_content(transport: Transport, file_id: str) -> Image:
    """A file's content as the SDK's ``Image`` (base64 in ``content``), as langchain-gigachat's.

    :func:`download_file` gives the decoded bytes.
    """
    return transport.call(
        lambda http, token: sdk_files.get_image_sync(http, file_id=file_id, access_token=token)
    )


async def aget_file_content(transport: Transport, file_id: str) -> Image:
    """Async :func:`get_file_content`."""

    async def op(http: Any, token: str | None) -> Image:
        return await sdk_files.get_image_async(http, file_id=file_id, access_token=token)

    return await transport.acall(op)


def delete_file(transport: Transport, uploader: AttachmentUploader, file_id: str) -> bool:
    """Delete a file (and forget it in ``uploader``); returns the server's ``deleted`` flag."""
    result = transport.call(
        lambda http, token: sdk_files.delete_file_sync(http, file=file_id, access_token=token)
    )
    uploader.forget([file_id])
    return bool(result.deleted)


async def adelete_file(transport: Transport, uploader: AttachmentUploader, file_id: str) -> bool:
    """Async :func:`delete_file`."""

    async def op(http: Any, token: str | None) -> Any:
        return await sdk_files.delete_file_async(http, file=file_id, access_token=token)

    result = await transport.acall(op)
    uploader.forget([file_id])
    return bool(result.deleted)


def delete_uploaded_files(transport: Transport, uploader: AttachmentUploader) -> list[str]:
    """Delete every file ``uploader`` uploaded for message attachments.

    Returns:
        The deleted ids (files already gone on the server count as deleted).
    """
    ids = uploader.uploaded_file_ids
    for file_id in ids:
        # A file deleted elsewhere (or expired) is gone, which is what the caller wants.
        with contextlib.suppress(GigaChatNotFoundError):
            delete_file(transport, uploader, file_id)
    uploader.forget(ids)
    return ids


async def adelete_uploaded_files(transport: Transport, uploader: AttachmentUploader) -> list[str]:
    """Async :func:`delete_uploaded_files`."""
    ids = uploader.uploaded_file_ids
    for file_id in ids:
        with contextlib.suppress(GigaChatNotFoundError):
            await adelete_file(transport, uploader, file_id)
    uploader.forget(ids)
    return ids


def _media(
    data: bytes, filename: str | None, mime_type: str | None, uploader: AttachmentUploader
) -> PreparedMedia:
    return prepare_media(
        data,
        declared_mime=mime_type,
        filename=filename,
        convert_images=uploader.convert_images,
        what=filename or "upload_file",
        max_pixels=uploader.max_pixels,
    )


def _read_input(file: FileInput, filename: str | None) -> tuple[bytes, str | None, str | None]:
    """The content, its name and the MIME type a tuple declares (else None)."""
    if isinstance(file, tuple):
        return _read_tuple(file, filename)
    if isinstance(file, bytes):
        return file, filename, None
    if isinstance(file, (str, os.PathLike)):
        path = Path(file).expanduser()
        return path.read_bytes(), filename or path.name, None
    data = file.read()
    name = filename or getattr(file, "name", None)
    return data, Path(name).name if isinstance(name, str) else None, None


def _read_tuple(
    file: tuple[Any, ...], filename: str | None
) -> tuple[bytes, str | None, str | None]:
    """The SDK's ``(filename, content[, mime_type])`` form."""
    if len(file) not in (2, 3):
        msg = (
            "upload_file takes a (filename, content) or (filename, content, mime_type) tuple; "
            f"got a tuple of {len(file)} items."
        )
        raise GigaChatInvalidInputError(msg)
    name, content = file[0], file[1]
    declared = file[2] if len(file) == 3 else None
    data = content if isinstance(content, bytes) else content.read()
    if not isinstance(data, bytes):
        msg = "upload_file: the tuple's content must be bytes or a binary file object."
        raise GigaChatInvalidInputError(msg)
    return data, filename or (Path(name).name if name else None), declared
