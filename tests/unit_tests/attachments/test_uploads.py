"""AttachmentUploader without a network: a fake transport runs the SDK ops against a stub."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from gigachat.models.files import UploadedFile

from langchain_gigachat_ext.attachments import uploads as uploads_module
from langchain_gigachat_ext.attachments.fetch import AttachmentFetcher
from langchain_gigachat_ext.attachments.layout import AttachmentInfo
from langchain_gigachat_ext.attachments.resolved import ResolvedAttachments
from langchain_gigachat_ext.attachments.sources import source_from_block
from langchain_gigachat_ext.attachments.uploads import AttachmentUploader
from langchain_gigachat_ext.errors import GigaChatInvalidInputError, GigaChatNotFoundError

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

    monkeypatch.setattr(uploads_module.sdk_files, "upload_file_sync", upload_sync)
    monkeypatch.setattr(uploads_module.sdk_files, "upload_file_async", upload_async)
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


def _card(file_id: str, filename: str, size: int = 10) -> UploadedFile:
    return UploadedFile(
        id=file_id, object="file", bytes=size, created_at=0, filename=filename, purpose="general"
    )


@pytest.fixture
def cards(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The server's file cards by id (``GET /files/{id}``); ``lookups`` counts the requests."""
    stored: dict[str, Any] = {"lookups": []}

    def get(file: str) -> UploadedFile:
        stored["lookups"].append(file)
        if file not in stored:
            raise GigaChatNotFoundError("https://x/files", 404, b'{"message":"not found"}', None)
        return stored[file]  # type: ignore[no-any-return]

    def get_sync(_http: Any, *, file: str, access_token: Any = None) -> UploadedFile:
        return get(file)

    async def get_async(_http: Any, *, file: str, access_token: Any = None) -> UploadedFile:
        return get(file)

    monkeypatch.setattr(uploads_module.sdk_files, "get_file_sync", get_sync)
    monkeypatch.setattr(uploads_module.sdk_files, "get_file_async", get_async)
    return stored


FILE_ID_KINDS: list[tuple[str, dict[str, Any], str, str]] = [
    ("file block, png name", {"type": "file", "file_id": "f"}, "cat.png", "image"),
    ("file block, webp still counts as image", {"type": "file", "file_id": "f"}, "a.webp", "image"),
    ("file block, pdf name", {"type": "file", "file_id": "f"}, "report.pdf", "document"),
    ("file block, mp3 name", {"type": "file", "file_id": "f"}, "voice.mp3", "audio"),
    ("openai file_id form", {"type": "file", "file": {"file_id": "f"}}, "cat.jpg", "image"),
    ("image block, name says nothing", {"type": "image", "file_id": "f"}, "blob", "image"),
    (
        "declared mime, name says nothing",
        {"type": "file", "file_id": "f", "mime_type": "image/jpeg"},
        "blob",
        "image",
    ),
    ("the stored name wins", {"type": "image", "file_id": "f"}, "report.pdf", "document"),
]


@pytest.mark.parametrize(
    ("block", "filename", "kind"), [c[1:] for c in FILE_ID_KINDS], ids=[c[0] for c in FILE_ID_KINDS]
)
async def test_file_id_kind_and_size_come_from_the_card(
    cards: dict[str, Any], uploads: list[Any], block: dict[str, Any], filename: str, kind: str
) -> None:
    cards["f"] = _card("f", filename, size=1234)
    source = source_from_block(block)
    resolved = _uploader().resolve([source], FakeTransport())  # type: ignore[arg-type]
    assert resolved.info() == {"f": AttachmentInfo(kind, 1234)}
    assert resolved.converter()(block) == ["f"]
    again = await _uploader().aresolve([source], FakeTransport())  # type: ignore[arg-type]
    assert again.info() == resolved.info()
    assert uploads == []


def test_file_id_of_unknown_kind_is_refused(cards: dict[str, Any]) -> None:
    cards["f"] = _card("f", "blob")
    with pytest.raises(GigaChatInvalidInputError, match='Add "mime_type" to the block'):
        _uploader().resolve([source_from_block({"type": "file", "file_id": "f"})], FakeTransport())  # type: ignore[arg-type]


async def test_missing_file_id_is_refused_before_sending(cards: dict[str, Any]) -> None:
    source = source_from_block({"type": "image", "file_id": "gone"})
    with pytest.raises(GigaChatInvalidInputError, match=r"gone .* does not exist"):
        _uploader().resolve([source], FakeTransport())  # type: ignore[arg-type]
    with pytest.raises(GigaChatInvalidInputError, match="does not exist"):
        await _uploader().aresolve([source], FakeTransport())  # type: ignore[arg-type]


def test_cards_are_remembered(cards: dict[str, Any], uploads: list[Any]) -> None:
    cards["f"] = _card("f", "cat.png")
    uploader = _uploader()
    source = source_from_block({"type": "file", "file_id": "f"})
    uploader.resolve([source], FakeTransport())  # type: ignore[arg-type]
    uploader.resolve([source], FakeTransport())  # type: ignore[arg-type]
    assert cards["lookups"] == ["f"]
    # Files this uploader uploaded, or that llm.upload_file registered, need no lookup at all.
    uploader.resolve([source_from_block(_pdf_block())], FakeTransport())  # type: ignore[arg-type]
    uploader.remember_file(_card("g", "voice.mp3", 7))
    by_id = [source_from_block({"type": "file", "file_id": i}) for i in ("id-1", "g")]
    info = uploader.resolve(by_id, FakeTransport()).info()  # type: ignore[arg-type]
    assert info == {
        "id-1": AttachmentInfo("document", len(PDF)),
        "g": AttachmentInfo("audio", 7),
    }
    assert cards["lookups"] == ["f"]
    uploader.forget(["f"])
    uploader.resolve([source], FakeTransport())  # type: ignore[arg-type]
    assert cards["lookups"] == ["f", "f"]


def test_disabled_upload_refuses_inline_data(uploads: list[Any]) -> None:
    uploader = _uploader()
    uploader.upload = False
    with pytest.raises(GigaChatInvalidInputError, match="auto_upload_attachments is False"):
        uploader.resolve([source_from_block(_pdf_block())], FakeTransport())  # type: ignore[arg-type]


def test_unresolved_block_is_never_dropped() -> None:
    converter = ResolvedAttachments().converter()
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


def test_url_without_extension_or_type_is_sniffed_and_counted(uploads: list[Any]) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(16)

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"Content-Type": "application/octet-stream"}, content=png
        )

    fetcher = AttachmentFetcher(
        max_bytes=100,
        timeout=1,
        transport=httpx.MockTransport(serve),
        resolve=lambda *_: ["93.184.216.34"],
    )
    urls = [f"https://cdn.example/download?id={n}" for n in (1, 2)]
    sources = [source_from_block({"type": "file", "url": url}) for url in urls]
    resolved = AttachmentUploader(fetcher).resolve(sources, FakeTransport())  # type: ignore[arg-type]
    assert [upload[2] for upload in uploads] == ["image/png"]  # same bytes: uploaded once
    assert resolved.info() == {"id-1": AttachmentInfo("image", len(png))}
    message = {"role": "user", "content": "q", "attachments": ["id-1", "id-1"]}
    assert resolved.arrange([message]) == [{**message, "attachments": ["id-1"]}]
