"""Every limit before the first upload; a failed upload deletes what its call alone uploaded.

The uploader runs against a fake Files API (the SDK functions replaced) that records uploads
and deletes and can fail the n-th upload.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import pytest
from gigachat.models.files import DeletedFile, UploadedFile

from langchain_gigachat_ext.attachments.fetch import AttachmentFetcher
from langchain_gigachat_ext.attachments.resolved import ResolvedAttachments
from langchain_gigachat_ext.attachments.sources import AttachmentSource, source_from_block
from langchain_gigachat_ext.attachments.uploads import AttachmentUploader
from langchain_gigachat_ext.client.sdk import files as sdk_files
from langchain_gigachat_ext.errors import GigaChatInvalidInputError, GigaChatServerError
from tests.unit_tests.attachments.samples import bomb_gif


class FakeTransport:
    def call(self, op: Any) -> Any:
        return op(None, "token")

    async def acall(self, op: Any) -> Any:
        return await op(None, "token")


@dataclass
class FilesApi:
    """The fake Files API: what was uploaded and deleted; ``fail_upload`` fails that upload."""

    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    fail_upload: int | None = None
    """1-based number of the upload that fails with a 500."""
    before_failing: Any = None
    """Called just before the failing upload answers (another call's turn)."""

    def upload(self, file: tuple[str, bytes, str]) -> UploadedFile:
        number = len(self.uploaded) + 1
        if number == self.fail_upload:
            self.fail_upload = None
            if self.before_failing is not None:
                self.before_failing()
            raise GigaChatServerError("https://x/files", 500, b'{"message":"boom"}', None)
        file_id = f"id-{number}"
        self.uploaded.append(file_id)
        return UploadedFile(
            id=file_id,
            object="file",
            bytes=len(file[1]),
            created_at=0,
            filename=file[0],
            purpose="general",
        )

    def delete(self, file: str) -> DeletedFile:
        self.deleted.append(file)
        return DeletedFile(id=file, deleted=True)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FilesApi:
    state = FilesApi()

    def upload(_http: Any, *, file: Any, **_: Any) -> UploadedFile:
        return state.upload(file)

    async def upload_async(_http: Any, *, file: Any, **_: Any) -> UploadedFile:
        return state.upload(file)

    def delete(_http: Any, *, file: str, **_: Any) -> DeletedFile:
        return state.delete(file)

    async def delete_async(_http: Any, *, file: str, **_: Any) -> DeletedFile:
        return state.delete(file)

    monkeypatch.setattr(sdk_files, "upload_file_sync", upload)
    monkeypatch.setattr(sdk_files, "upload_file_async", upload_async)
    monkeypatch.setattr(sdk_files, "delete_file_sync", delete)
    monkeypatch.setattr(sdk_files, "delete_file_async", delete_async)
    return state


def _uploader() -> AttachmentUploader:
    return AttachmentUploader(AttachmentFetcher(max_bytes=100, timeout=1))


def _pdf(tag: int) -> AttachmentSource:
    data = b"%PDF-1.4 " + str(tag).encode()
    return source_from_block(
        {"type": "file", "base64": base64.b64encode(data).decode(), "mime_type": "application/pdf"}
    )


def _png(tag: int) -> AttachmentSource:
    data = b"\x89PNG\r\n\x1a\n" + tag.to_bytes(4, "big")
    return source_from_block(
        {"type": "image", "base64": base64.b64encode(data).decode(), "mime_type": "image/png"}
    )


async def _resolve(
    uploader: AttachmentUploader, sources: list[AttachmentSource], mode: str, **kwargs: Any
) -> ResolvedAttachments:
    if mode == "sync":
        return uploader.resolve(sources, FakeTransport(), **kwargs)  # type: ignore[arg-type]
    return await uploader.aresolve(sources, FakeTransport(), **kwargs)  # type: ignore[arg-type]


MODES = pytest.mark.parametrize("mode", ["sync", "async"])


# --- limits before the first upload ------------------------------------------------------------
BROKEN = {
    "eleven images": ([_png(n) for n in range(11)], "11 images"),
    "an unsupported format last": (
        [
            _png(1),
            source_from_block({"type": "file", "base64": "PGh0bWw+", "mime_type": "text/html"}),
        ],
        "does not accept text/html",
    ),
    "an image bomb last": (
        [
            _png(1),
            source_from_block(
                {"type": "image", "base64": base64.b64encode(bomb_gif(9_000, 9_000)).decode()}
            ),
        ],
        "pixels",
    ),
    "an unparseable URL last": (
        [_png(1), AttachmentSource("url", "image", location="http://0177.0.0.1/a.png")],
        "means 127.0.0.1",
    ),
}


@MODES
@pytest.mark.parametrize(("sources", "error"), list(BROKEN.values()), ids=list(BROKEN))
async def test_a_broken_call_uploads_nothing(
    api: FilesApi, mode: str, sources: list[AttachmentSource], error: str
) -> None:
    with pytest.raises(GigaChatInvalidInputError, match=error):
        await _resolve(_uploader(), sources, mode)
    assert api.uploaded == []


@MODES
async def test_the_check_sees_every_file_before_any_upload(api: FilesApi, mode: str) -> None:
    uploader = _uploader()
    await _resolve(uploader, [_pdf(0)], mode)  # cached from an earlier call
    seen: list[dict[str, Any]] = []

    def check(planned: ResolvedAttachments) -> None:
        assert api.uploaded == ["id-1"]
        seen.append(planned.info())
        msg = "refused by the layout"
        raise GigaChatInvalidInputError(msg)

    same_pdf_twice = [_pdf(0), _png(1), _png(1), _pdf(2)]
    with pytest.raises(GigaChatInvalidInputError, match="refused by the layout"):
        await _resolve(uploader, same_pdf_twice, mode, check=check)
    (info,) = seen
    assert info["id-1"].kind == "document"
    placeholders = sorted(info.keys() - {"id-1"})
    assert [info[p].kind for p in placeholders] == ["image", "document"]
    assert all(p.startswith("\x00") for p in placeholders)  # never a real id
    assert api.uploaded == ["id-1"]


# --- a failed upload ---------------------------------------------------------------------------
@MODES
async def test_a_failed_upload_deletes_what_this_call_uploaded(api: FilesApi, mode: str) -> None:
    uploader = _uploader()
    await _resolve(uploader, [_pdf(0)], mode)  # id-1, cached: the next call only reuses it
    api.fail_upload = 3  # id-2 uploads, the next one fails
    with pytest.raises(GigaChatServerError):
        await _resolve(uploader, [_pdf(0), _pdf(1), _pdf(2)], mode)
    assert api.deleted == ["id-2"]
    assert uploader.uploaded_file_ids == ["id-1"]
    # The deleted file is forgotten: the same content uploads again next time.
    resolved = await _resolve(uploader, [_pdf(0), _pdf(1), _pdf(2)], mode)
    assert sorted(f.file_id for f in resolved.files.values()) == ["id-1", "id-3", "id-4"]


@MODES
async def test_a_file_another_call_took_meanwhile_stays(api: FilesApi, mode: str) -> None:
    uploader = _uploader()
    taken: list[ResolvedAttachments] = []
    # While the first call uploads its second file, another call reuses its first one.
    api.before_failing = lambda: taken.append(
        uploader.resolve([_pdf(1)], FakeTransport())  # type: ignore[arg-type]
    )
    api.fail_upload = 2
    with pytest.raises(GigaChatServerError):
        await _resolve(uploader, [_pdf(1), _pdf(2)], mode)
    assert [f.file_id for f in taken[0].files.values()] == ["id-1"]
    assert api.deleted == []
    assert uploader.uploaded_file_ids == ["id-1"]


@MODES
async def test_files_that_cannot_be_deleted_stay_listed(
    api: FilesApi, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise GigaChatServerError("https://x/files", 503, b"{}", None)

    async def arefuse(*_args: Any, **_kwargs: Any) -> Any:
        refuse()

    monkeypatch.setattr(sdk_files, "delete_file_sync", refuse)
    monkeypatch.setattr(sdk_files, "delete_file_async", arefuse)
    uploader = _uploader()
    api.fail_upload = 2
    with pytest.raises(GigaChatServerError, match="500"):  # the call's own error, not the 503
        await _resolve(uploader, [_pdf(1), _pdf(2)], mode)
    assert uploader.uploaded_file_ids == ["id-1"]  # delete_uploaded_files() can retry
