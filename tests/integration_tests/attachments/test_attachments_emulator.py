"""Attachments end to end on the emulator: every block form, cache, limits, Files API."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.errors import GigaChatInvalidInputError, GigaChatNotFoundError
from tests.integration_tests.attachments.conftest import FileServer, make_image, make_pdf

PNG = make_image("PNG")
PNG_B64 = base64.b64encode(PNG).decode()


@pytest.fixture
def llm(emu: Any) -> ChatGigaChat:
    # The fixture files are served on 127.0.0.1, which the SSRF guard refuses unless allowed.
    return ChatGigaChat(
        **emu.client_kwargs(),
        model="GigaChat-2-Max",
        max_retries=0,
        allow_private_attachment_urls=True,
    )


def _entries(emu: Any, path_end: str) -> list[dict[str, Any]]:
    return [e for e in emu.request_log if e["path"].endswith(path_end)]


def _uploads(emu: Any) -> list[dict[str, Any]]:
    return [e for e in _entries(emu, "/files") if e["method"] == "POST"]


def _sent_messages(emu: Any) -> list[dict[str, Any]]:
    chats = _entries(emu, "/chat/completions")
    assert chats, "no chat request was sent"
    return chats[-1]["body"]["messages"]  # type: ignore[no-any-return]


@pytest.fixture
def emu_uploader(emu: Any) -> Any:
    """Uploads through a separate model, so the model under test knows nothing about the ids."""
    other = ChatGigaChat(**emu.client_kwargs(), max_retries=0)

    def upload(data: bytes, filename: str) -> str:
        return other.upload_file(data, filename=filename).id_

    return upload


def _ask(*blocks: dict[str, Any]) -> list[HumanMessage]:
    return [HumanMessage([{"type": "text", "text": "Describe it."}, *blocks])]


@pytest.mark.parametrize(
    "block",
    [
        {"type": "image", "base64": PNG_B64, "mime_type": "image/png"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
        {"type": "image", "source_type": "base64", "data": PNG_B64, "mime_type": "image/png"},
    ],
    ids=["v1-base64", "data-url", "v0-base64"],
)
def test_inline_image_is_uploaded_and_attached(emu: Any, llm: ChatGigaChat, block: Any) -> None:
    answer = llm.invoke(_ask(block))
    assert answer.text
    (upload,) = _uploads(emu)
    assert upload["body"]["file"]["content_type"] == "image/png"
    (message,) = _sent_messages(emu)
    stored = emu.state.files.all()
    assert message == {"role": "user", "content": "Describe it.", "attachments": [stored[0].id]}
    assert stored[0].content == PNG


@pytest.mark.parametrize("form", ["image_url", "v1-url"])
async def test_http_url_is_downloaded(
    emu: Any, llm: ChatGigaChat, file_server: FileServer, form: str
) -> None:
    url = file_server.url("/cat.png")
    block = (
        {"type": "image_url", "image_url": url}
        if form == "image_url"
        else {"type": "image", "url": url}
    )
    await llm.ainvoke(_ask(block))
    assert emu.state.files.all()[0].content == PNG
    assert len(_sent_messages(emu)[0]["attachments"]) == 1


def test_v1_document_and_audio_blocks(emu: Any, llm: ChatGigaChat, file_server: FileServer) -> None:
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)
    llm.invoke(
        _ask(
            {"type": "file", "url": file_server.url("/doc.pdf")},
            {"type": "audio", "base64": base64.b64encode(wav).decode(), "mime_type": "audio/wav"},
        )
    )
    kinds = sorted(stored.kind for stored in emu.state.files.all())
    assert kinds == ["audio", "document"]
    assert len(_sent_messages(emu)[0]["attachments"]) == 2


def test_file_id_is_reused_without_upload(emu: Any, llm: ChatGigaChat) -> None:
    card = llm.upload_file(PNG, filename="cat.png")
    emu.state.log.clear()
    llm.invoke(_ask({"type": "image", "file_id": card.id_}))
    assert _uploads(emu) == []
    assert _sent_messages(emu)[0]["attachments"] == [card.id_]


def test_file_id_blocks_without_mime_type_count_as_images(emu: Any, emu_uploader: Any) -> None:
    # Uploaded elsewhere, referenced as bare file blocks: the card's name tells they are images.
    ids = [emu_uploader(make_image("PNG", color), f"{color}.png") for color in ("red", "blue")]
    llm = ChatGigaChat(**emu.client_kwargs(), model="GigaChat-2-Max", max_retries=0)
    llm.invoke(_ask(*({"type": "file", "file_id": file_id} for file_id in ids)))
    first, second = _sent_messages(emu)
    assert (first["attachments"], second["attachments"]) == ([ids[0]], [ids[1]])
    eleven = [emu_uploader(make_image("PNG", (n, 1, 1)), f"{n}.png") for n in range(11)]
    emu.state.log.clear()
    with pytest.raises(GigaChatInvalidInputError, match="11 images"):
        llm.invoke(_ask(*({"type": "file", "file_id": file_id} for file_id in eleven)))
    assert _entries(emu, "/chat/completions") == []


def test_unknown_file_id_is_refused_before_sending(emu: Any, llm: ChatGigaChat) -> None:
    with pytest.raises(GigaChatInvalidInputError, match="does not exist"):
        llm.invoke(_ask({"type": "file", "file_id": "00000000-0000-0000-0000-000000000000"}))
    assert _entries(emu, "/chat/completions") == []


def test_same_file_twice_in_a_message_is_attached_once(emu: Any, llm: ChatGigaChat) -> None:
    card = llm.upload_file(PNG, filename="cat.png")
    by_id = {"type": "image", "file_id": card.id_}
    pdf = {"type": "file", "base64": base64.b64encode(make_pdf()).decode()}
    llm.invoke(_ask(by_id, pdf, dict(by_id)))
    (message,) = _sent_messages(emu)
    pdf_id = emu.state.files.all()[1].id
    assert message["attachments"] == [card.id_, pdf_id]
    # The same bytes twice: uploaded once, attached once, nothing split.
    inline = {"type": "image", "base64": PNG_B64, "mime_type": "image/png"}
    llm.invoke(_ask(inline, dict(inline)))
    (message,) = _sent_messages(emu)
    assert len(emu.state.files.all()) == 3
    assert message["attachments"] == [emu.state.files.all()[2].id]


def test_repeated_image_uploads_once(emu: Any, llm: ChatGigaChat) -> None:
    block = {"type": "image", "base64": PNG_B64, "mime_type": "image/png"}
    llm.invoke(_ask(block))
    llm.invoke(_ask(dict(block)))
    assert len(_uploads(emu)) == 1
    assert len(_entries(emu, "/chat/completions")) == 2


def test_two_images_in_one_message_are_split(emu: Any, llm: ChatGigaChat) -> None:
    other = base64.b64encode(make_image("PNG", "blue")).decode()
    llm.invoke(
        _ask(
            {"type": "image", "base64": PNG_B64, "mime_type": "image/png"},
            {"type": "image", "base64": other, "mime_type": "image/png"},
        )
    )
    first, second = _sent_messages(emu)
    assert first["content"] == "Describe it."
    assert second["content"] == "(image 2 of 2)"
    assert len(first["attachments"]) == len(second["attachments"]) == 1


def test_eleven_images_are_refused_before_sending(emu: Any, llm: ChatGigaChat) -> None:
    colors = [(n * 20, 0, 0) for n in range(11)]
    blocks = [
        {
            "type": "image",
            "base64": base64.b64encode(make_image("PNG", color)).decode(),
            "mime_type": "image/png",
        }
        for color in colors
    ]
    with pytest.raises(GigaChatInvalidInputError, match="11 images"):
        llm.invoke(_ask(*blocks))
    assert _entries(emu, "/chat/completions") == []


def test_unsupported_formats(emu: Any, llm: ChatGigaChat, file_server: FileServer) -> None:
    llm.invoke(_ask({"type": "image", "url": file_server.url("/cat.webp")}))
    (stored,) = emu.state.files.all()
    assert (stored.mime_type, stored.filename) == ("image/png", "cat.png")
    with pytest.raises(GigaChatInvalidInputError, match="does not accept text/html"):
        llm.invoke(_ask({"type": "image", "url": file_server.url("/page.html")}))
    strict = ChatGigaChat(
        **emu.client_kwargs(),
        model="GigaChat-2-Max",
        convert_unsupported_images=False,
        allow_private_attachment_urls=True,
    )
    with pytest.raises(GigaChatInvalidInputError, match="image/jpeg, image/png"):
        strict.invoke(_ask({"type": "image", "url": file_server.url("/cat.webp")}))


async def test_download_failure_is_reported(
    emu: Any, llm: ChatGigaChat, file_server: FileServer
) -> None:
    with pytest.raises(GigaChatInvalidInputError, match="HTTP 404"):
        llm.invoke(_ask({"type": "image", "url": file_server.url("/missing.png")}))
    small = ChatGigaChat(
        **emu.client_kwargs(),
        attachment_max_download_bytes=10,
        allow_private_attachment_urls=True,
    )
    with pytest.raises(GigaChatInvalidInputError, match="download limit"):
        await small.ainvoke(_ask({"type": "image", "url": file_server.url("/cat.png")}))
    assert _entries(emu, "/chat/completions") == []


def test_tool_returned_image_moves_to_a_user_message(emu: Any, llm: ChatGigaChat) -> None:
    def random_image() -> str:
        """Return a random image."""
        return ""

    messages = [
        HumanMessage("Get an image and describe it."),
        AIMessage("", tool_calls=[{"name": "random_image", "args": {}, "id": "1"}]),
        ToolMessage(
            [{"type": "image", "base64": PNG_B64, "mime_type": "image/png"}],
            tool_call_id="1",
            name="random_image",
        ),
    ]
    llm.bind_tools([random_image]).invoke(messages)
    sent = _sent_messages(emu)
    function = next(m for m in sent if m["role"] == "function")
    assert "attachment" in function["content"]
    assert sent[-1]["role"] == "user"
    assert sent[-1]["content"] == "Attachments returned by tool random_image:"
    assert len(sent[-1]["attachments"]) == 1


def test_files_api_sync(emu: Any, llm: ChatGigaChat, tmp_path: Any) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(make_pdf())
    card = llm.upload_file(path)
    assert (card.filename, card.bytes_) == ("doc.pdf", len(make_pdf()))
    assert [f.id_ for f in llm.list_files()] == [card.id_]
    assert llm.get_file(card.id_).filename == "doc.pdf"
    assert llm.download_file(card.id_) == make_pdf()
    assert llm.delete_file(card.id_) is True
    with pytest.raises(GigaChatNotFoundError):
        llm.get_file(card.id_)


async def test_files_api_async(emu: Any, llm: ChatGigaChat) -> None:
    card = await llm.aupload_file(make_image("GIF"), filename="anim.gif")
    assert card.filename == "anim.png"  # converted: the API does not take GIF
    assert [f.id_ for f in await llm.alist_files()] == [card.id_]
    assert (await llm.aget_file(card.id_)).id_ == card.id_
    assert (await llm.adownload_file(card.id_))[:4] == b"\x89PNG"
    assert await llm.adelete_file(card.id_) is True
    assert await llm.alist_files() == []


async def test_delete_uploaded_files(emu: Any, llm: ChatGigaChat) -> None:
    block = {"type": "image", "base64": PNG_B64, "mime_type": "image/png"}
    llm.invoke(_ask(block))
    ids = [stored.id for stored in emu.state.files.all()]
    assert llm.delete_uploaded_files() == ids
    assert emu.state.files.all() == []
    await llm.ainvoke(_ask(block))  # the cache forgot the deleted file: uploaded again
    assert len(emu.state.files.all()) == 1
    assert len(await llm.adelete_uploaded_files()) == 1


def test_auto_upload_disabled_refuses_inline_data(emu: Any, llm: ChatGigaChat) -> None:
    manual = ChatGigaChat(**emu.client_kwargs(), auto_upload_attachments=False)
    with pytest.raises(GigaChatInvalidInputError, match="auto_upload_attachments is False"):
        manual.invoke(_ask({"type": "image", "base64": PNG_B64, "mime_type": "image/png"}))
