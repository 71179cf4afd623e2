"""Files API on the chat model: upload, list, get, download, delete (sync and async).

Also owns the attachment options and the per-model :class:`AttachmentUploader` that uploads
images, documents and audio found in messages (see :mod:`langchain_gigachat_ext.attachments`).

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
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from langchain_core.messages import BaseMessage
from pydantic import BaseModel, Field, PrivateAttr

from langchain_gigachat_ext._catalog import MAX_FILE_BYTES
from langchain_gigachat_ext.attachments.fetch import AttachmentFetcher
from langchain_gigachat_ext.attachments.media import PreparedMedia, prepare_media
from langchain_gigachat_ext.attachments.sources import scan_attachments
from langchain_gigachat_ext.attachments.uploads import AttachmentUploader, ResolvedAttachments
from langchain_gigachat_ext.client.sdk import UploadedFile
from langchain_gigachat_ext.client.sdk import files as sdk_files
from langchain_gigachat_ext.errors import GigaChatNotFoundError

if TYPE_CHECKING:
    from langchain_gigachat_ext.client.transport import Transport

FileInput = bytes | str | os.PathLike[str] | IO[bytes]
"""What ``upload_file`` takes: bytes, a path, or a binary file object."""

Purpose = Literal["general", "assistant"]


class FilesMixin(BaseModel):
    """Files API methods and attachment options for :class:`ChatGigaChat`."""

    if TYPE_CHECKING:
        auto_upload_attachments: bool

        @property
        def transport(self) -> Transport:
            """Provided by ``GigaChatConnection``."""

    attachment_download_timeout: float = Field(default=30.0, gt=0)
    """Seconds allowed for downloading one attachment URL in total (connect, redirects, read)."""
    attachment_max_download_bytes: int = Field(default=max(MAX_FILE_BYTES.values()), gt=0)
    """Largest attachment downloaded from a URL or read from a local path (bytes)."""
    attachment_cache_size: int = Field(default=256, ge=0)
    """Distinct contents (sha256) remembered so that repeated attachments upload once; 0
    disables the cache."""
    convert_unsupported_images: bool = True
    """Convert images the API rejects (webp, gif, ...) to PNG; needs the ``images`` extra."""
    allow_local_attachment_paths: bool = False
    """Let ``file://`` URLs and ``path`` blocks in messages read local files. Off by default:
    message content may come from end users."""
    allow_private_attachment_urls: bool = False
    """Let attachment URLs (and their redirects) point to loopback, private, link-local and other
    non-public addresses. Off by default: a URL in an end user's message would otherwise make
    the server fetch internal hosts (SSRF). Turn on only for URLs from a trusted source."""

    _uploader_cache: AttachmentUploader | None = PrivateAttr(default=None)
    _uploader_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    # --- attachments in messages ---------------------------------------------------------------
    @property
    def attachment_uploader(self) -> AttachmentUploader:
        """The uploader (built on first use; holds the content-hash cache)."""
        if self._uploader_cache is None:
            with self._uploader_lock:
                if self._uploader_cache is None:
                    self._uploader_cache = AttachmentUploader(
                        self._attachment_fetcher(),
                        cache_size=self.attachment_cache_size,
                        convert_images=self.convert_unsupported_images,
                    )
        uploader = self._uploader_cache
        uploader.upload = self.auto_upload_attachments
        uploader.convert_images = self.convert_unsupported_images
        return uploader

    def _attachment_fetcher(self) -> AttachmentFetcher:
        """The downloader for URL/path attachments (tests override it to serve fixtures)."""
        return AttachmentFetcher(
            max_bytes=self.attachment_max_download_bytes,
            timeout=self.attachment_download_timeout,
            allow_local_paths=self.allow_local_attachment_paths,
            allow_private_urls=self.allow_private_attachment_urls,
        )

    def _resolve_attachments(self, messages: list[BaseMessage]) -> ResolvedAttachments:
        sources = scan_attachments(messages)
        if not sources:
            return ResolvedAttachments()
        return self.attachment_uploader.resolve(sources, self.transport)

    async def _aresolve_attachments(self, messages: list[BaseMessage]) -> ResolvedAttachments:
        sources = scan_attachments(messages)
        if not sources:
            return ResolvedAttachments()
        return await self.attachment_uploader.aresolve(sources, self.transport)

    def delete_uploaded_files(self) -> list[str]:
        """Delete every file this model uploaded for message attachments.

        Returns:
            The deleted ids (files already gone on the server count as deleted).
        """
        ids = self.attachment_uploader.uploaded_file_ids
        for file_id in ids:
            self._delete_quietly(file_id)
        self.attachment_uploader.forget(ids)
        return ids

    async def adelete_uploaded_files(self) -> list[str]:
        """Async :meth:`delete_uploaded_files`."""
        ids = self.attachment_uploader.uploaded_file_ids
        for file_id in ids:
            await self._adelete_quietly(file_id)
        self.attachment_uploader.forget(ids)
        return ids

    def _delete_quietly(self, file_id: str) -> None:
        # A file deleted elsewhere (or expired) is gone, which is what the caller wants.
        with contextlib.suppress(GigaChatNotFoundError):
            self.delete_file(file_id)

    async def _adelete_quietly(self, file_id: str) -> None:
        with contextlib.suppress(GigaChatNotFoundError):
            await self.adelete_file(file_id)

    # --- Files API -----------------------------------------------------------------------------
    def _media(self, data: bytes, filename: str | None, mime_type: str | None) -> PreparedMedia:
        return prepare_media(
            data,
            declared_mime=mime_type,
            filename=filename,
            convert_images=self.convert_unsupported_images,
            what=filename or "upload_file",
        )

    def upload_file(
        self,
        file: FileInput,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        purpose: Purpose = "general",
    ) -> UploadedFile:
        """Upload a file (format checked, unsupported images converted) and return its card.

        Args:
            file: Bytes, a path, or a binary file object.
            filename: Name to send (default: the path's name).
            mime_type: Content type (default: detected from content, then name).
            purpose: ``general`` (chat attachments) or ``assistant``.

        Raises:
            GigaChatInvalidInputError: Unsupported format or too large.
        """
        data, name = _read_input(file, filename)
        media = self._media(data, name, mime_type)
        card = self.transport.call(
            lambda http, token: sdk_files.upload_file_sync(
                http,
                file=(media.filename, media.data, media.mime_type),
                purpose=purpose,
                access_token=token,
            )
        )
        self.attachment_uploader.remember_file(card)
        return card

    async def aupload_file(
        self,
        file: FileInput,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        purpose: Purpose = "general",
    ) -> UploadedFile:
        """Async :meth:`upload_file` (file reading and conversion run in a thread)."""
        data, name = await asyncio.to_thread(_read_input, file, filename)
        media = await asyncio.to_thread(self._media, data, name, mime_type)

        async def op(http: Any, token: str | None) -> UploadedFile:
            return await sdk_files.upload_file_async(
                http,
                file=(media.filename, media.data, media.mime_type),
                purpose=purpose,
                access_token=token,
            )

        card = await self.transport.acall(op)
        self.attachment_uploader.remember_file(card)
        return card

    def list_files(self) -> list[UploadedFile]:
        """Every file of the account."""
        result = self.transport.call(
            lambda http, token: sdk_files.get_files_sync(http, access_token=token)
        )
        return list(result.data)

    async def alist_files(self) -> list[UploadedFile]:
        """Async :meth:`list_files`."""

        async def op(http: Any, token: str | None) -> Any:
            return await sdk_files.get_files_async(http, access_token=token)

        return list((await self.transport.acall(op)).data)

    def get_file(self, file_id: str) -> UploadedFile:
        """One file's card."""
        return self.transport.call(
            lambda http, token: sdk_files.get_file_sync(http, file=file_id, access_token=token)
        )

    async def aget_file(self, file_id: str) -> UploadedFile:
        """Async :meth:`get_file`."""

        async def op(http: Any, token: str | None) -> UploadedFile:
            return await sdk_files.get_file_async(http, file=file_id, access_token=token)

        return await self.transport.acall(op)

    def download_file(self, file_id: str) -> bytes:
        """A file's content, e.g. an image the model generated (``image`` block ``file_id``)."""
        image = self.transport.call(
            lambda http, token: sdk_files.get_image_sync(http, file_id=file_id, access_token=token)
        )
        return base64.b64decode(image.content)

    async def adownload_file(self, file_id: str) -> bytes:
        """Async :meth:`download_file`."""

        async def op(http: Any, token: str | None) -> Any:
            return await sdk_files.get_image_async(http, file_id=file_id, access_token=token)

        return base64.b64decode((await self.transport.acall(op)).content)

    def delete_file(self, file_id: str) -> bool:
        """Delete a file; returns the server's ``deleted`` flag."""
        result = self.transport.call(
            lambda http, token: sdk_files.delete_file_sync(http, file=file_id, access_token=token)
        )
        self.attachment_uploader.forget([file_id])
        return bool(result.deleted)

    async def adelete_file(self, file_id: str) -> bool:
        """Async :meth:`delete_file`."""

        async def op(http: Any, token: str | None) -> Any:
            return await sdk_files.delete_file_async(http, file=file_id, access_token=token)

        result = await self.transport.acall(op)
        self.attachment_uploader.forget([file_id])
        return bool(result.deleted)


def _read_input(file: FileInput, filename: str | None) -> tuple[bytes, str | None]:
    if isinstance(file, bytes):
        return file, filename
    if isinstance(file, (str, os.PathLike)):
        path = Path(file).expanduser()
        return path.read_bytes(), filename or path.name
    data = file.read()
    name = filename or getattr(file, "name", None)
    return data, Path(name).name if isinstance(name, str) else None
