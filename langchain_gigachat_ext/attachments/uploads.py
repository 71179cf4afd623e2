"""Attachment sources → GigaChat file ids: download, convert, upload once per content.

GigaChat v1 takes files only as ids of uploads in a message's ``attachments`` (PROTOCOL §6.2,
§6.6). Sending a multimodal message therefore runs in three phases:

1. **Scan** (pure): every non-text block becomes an :class:`AttachmentSource`
   (:func:`~.sources.scan_attachments`; all LangChain forms are listed in :mod:`.sources`).
2. **Resolve** (I/O, this module): :class:`AttachmentUploader` turns sources into file ids —
   downloads URLs (public hosts only unless allowed, see :mod:`.guard`), reads local files
   (opt-in), converts formats the API rejects, uploads through the Files API — with a bounded
   content-hash (sha256) LRU cache, so the same bytes upload once per model instance. Caller
   given file ids are looked up (``GET /files/{id}``, remembered) so that the limits know their
   kind and size too. ``resolve`` is the sync path, ``aresolve`` the async one (never blocks
   the event loop).
3. **Convert** (pure, :mod:`.resolved`): :meth:`ResolvedAttachments.converter` is the lookup
   the message normaliser calls for each block; :meth:`ResolvedAttachments.arrange` splits
   several images (or documents) of one message into consecutive messages and enforces the
   per-request limits.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from langchain_gigachat_ext._catalog import file_kind
from langchain_gigachat_ext.attachments.fetch import AttachmentFetcher, Fetched
from langchain_gigachat_ext.attachments.guard import redact_url
from langchain_gigachat_ext.attachments.media import PreparedMedia, normalise_mime, prepare_media
from langchain_gigachat_ext.attachments.resolved import ResolvedAttachments, ResolvedFile
from langchain_gigachat_ext.attachments.sources import AttachmentSource
from langchain_gigachat_ext.client.sdk import files as sdk_files
from langchain_gigachat_ext.errors import GigaChatInvalidInputError, GigaChatNotFoundError

if TYPE_CHECKING:
    from langchain_gigachat_ext.client.sdk import UploadedFile
    from langchain_gigachat_ext.client.transport import Transport

__all__ = ["MAX_PARALLEL_UPLOADS", "AttachmentUploader", "kind_of_mime"]

MAX_PARALLEL_UPLOADS = 4
"""Concurrent downloads/uploads of one async call."""


def kind_of_mime(mime: str | None) -> str | None:
    """What the limits count a MIME type as (images in any format count as images)."""
    base = normalise_mime(mime)
    kind = file_kind(base)
    if kind is None and base.startswith(("image/", "audio/")):
        return base.split("/", 1)[0]
    return kind


def _declared_kind(source: AttachmentSource) -> str | None:
    kind = kind_of_mime(source.mime_type) if source.mime_type else None
    if kind is None and source.wants_image:
        return "image"
    if kind is None and source.block_type in {"audio", "input_audio"}:
        return "audio"
    return kind


def _card_file(card: UploadedFile) -> ResolvedFile:
    """Kind (from the stored file name; the card has no MIME type, PROTOCOL §6.6) and size."""
    guessed = mimetypes.guess_type(card.filename or "")[0]
    return ResolvedFile(card.id_, kind_of_mime(guessed) if guessed else None, card.bytes_)


def _with_kind(source: AttachmentSource, card: ResolvedFile) -> ResolvedFile:
    """The card's kind, else the block's declaration; refuses ids of unknown kind.

    The limits (one image per message, ten per request, 80 MB of images and audio) must count
    every file, so an id whose kind cannot be told is refused rather than sent uncounted.
    """
    kind = card.kind or _declared_kind(source)
    if kind is None:
        msg = (
            f"Cannot tell whether file {source.location} (a {source.block_type!r} block) is an "
            "image, a document or audio: its stored name has no known extension and the block "
            'has no mime_type. Add "mime_type" to the block (e.g. "image/png" or '
            '"application/pdf"), or use an "image"/"audio" block.'
        )
        raise GigaChatInvalidInputError(msg)
    return ResolvedFile(card.file_id, kind, card.size)


def _missing_file(source: AttachmentSource, error: Exception) -> GigaChatInvalidInputError:
    return GigaChatInvalidInputError(
        f"File {source.location} (a {source.block_type!r} block) does not exist in GigaChat "
        f"storage ({error}). Upload it again (llm.upload_file) or remove the block."
    )


def _content_key(data: bytes, declared_mime: str | None) -> tuple[str, str]:
    return (hashlib.sha256(data).hexdigest(), normalise_mime(declared_mime))


class AttachmentUploader:
    """Resolves attachment sources to file ids, uploading each distinct content once."""

    def __init__(
        self,
        fetcher: AttachmentFetcher,
        *,
        cache_size: int = 256,
        convert_images: bool = True,
        upload: bool = True,
    ) -> None:
        """Configure the uploader.

        Args:
            fetcher: Downloads URLs and reads local paths.
            cache_size: Content hashes remembered (least recently used are forgotten).
            convert_images: Convert images in unsupported formats to PNG (Pillow).
            upload: False refuses everything but existing file ids.
        """
        self.fetcher = fetcher
        self.cache_size = cache_size
        self.convert_images = convert_images
        self.upload = upload
        self._cache: OrderedDict[tuple[str, str], ResolvedFile] = OrderedDict()
        self._cards: OrderedDict[str, ResolvedFile] = OrderedDict()
        self._uploaded: dict[str, None] = {}
        self._lock = threading.Lock()

    # --- bookkeeping ---------------------------------------------------------------------------
    @property
    def uploaded_file_ids(self) -> list[str]:
        """Ids of every file this uploader uploaded and has not forgotten, oldest first."""
        with self._lock:
            return list(self._uploaded)

    def forget(self, file_ids: Sequence[str]) -> None:
        """Drop deleted files from the cache and the uploaded list."""
        gone = set(file_ids)
        with self._lock:
            for file_id in gone:
                self._uploaded.pop(file_id, None)
            for key in [k for k, v in self._cache.items() if v.file_id in gone]:
                del self._cache[key]
            for file_id in gone:
                self._cards.pop(file_id, None)

    def remember_file(self, card: UploadedFile) -> None:
        """Note a file uploaded outside the uploader (``llm.upload_file``): no lookup needed."""
        self._remember_card(_card_file(card))

    def _remember_card(self, resolved: ResolvedFile) -> None:
        with self._lock:
            if self.cache_size <= 0:
                return
            self._cards[resolved.file_id] = resolved
            self._cards.move_to_end(resolved.file_id)
            while len(self._cards) > self.cache_size:
                self._cards.popitem(last=False)

    def _known_card(self, file_id: str) -> ResolvedFile | None:
        with self._lock:
            found = self._cards.get(file_id)
            if found is not None:
                self._cards.move_to_end(file_id)
            return found

    def _cached(self, key: tuple[str, str]) -> ResolvedFile | None:
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
            return found

    def _remember(self, key: tuple[str, str], resolved: ResolvedFile) -> None:
        with self._lock:
            self._uploaded[resolved.file_id] = None
            if self.cache_size <= 0:
                return
            self._cache[key] = resolved
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        self._remember_card(resolved)

    # --- shared steps --------------------------------------------------------------------------
    def _check_uploadable(self, source: AttachmentSource) -> None:
        """Refuse sources that need an upload when uploads are off."""
        if not self.upload:
            msg = (
                f"A {source.block_type!r} block needs an upload, but auto_upload_attachments "
                "is False: upload it with llm.upload_file(...) and pass "
                '{"type": "image"|"file"|"audio", "file_id": ...}, or enable auto upload.'
            )
            raise GigaChatInvalidInputError(msg)

    @staticmethod
    def _check_file_id(source: AttachmentSource) -> None:
        if not source.location:
            msg = f"A {source.block_type!r} block has an empty file id."
            raise GigaChatInvalidInputError(msg)

    def _prepare(self, source: AttachmentSource, fetched: Fetched) -> PreparedMedia:
        what = "inline data" if source.origin == "data" else redact_url(source.location)
        return prepare_media(
            fetched.data,
            declared_mime=source.mime_type or fetched.mime_type,
            filename=source.filename or fetched.filename,
            convert_images=self.convert_images,
            what=what,
        )

    # --- sync ----------------------------------------------------------------------------------
    def resolve(
        self, sources: Sequence[AttachmentSource], transport: Transport
    ) -> ResolvedAttachments:
        """Resolve every source (sync: downloads and uploads run in this thread)."""
        return ResolvedAttachments(
            {s.key: self._resolve_one(s, transport) for s in sources if s.origin != "text"}
        )

    def _resolve_one(self, source: AttachmentSource, transport: Transport) -> ResolvedFile:
        if source.origin == "file_id":
            return self._resolve_file_id(source, transport)
        self._check_uploadable(source)
        fetched = (
            Fetched(source.data, source.mime_type, source.filename)
            if source.origin == "data"
            else self.fetcher.fetch(source)
        )
        key = _content_key(fetched.data, source.mime_type or fetched.mime_type)
        cached = self._cached(key)
        if cached is not None:
            return cached
        media = self._prepare(source, fetched)
        uploaded = transport.call(
            lambda http, token: sdk_files.upload_file_sync(
                http, file=(media.filename, media.data, media.mime_type), access_token=token
            )
        )
        resolved = ResolvedFile(uploaded.id_, media.kind, len(media.data))
        self._remember(key, resolved)
        return resolved

    def _resolve_file_id(self, source: AttachmentSource, transport: Transport) -> ResolvedFile:
        self._check_file_id(source)
        card = self._known_card(source.location)
        if card is None:
            try:
                uploaded = transport.call(
                    lambda http, token: sdk_files.get_file_sync(
                        http, file=source.location, access_token=token
                    )
                )
            except GigaChatNotFoundError as error:
                raise _missing_file(source, error) from error
            card = _card_file(uploaded)
            self._remember_card(card)
        return _with_kind(source, card)

    # --- async ---------------------------------------------------------------------------------
    async def aresolve(
        self, sources: Sequence[AttachmentSource], transport: Transport
    ) -> ResolvedAttachments:
        """Resolve every source without blocking the event loop (bounded parallelism)."""
        gate = asyncio.Semaphore(MAX_PARALLEL_UPLOADS)

        async def one(source: AttachmentSource) -> ResolvedFile:
            async with gate:
                return await self._aresolve_one(source, transport)

        wanted = [s for s in sources if s.origin != "text"]
        results = await asyncio.gather(*(one(s) for s in wanted))
        return ResolvedAttachments(
            {s.key: result for s, result in zip(wanted, results, strict=True)}
        )

    async def _aresolve_one(self, source: AttachmentSource, transport: Transport) -> ResolvedFile:
        if source.origin == "file_id":
            return await self._aresolve_file_id(source, transport)
        self._check_uploadable(source)
        fetched = (
            Fetched(source.data, source.mime_type, source.filename)
            if source.origin == "data"
            else await self.fetcher.afetch(source)
        )
        key = _content_key(fetched.data, source.mime_type or fetched.mime_type)
        cached = self._cached(key)
        if cached is not None:
            return cached
        # Hashing is done; conversion (Pillow) is CPU work, so it leaves the event loop.
        media = await asyncio.to_thread(self._prepare, source, fetched)

        async def op(http: Any, token: str | None) -> Any:
            return await sdk_files.upload_file_async(
                http, file=(media.filename, media.data, media.mime_type), access_token=token
            )

        uploaded = await transport.acall(op)
        resolved = ResolvedFile(uploaded.id_, media.kind, len(media.data))
        self._remember(key, resolved)
        return resolved

    async def _aresolve_file_id(
        self, source: AttachmentSource, transport: Transport
    ) -> ResolvedFile:
        self._check_file_id(source)
        card = self._known_card(source.location)
        if card is None:

            async def op(http: Any, token: str | None) -> UploadedFile:
                return await sdk_files.get_file_async(
                    http, file=source.location, access_token=token
                )

            try:
                uploaded = await transport.acall(op)
            except GigaChatNotFoundError as error:
                raise _missing_file(source, error) from error
            card = _card_file(uploaded)
            self._remember_card(card)
        return _with_kind(source, card)
