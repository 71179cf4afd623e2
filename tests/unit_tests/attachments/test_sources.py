"""Every LangChain multimodal block form → one normalised AttachmentSource (table-driven)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from langchain_gigachat_ext.attachments.sources import (
    parse_data_url,
    scan_attachments,
    source_from_block,
)
from langchain_gigachat_ext.errors import GigaChatInvalidInputError

RAW = b"\x89PNG\r\n\x1a\nfake"
B64 = base64.b64encode(RAW).decode()
DATA_URL = f"data:image/png;base64,{B64}"

FORMS: list[tuple[str, dict[str, Any], tuple[str, str, bytes, str, str | None]]] = [
    (
        "openai image_url object",
        {"type": "image_url", "image_url": {"url": DATA_URL}},
        ("data", "image_url", RAW, "", "image/png"),
    ),
    (
        "openai image_url string",
        {"type": "image_url", "image_url": "https://example.com/a.png"},
        ("url", "image_url", b"", "https://example.com/a.png", None),
    ),
    (
        "v1 image base64",
        {"type": "image", "base64": B64, "mime_type": "image/png"},
        ("data", "image", RAW, "", "image/png"),
    ),
    (
        "v1 image url",
        {"type": "image", "url": "http://example.com/x.jpg"},
        ("url", "image", b"", "http://example.com/x.jpg", None),
    ),
    (
        "v1 file id",
        {"type": "file", "file_id": "f-1", "mime_type": "application/pdf"},
        ("file_id", "file", b"", "f-1", "application/pdf"),
    ),
    (
        "v1 audio base64",
        {"type": "audio", "base64": B64, "mime_type": "audio/wav"},
        ("data", "audio", RAW, "", "audio/wav"),
    ),
    (
        "v0 source_type base64",
        {"type": "image", "source_type": "base64", "data": B64, "mime_type": "image/png"},
        ("data", "image", RAW, "", "image/png"),
    ),
    (
        "v0 source_type url",
        {"type": "file", "source_type": "url", "url": "https://e.com/d.pdf"},
        ("url", "file", b"", "https://e.com/d.pdf", None),
    ),
    (
        "v0 source_type id",
        {"type": "image", "source_type": "id", "id": "f-2"},
        ("file_id", "image", b"", "f-2", None),
    ),
    (
        "v0 source_type text",
        {"type": "file", "source_type": "text", "text": "hello"},
        ("text", "file", b"", "hello", None),
    ),
    (
        "v1 text-plain",
        {"type": "text-plain", "text": "doc text", "mime_type": "text/plain"},
        ("text", "text-plain", b"", "doc text", None),
    ),
    (
        "v1 text-plain as base64 is a text/plain document",
        {"type": "text-plain", "base64": base64.b64encode(b"doc text").decode()},
        ("data", "text-plain", b"doc text", "", "text/plain"),
    ),
    (
        "v1 text-plain by url",
        {"type": "text-plain", "url": "https://e.com/notes.txt"},
        ("url", "text-plain", b"", "https://e.com/notes.txt", "text/plain"),
    ),
    (
        "openai file data",
        {"type": "file", "file": {"filename": "a.pdf", "file_data": DATA_URL}},
        ("data", "file", RAW, "", "image/png"),
    ),
    (
        "openai file id",
        {"type": "file", "file": {"file_id": "f-3"}},
        ("file_id", "file", b"", "f-3", None),
    ),
    (
        "openai input_audio",
        {"type": "input_audio", "input_audio": {"data": B64, "format": "mp3"}},
        ("data", "audio", RAW, "", "audio/mpeg"),
    ),
    (
        "anthropic base64",
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": B64}},
        ("data", "image", RAW, "", "image/png"),
    ),
    (
        "anthropic document url",
        {"type": "document", "source": {"type": "url", "url": "https://e.com/d.pdf"}},
        ("url", "document", b"", "https://e.com/d.pdf", None),
    ),
    (
        "file url",
        {"type": "image", "url": "file:///data/cat.png"},
        ("path", "image", b"", "/data/cat.png", None),
    ),
    (
        "path key",
        {"type": "file", "path": "~/doc.pdf"},
        ("path", "file", b"", "~/doc.pdf", None),
    ),
]


@pytest.mark.parametrize(("block", "expected"), [f[1:] for f in FORMS], ids=[f[0] for f in FORMS])
def test_source_from_block(
    block: dict[str, Any], expected: tuple[str, str, bytes, str, str | None]
) -> None:
    source = source_from_block(block)
    assert (
        source.origin,
        source.block_type,
        source.data,
        source.location,
        source.mime_type,
    ) == expected


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("video", {"type": "video", "url": "https://e.com/v.mp4"}, "cannot be sent"),
    ("bad base64", {"type": "image", "base64": "@@@", "mime_type": "image/png"}, "base64"),
    ("no payload", {"type": "image", "mime_type": "image/png"}, "needs one of"),
    ("ftp url", {"type": "image_url", "image_url": {"url": "ftp://e.com/a.png"}}, "scheme"),
    ("empty image_url", {"type": "image_url", "image_url": {}}, "image_url.url"),
    ("openai file empty", {"type": "file", "file": {"filename": "x"}}, "file_data"),
    ("bad data url", {"type": "image_url", "image_url": "data:image/png;base64"}, "data URL"),
]


@pytest.mark.parametrize(("block", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_blocks_raise_clear_errors(block: dict[str, Any], fragment: str) -> None:
    with pytest.raises(GigaChatInvalidInputError, match=fragment):
        source_from_block(block)


def test_same_bytes_in_two_forms_share_one_key() -> None:
    a = source_from_block({"type": "image_url", "image_url": {"url": DATA_URL}})
    b = source_from_block({"type": "image", "base64": B64, "mime_type": "image/png"})
    assert a.key == b.key


def test_plain_data_url_is_percent_decoded() -> None:
    assert parse_data_url("data:text/plain,hello%20world") == (b"hello world", "text/plain")


def test_scan_covers_human_and_tool_messages_and_deduplicates() -> None:
    image = {"type": "image", "base64": B64, "mime_type": "image/png"}
    messages = [
        SystemMessage("sys"),
        HumanMessage([{"type": "text", "text": "a"}, image, dict(image)]),
        AIMessage("", tool_calls=[{"name": "t", "args": {}, "id": "1"}]),
        ToolMessage([{"type": "file", "file_id": "f-9"}], tool_call_id="1"),
        HumanMessage("plain"),
    ]
    sources = scan_attachments(messages)
    assert [(s.origin, s.location) for s in sources] == [("data", ""), ("file_id", "f-9")]
