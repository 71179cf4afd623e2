"""AttachmentUploader without a network: a fake transport runs the SDK ops against a stub."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from gigachat.models.files import UploadedFile

from langchain_gigachat_ext import attachments as attachments_module
from langchain_gigachat_ext._attachment_fetch import AttachmentFetcher
from langchain_gigachat_ext._attachment_sources import source_from_block
from langchain_gigachat_ext.attachments import AttachmentUploader
from langchain_gigachat_ext.errors import GigaChatInvalidInputError

PDF = b"%PDF-1.4 tiny"


class FakeTransport:
    def call(self, op: Any) -> Any:
        return op(None, "token")

    async def acall(self, op: Any) -> Any:
        return await op(None, "token")


@pytest.fixture
def uploads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bytes, str]]:
    sent: list[tuple[str, bytes, str]] = []

    def card(file: tuple[str, bytes, str]) -> UploadedFile:
        sent.append(file)
        return UploadedFile(
            id=f"id-{len(sent)}",
            object="file",
            bytes=len(file[1]),
            created_at=0,
            filename=file[0],
            purpose="general",
        )

    def upload_sync(_http: Any, *, file: Any, access_token: Any = None) -> UploadedFile:
        return card(file)

    async def upload_async(_http: Any, *, file: Any, access_token: Any = None) -> UploadedFile:
        return card(file)

    monkeypatch.setattr(attachments_module.sdk_files, "upload_file_sync", upload_sync)
    monkeypatch.setattr(attachments_module.sdk_files, "upload_file_async", upload_async)
    return sent


def _pdf_block(data: bytes = PDF) -> dict[str, Any]:
    return {
        "type": "file",
        "base64": base64.b64encode(data).decode(),
        "mime_type": "application/pdf",
    }


def _uploader(cache_size: int = 4) -> AttachmentUploader:
    return AttachmentUploader(AttachmentFetcher(max_bytes=100, timeout=1), cache_size=cache_size)


def test_same_content_uploads_once(uploads: list[Any]) -> None:
    uploader = _uploader()
    source = source_from_block(_pdf_block())
    first = uploader.resolve([source], FakeTransport())  # type: ignore[arg-type]
    second = uploader.resolve([source], FakeTransport())  # type: ignore[arg-type]
    assert len(uploads) == 1
    assert first.files == second.files
    assert uploads[0] == ("attachment.pdf", PDF, "application/pdf")
    assert uploader.uploaded_file_ids == ["id-1"]


async def test_async_resolution_shares_the_cache(uploads: list[Any]) -> None:
    uploader = _uploader()
    source = source_from_block(_pdf_block())
    await uploader.aresolve([source], FakeTransport())  # type: ignore[arg-type]
    uploader.resolve([source], FakeTransport())  # type: ignore[arg-type]
    assert len(uploads) == 1


def test_cache_is_bounded_lru(uploads: list[Any]) -> None:
    uploader = _uploader(cache_size=1)
    a, b = (source_from_block(_pdf_block(PDF + tag)) for tag in (b"a", b"b"))
    for source in (a, b, a):
        uploader.resolve([source], FakeTransport())  # type: ignore[arg-type]
    assert len(uploads) == 3  # "a" was evicted by "b"


def test_forget_drops_cache_entries(uploads: list[Any]) -> None:
    uploader = _uploader()
    source = source_from_block(_pdf_block())
    uploader.resolve([source], FakeTransport())  # type: ignore[arg-type]
    uploader.forget(["id-1"])
    uploader.resolve([source], FakeTransport())  # type: ignore[arg-type]
    assert len(uploads) == 2
    assert uploader.uploaded_file_ids == ["id-2"]


def test_file_ids_pass_through_and_converter_is_a_lookup(uploads: list[Any]) -> None:
    block = {"type": "image", "file_id": "given"}
    resolved = _uploader().resolve([source_from_block(block)], FakeTransport())  # type: ignore[arg-type]
    assert uploads == []
    assert resolved.converter()(block) == ["given"]
    assert resolved.info()["given"].kind == "image"


def test_disabled_upload_refuses_inline_data(uploads: list[Any]) -> None:
    uploader = _uploader()
    uploader.upload = False
    with pytest.raises(GigaChatInvalidInputError, match="auto_upload_attachments is False"):
        uploader.resolve([source_from_block(_pdf_block())], FakeTransport())  # type: ignore[arg-type]


def test_unresolved_block_is_never_dropped() -> None:
    converter = attachments_module.ResolvedAttachments().converter()
    with pytest.raises(GigaChatInvalidInputError, match="not uploaded"):
        converter(_pdf_block())


def test_local_paths_are_opt_in(tmp_path: Any, uploads: list[Any]) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(PDF)
    source = source_from_block({"type": "file", "url": path.as_uri()})
    with pytest.raises(GigaChatInvalidInputError, match="allow_local_attachment_paths"):
        _uploader().resolve([source], FakeTransport())  # type: ignore[arg-type]
    allowed = AttachmentUploader(
        AttachmentFetcher(max_bytes=100, timeout=1, allow_local_paths=True)
    )
    allowed.resolve([source], FakeTransport())  # type: ignore[arg-type]
    assert uploads == [("doc.pdf", PDF, "application/pdf")]
