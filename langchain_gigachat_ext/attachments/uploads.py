"""Attachment sources → GigaChat file ids: download, convert, upload once per content.

GigaChat v1 takes files only as ids of uploads in a message's ``attachments`` (PROTOCOL §6.2,
§6.6). Sending a multimodal message therefore runs in three phases:

1. **Scan** (pure): every non-text block becomes an :class:`AttachmentSource`
   (:func:`~.sources.scan_attachments`; all LangChain forms are listed in :mod:`.sources`).
2. **Resolve** (I/O, this module): :class:`AttachmentUploader` first *plans* — checks URL
   syntax, downloads URLs (public hosts only unless allowed, :mod:`.guard`), reads local files
   (opt-in), converts and checks media (:mod:`.media`), looks caller-given file ids up
   (``GET /files/{id}``) — and runs the request's limits on the planned files; only then does
   it *upload*, each distinct content once per model (sha256 LRU cache, :mod:`.memory`). A call
   that breaks a limit uploads nothing; one whose upload fails deletes the files it uploaded
   and no other call took (:mod:`.stored`). ``resolve`` is sync, ``aresolve`` async (never
   blocks the loop).
3. **Convert** (pure, :mod:`.resolved`): :meth:`ResolvedAttachments.converter` is the lookup
   the message normaliser calls for each block; :meth:`ResolvedAttachments.arrange` splits
   several images (or documents) of one message into consecutive messages and enforces the
   per-request limits.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any

from langchain_gigachat_ext.attachments.fetch import AttachmentFetcher, Fetched
from langchain_gigachat_ext.attachments.guard import redact_url
from langchain_gigachat_ext.attachments.media import (
    DEFAULT_MAX_CONVERTED_PIXELS,
    PreparedMedia,
    normalise_mime,
    prepare_media,
)
from langchain_gigachat_ext.attachments.memory import CallToken, ContentKey, UploadMemory
from langchain_gigachat_ext.attachments.resolved import (
    LimitCheck,
    ResolvedAttachments,
    ResolvedFile,
    UploadPlan,
    distinct_file_limits,
)
from langchain_gigachat_ext.attachments.sources import AttachmentSource
from langchain_gigachat_ext.attachments.stored import (
    adelete_files,
    card_file,
    delete_files,
    kind_of_mime,
    missing_file,
    with_kind,
)
from langchain_gigachat_ext.client.sdk import files as sdk_files
from langchain_gigachat_ext.errors import GigaChatInvalidInputError, GigaChatNotFoundError

if TYPE_CHECKING:
    from langchain_gigachat_ext.client.sdk import UploadedFile
    from langchain_gigachat_ext.client.transport import Transport

__all__ = ["MAX_PARALLEL_UPLOADS", "AttachmentUploader", "kind_of_mime"]

logger = logging.getLogger(__name__)


MAX_PARALLEL_UPLOADS = 4
"""Concurrent downloads/uploads of one async call."""


def _content_key(data: bytes, declared_mime: str | None) -> ContentKey:
    return (hashlib.sha256(data).hexdigest(), normalise_mime(declared_mime))


async def _all_or_none(coroutines: Sequence[Awaitable[None]]) -> None:
    """``gather``, except that the first failure cancels the rest and waits for them."""
    tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class AttachmentUploader:
    """Resolves attachment sources to file ids, uploading each distinct content once."""

    def __init__(
        self,
        fetcher: AttachmentFetcher,
        *,
        cache_size: int = 256,
        convert_images: bool = True,
        upload: bool = True,
        max_pixels: int = DEFAULT_MAX_CONVERTED_PIXELS,
    ) -> None:
        """Configure the uploader.

        Args:
            fetcher: Downloads URLs and reads local paths.
            cache_size: Content hashes remembered (least recently used are forgotten).
            convert_images: Convert images in unsupported formats to PNG (Pillow).
            upload: False refuses everything but existing file ids.
            max_pixels: Largest image canvas decoded for conversion.
        """
        self.fetcher = fetcher
        self.convert_images = convert_images
        self.upload = upload
        self.max_pixels = max_pixels
        self._memory = UploadMemory(cache_size)

    # --- bookkeeping ---------------------------------------------------------------------------
    @property
    def cache_size(self) -> int:
        """Contents and cards remembered."""
        return self._memory.cache_size

    @property
    def uploaded_file_ids(self) -> list[str]:
        """Ids of every file this uploader uploaded and has not forgotten, oldest first."""
        return self._memory.uploaded_file_ids

    def forget(self, file_ids: Sequence[str]) -> None:
        """Drop deleted files from the cache and the uploaded list."""
        self._memory.forget(file_ids)

    def remember_file(self, card: UploadedFile) -> None:
        """Note a file uploaded outside the uploader (``llm.upload_file``): no lookup needed."""
        self._memory.remember_card(card_file(card))

    # --- shared steps --------------------------------------------------------------------------
    def _check_sources(self, sources: Sequence[AttachmentSource]) -> None:
        """What can be checked of every source before any request: ids, uploads, URL syntax."""
        for source in sources:
            if source.origin == "file_id":
                if not source.location:
                    msg = f"A {source.block_type!r} block has an empty file id."
                    raise GigaChatInvalidInputError(msg)
                continue
            if not self.upload:
                msg = (
                    f"A {source.block_type!r} block needs an upload, but auto_upload_attachments "
                    "is False: upload it with llm.upload_file(...) and pass "
                    '{"type": "image"|"file"|"audio", "file_id": ...}, or enable auto upload.'
                )
                raise GigaChatInvalidInputError(msg)
            if source.origin == "url":
                self.fetcher.url_of(source)

    def _prepare(self, source: AttachmentSource, fetched: Fetched) -> PreparedMedia:
        what = "inline data" if source.origin == "data" else redact_url(source.location)
        return prepare_media(
            fetched.data,
            declared_mime=source.mime_type or fetched.mime_type,
            filename=source.filename or fetched.filename,
            convert_images=self.convert_images,
            what=what,
            max_pixels=self.max_pixels,
        )

    def _plan_fetched(
        self, plan: UploadPlan, source: AttachmentSource, fetched: Fetched, call: CallToken
    ) -> tuple[ContentKey, bool]:
        """Note a cached or already planned content; returns its key and whether to prepare it."""
        key = _content_key(fetched.data, source.mime_type or fetched.mime_type)
        if key in plan.uploads:
            plan.waiting[source.key] = key
            return key, False
        cached = self._memory.cached(key, call)
        if cached is not None:
            plan.known[source.key] = cached
            return key, False
        return key, True

    @staticmethod
    def _check(plan: UploadPlan, check: LimitCheck | None) -> None:
        if plan.uploads:
            (check or distinct_file_limits)(plan.provisional())

    def _uploaded(
        self, plan: UploadPlan, key: ContentKey, media: PreparedMedia, card: Any, call: CallToken
    ) -> None:
        resolved = ResolvedFile(card.id_, media.kind, len(media.data))
        self._memory.remember_upload(key, resolved, call)
        plan.uploaded[key] = resolved

    def _undeleted(self, failed: list[str]) -> None:
        if failed:
            self._memory.keep_uploaded(failed)
            logger.warning(
                "Could not delete %d attachment file(s) uploaded by a failed call; "
                "delete_uploaded_files() retries: %s",
                len(failed),
                ", ".join(failed),
            )

    # --- sync ----------------------------------------------------------------------------------
    def resolve(
        self,
        sources: Sequence[AttachmentSource],
        transport: Transport,
        check: LimitCheck | None = None,
    ) -> ResolvedAttachments:
        """Resolve every source (sync: downloads and uploads run in this thread).

        Args:
            sources: The call's sources (:func:`~.sources.scan_attachments`).
            transport: The model's transport.
            check: The request's limits over the planned files, run before the first upload
                (default :func:`distinct_file_limits`).

        Raises:
            GigaChatInvalidInputError: A source or the request breaks a rule; nothing uploaded.
        """
        wanted = [s for s in sources if s.origin != "text"]
        self._check_sources(wanted)
        call = CallToken()
        plan = UploadPlan()
        try:
            for source in wanted:
                self._plan_one(plan, source, transport, call)
            self._check(plan, check)
            for key, media in plan.uploads.items():
                self._upload(plan, key, media, transport, call)
        except BaseException:
            self._undeleted(delete_files(self._memory.disown(call), transport))
            raise
        finally:
            self._memory.settle(call)
        return plan.result()

    def _upload(
        self,
        plan: UploadPlan,
        key: ContentKey,
        media: PreparedMedia,
        transport: Transport,
        call: CallToken,
    ) -> None:
        card = transport.call(
            lambda http, token: sdk_files.upload_file_sync(
                http, file=(media.filename, media.data, media.mime_type), access_token=token
            )
        )
        self._uploaded(plan, key, media, card, call)

    def _plan_one(
        self, plan: UploadPlan, source: AttachmentSource, transport: Transport, call: CallToken
    ) -> None:
        if source.origin == "file_id":
            plan.known[source.key] = self._resolve_file_id(source, transport, call)
            return
        fetched = (
            Fetched(source.data, source.mime_type, source.filename)
            if source.origin == "data"
            else self.fetcher.fetch(source)
        )
        key, fresh = self._plan_fetched(plan, source, fetched, call)
        if fresh:
            plan.upload(source, key, self._prepare(source, fetched))

    def _resolve_file_id(
        self, source: AttachmentSource, transport: Transport, call: CallToken
    ) -> ResolvedFile:
        card = self._memory.known_card(source.location, call)
        if card is None:
            try:
                uploaded = transport.call(
                    lambda http, token: sdk_files.get_file_sync(
                        http, file=source.location, access_token=token
                    )
                )
            except GigaChatNotFoundError as error:
                raise missing_file(source, error) from error
            card = card_file(uploaded)
            self._memory.remember_card(card)
        return with_kind(source, card)

    # --- async ---------------------------------------------------------------------------------
    async def aresolve(
        self,
        sources: Sequence[AttachmentSource],
        transport: Transport,
        check: LimitCheck | None = None,
    ) -> ResolvedAttachments:
        """Async :meth:`resolve`, never blocking the event loop.

        Downloads and uploads run in parallel (bounded), conversion and file reads in threads.
        """
        wanted = [s for s in sources if s.origin != "text"]
        self._check_sources(wanted)
        gate = asyncio.Semaphore(MAX_PARALLEL_UPLOADS)
        call = CallToken()
        plan = UploadPlan()

        async def plan_one(source: AttachmentSource) -> None:
            async with gate:
                await self._aplan_one(plan, source, transport, call)

        try:
            await _all_or_none([plan_one(source) for source in wanted])
            self._check(plan, check)
            await self._aupload_all(plan, transport, call, gate)
        except BaseException:
            self._undeleted(await adelete_files(self._memory.disown(call), transport))
            raise
        finally:
            self._memory.settle(call)
        return plan.result()

    async def _aupload_all(
        self, plan: UploadPlan, transport: Transport, call: CallToken, gate: asyncio.Semaphore
    ) -> None:
        """Upload the planned contents in parallel.

        After a failure no upload starts, and those under way finish (not cancelled), so that
        every file stored is known and can be deleted again; then the first error is raised.
        """
        failed = False

        async def upload(key: ContentKey, media: PreparedMedia) -> None:
            nonlocal failed

            async def op(http: Any, token: str | None) -> Any:
                return await sdk_files.upload_file_async(
                    http, file=(media.filename, media.data, media.mime_type), access_token=token
                )

            async with gate:
                if failed:
                    return
                try:
                    card = await transport.acall(op)
                except BaseException:
                    failed = True
                    raise
            self._uploaded(plan, key, media, card, call)

        uploads = [upload(key, media) for key, media in plan.uploads.items()]
        outcomes = await asyncio.gather(*uploads, return_exceptions=True)
        errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if errors:
            raise errors[0]

    async def _aplan_one(
        self, plan: UploadPlan, source: AttachmentSource, transport: Transport, call: CallToken
    ) -> None:
        if source.origin == "file_id":
            plan.known[source.key] = await self._aresolve_file_id(source, transport, call)
            return
        fetched = (
            Fetched(source.data, source.mime_type, source.filename)
            if source.origin == "data"
            else await self.fetcher.afetch(source)
        )
        key, fresh = self._plan_fetched(plan, source, fetched, call)
        if fresh:
            # Hashing is done; conversion (Pillow) is CPU work, so it leaves the event loop.
            plan.upload(source, key, await asyncio.to_thread(self._prepare, source, fetched))

    async def _aresolve_file_id(
        self, source: AttachmentSource, transport: Transport, call: CallToken
    ) -> ResolvedFile:
        card = self._memory.known_card(source.location, call)
        if card is None:

            async def op(http: Any, token: str | None) -> UploadedFile:
                return await sdk_files.get_file_async(
                    http, file=source.location, access_token=token
                )

            try:
                uploaded = await transport.acall(op)
            except GigaChatNotFoundError as error:
                raise missing_file(source, error) from error
            card = card_file(uploaded)
            self._memory.remember_card(card)
        return with_kind(source, card)
