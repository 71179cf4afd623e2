"""MIME detection, Pillow conversion and size limits before upload."""

from __future__ import annotations

import io
import sys

import pytest
from PIL import Image

from langchain_gigachat_ext import _catalog
from langchain_gigachat_ext.attachments.media import (
    DEFAULT_MAX_CONVERTED_PIXELS,
    choose_mime,
    normalise_mime,
    prepare_media,
    sniff_mime,
)
from langchain_gigachat_ext.errors import GigaChatInvalidInputError
from tests.unit_tests.attachments.samples import bomb_gif


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("PNG", "image/png"),
        ("JPEG", "image/jpeg"),
        ("GIF", "image/gif"),
        ("WEBP", "image/webp"),
        ("BMP", "image/bmp"),
        ("TIFF", "image/tiff"),
    ],
)
def test_sniff_images(fmt: str, mime: str) -> None:
    assert sniff_mime(_image(fmt)) == mime


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (b"%PDF-1.4 ...", "application/pdf"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"ID3\x03\x00", "audio/mpeg"),
        (b"OggS\x00", "audio/ogg"),
        (b"hello", None),
    ],
)
def test_sniff_other(data: bytes, mime: str | None) -> None:
    assert sniff_mime(data) == mime


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("image/jpg", "image/jpeg"),
        ("Image/PNG; charset=x", "image/png"),
        ("audio/mp3", "audio/mpeg"),
        ("audio/wave", "audio/wav"),
        (None, ""),
    ],
)
def test_normalise_mime(raw: str | None, expected: str) -> None:
    assert normalise_mime(raw) == expected


@pytest.mark.parametrize(
    ("declared", "data", "filename", "expected"),
    [
        ("application/pdf", b"%PDF-", None, "application/pdf"),
        (None, b"%PDF-", None, "application/pdf"),
        ("application/octet-stream", b"xx", "notes.txt", "text/plain"),
        ("image/jpeg", _image("PNG"), None, "image/png"),  # the signature wins for images
        (None, b"??", None, "application/octet-stream"),
    ],
)
def test_choose_mime(
    declared: str | None, data: bytes, filename: str | None, expected: str
) -> None:
    assert choose_mime(declared, data, filename) == expected


@pytest.mark.parametrize("fmt", ["WEBP", "GIF"])
def test_unsupported_images_become_png(fmt: str) -> None:
    media = prepare_media(
        _image(fmt), declared_mime=None, filename="pic.x", convert_images=True, what="test"
    )
    assert (media.mime_type, media.kind, media.filename) == ("image/png", "image", "pic.png")
    assert media.converted_from == f"image/{fmt.lower()}"
    assert sniff_mime(media.data) == "image/png"


def test_conversion_disabled_names_allowed_formats() -> None:
    with pytest.raises(GigaChatInvalidInputError, match=r"image/jpeg, image/png"):
        prepare_media(
            _image("WEBP"), declared_mime=None, filename=None, convert_images=False, what="t"
        )


def test_unreadable_image_is_refused() -> None:
    with pytest.raises(GigaChatInvalidInputError, match="Cannot convert"):
        prepare_media(
            b"<svg/>", declared_mime="image/svg+xml", filename=None, convert_images=True, what="t"
        )


def test_missing_pillow_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    gif = _image("GIF")
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(GigaChatInvalidInputError, match=r"langchain-gigachat-ext\[images\]"):
        prepare_media(gif, declared_mime=None, filename=None, convert_images=True, what="t")


@pytest.mark.parametrize(
    ("data", "mime", "fragment"),
    [
        (b"", "image/png", "empty"),
        (b"<html>", "text/html", "does not accept text/html"),
        (b"MZ\x90", "application/x-msdownload", "Allowed formats"),
    ],
)
def test_refused_content(data: bytes, mime: str, fragment: str) -> None:
    with pytest.raises(GigaChatInvalidInputError, match=fragment):
        prepare_media(data, declared_mime=mime, filename=None, convert_images=True, what="t")


def test_per_kind_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_catalog.MAX_FILE_BYTES, "document", 10)
    with pytest.raises(GigaChatInvalidInputError, match="up to 10 bytes"):
        prepare_media(
            b"%PDF-" + b"x" * 10, declared_mime=None, filename=None, convert_images=True, what="t"
        )


@pytest.mark.parametrize(
    ("filename", "mime", "expected"),
    [
        (None, "application/pdf", "attachment.pdf"),
        ("report", "application/pdf", "report.pdf"),
        ("dir/report.PDF", "application/pdf", "report.PDF"),
        (None, "image/jpeg", "attachment.jpg"),
    ],
)
def test_filenames(filename: str | None, mime: str, expected: str) -> None:
    data = b"%PDF-" if mime == "application/pdf" else _image("JPEG")
    media = prepare_media(
        data, declared_mime=mime, filename=filename, convert_images=True, what="t"
    )
    assert media.filename == expected


def _forbid_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on decoding any image fails the test: bombs are refused from the header."""

    def load(self: Image.Image) -> None:
        raise AssertionError(f"decoded a {self.size} image")

    monkeypatch.setattr(Image.Image, "load", load)


@pytest.mark.parametrize(
    "side",
    [
        8_000,  # 64 Mpx: over our budget, under Pillow's own warning threshold
        20_000,  # 400 Mpx: Pillow itself refuses it on open (a raw DecompressionBombError)
    ],
)
def test_image_bombs_are_refused_from_the_header(
    side: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = bomb_gif(side, side)
    assert len(bomb) < 100
    _forbid_decoding(monkeypatch)
    with pytest.raises(GigaChatInvalidInputError, match=r"too large to convert|pixels"):
        prepare_media(bomb, declared_mime="image/gif", filename=None, convert_images=True, what="t")


def test_the_pixel_budget_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    gif = _image("GIF")  # 4×4 = 16 px
    _forbid_decoding(monkeypatch)
    with pytest.raises(GigaChatInvalidInputError, match=r"4×4 = 16 pixels.*up to 15 pixels"):
        prepare_media(
            gif, declared_mime=None, filename=None, convert_images=True, what="t", max_pixels=15
        )


def test_images_within_the_budget_are_converted() -> None:
    gif = _image("GIF")
    media = prepare_media(
        gif, declared_mime=None, filename=None, convert_images=True, what="t", max_pixels=16
    )
    assert media.mime_type == "image/png"
    assert DEFAULT_MAX_CONVERTED_PIXELS >= 4_000 * 3_000  # a 12 Mpx photo converts by default


def test_accepted_formats_are_never_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    png = _image("PNG")
    _forbid_decoding(monkeypatch)
    media = prepare_media(
        png, declared_mime=None, filename=None, convert_images=True, what="t", max_pixels=1
    )
    assert media.data == png
