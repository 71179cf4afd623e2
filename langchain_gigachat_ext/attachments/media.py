"""Make attachment bytes acceptable to the Files API: MIME type, format conversion, size.

The API takes a fixed set of formats (``_catalog.IMAGE_FORMATS`` / ``AUDIO_FORMATS`` /
``DOCUMENT_FORMATS``, DOC post-file). Images in other formats Pillow can read (webp, gif, ...)
are converted to PNG when conversion is enabled; anything else is refused with an error naming
the allowed formats. Pillow is the optional ``images`` extra and is imported only when needed.

Decoding costs memory and CPU in proportion to the canvas, not the file: a 125 KB GIF can declare
13000×13000 px (4 s and 700 MB to convert). So an image's dimensions are read from its header
first (Pillow's ``Image.open`` is lazy) and a canvas over the pixel budget (``max_pixels``,
``ChatGigaChat.max_converted_image_pixels``) is refused before anything is decoded.
"""

from __future__ import annotations

import io
import mimetypes
from dataclasses import dataclass
from typing import Literal

from langchain_gigachat_ext._catalog import (
    AUDIO_FORMATS,
    DOCUMENT_FORMATS,
    IMAGE_FORMATS,
    MAX_FILE_BYTES,
    file_kind,
)
from langchain_gigachat_ext.errors import GigaChatInvalidInputError

FileKind = Literal["image", "audio", "document"]

MIME_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/x-ms-bmp": "image/bmp",
    "image/x-bmp": "image/bmp",
    "audio/mp3": "audio/mpeg",
    "audio/mpeg3": "audio/mpeg",
    "audio/x-mp3": "audio/mpeg",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/m4a": "audio/x-m4a",
    "audio/x-ogg": "audio/ogg",
    "application/x-pdf": "application/pdf",
}
"""Spellings seen in the wild → the MIME type the API lists."""

DEFAULT_MAX_CONVERTED_PIXELS = 40_000_000
"""Largest canvas (width × height) decoded for conversion by default: about 0.8 s of CPU and
200 MB at this size (measured on a GIF; 13000×13000 px took 4.4 s and 690 MB). Our budget, not
an API limit (the API documents none)."""

GENERIC_MIME = frozenset({"", "application/octet-stream", "binary/octet-stream"})
"""Types that say nothing; the content or file name decides instead."""

_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"BM", "image/bmp"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"OggS", "audio/ogg"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"\x1aE\xdf\xa3", "audio/webm"),
)


@dataclass(frozen=True)
class PreparedMedia:
    """Bytes ready for upload."""

    data: bytes
    """Content (converted when the original format is not accepted)."""
    mime_type: str
    """An accepted MIME type."""
    kind: FileKind
    """``image``, ``audio`` or ``document``."""
    filename: str
    """Name for the multipart part (extension matches ``mime_type``)."""
    converted_from: str | None = None
    """Original MIME type when the bytes were converted."""


def sniff_mime(data: bytes) -> str | None:
    """MIME type from the leading bytes (the formats users commonly send), or None."""
    for offset, signature, mime in _SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            return mime
    if data[:4] == b"RIFF" and data[8:12] in {b"WEBP", b"WAVE"}:
        return "image/webp" if data[8:12] == b"WEBP" else "audio/wav"
    if data[4:8] == b"ftyp":
        return "audio/mp4"
    return None


def normalise_mime(mime: str | None) -> str:
    """Lower-case, parameters stripped, aliases mapped (``image/jpg`` → ``image/jpeg``)."""
    base = (mime or "").split(";")[0].strip().lower()
    return MIME_ALIASES.get(base, base)


def choose_mime(declared: str | None, data: bytes, filename: str | None) -> str:
    """The best-supported MIME type: declared, else sniffed, else guessed from the name."""
    mime = normalise_mime(declared)
    if mime not in GENERIC_MIME:
        # A wrong declared type for well-known binary content (e.g. a PNG sent as image/jpeg)
        # would make the server misread it; the signature wins for images.
        sniffed = sniff_mime(data)
        if sniffed and mime.startswith("image/") and sniffed.startswith("image/"):
            return sniffed
        return mime
    sniffed = sniff_mime(data)
    if sniffed:
        return sniffed
    guessed = mimetypes.guess_type(filename or "")[0] if filename else None
    return normalise_mime(guessed) or "application/octet-stream"


def allowed_formats_text() -> str:
    """The accepted formats, for error messages."""
    return (
        f"images: {', '.join(IMAGE_FORMATS)}; documents: {', '.join(DOCUMENT_FORMATS)}; "
        f"audio: {', '.join(AUDIO_FORMATS)}"
    )


def convert_image_to_png(
    data: bytes, mime: str, *, max_pixels: int = DEFAULT_MAX_CONVERTED_PIXELS
) -> bytes:
    """Re-encode an image as PNG with Pillow (first frame of animations).

    The canvas size is read from the header before anything is decoded.

    Raises:
        GigaChatInvalidInputError: Pillow is missing, cannot read the image, or the canvas is
            over ``max_pixels``.
    """
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError as error:
        msg = (
            f"{mime} images must be converted before upload (GigaChat accepts "
            f"{', '.join(IMAGE_FORMATS)}); install Pillow: pip install "
            "'langchain-gigachat-ext[images]', or convert the image yourself."
        )
        raise GigaChatInvalidInputError(msg) from error
    try:
        # Lazy: reads the header only. Pillow refuses canvases over twice its own global limit
        # here already; that refusal is reported like ours.
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)  # the frame's descriptor may widen the canvas; still no decoding
            _check_pixels(image.size, mime, max_pixels)
            frame = image.convert("RGBA") if image.mode not in {"RGB", "RGBA", "L"} else image
            out = io.BytesIO()
            frame.save(out, format="PNG")
            return out.getvalue()
    except Image.DecompressionBombError as error:
        msg = (
            f"The {mime} image is too large to convert ({error}); send it as JPEG or PNG, or "
            "scale it down."
        )
        raise GigaChatInvalidInputError(msg) from None
    except (UnidentifiedImageError, OSError, ValueError) as error:
        msg = (
            f"Cannot convert the {mime} image to PNG ({error}); GigaChat accepts images in "
            f"{', '.join(IMAGE_FORMATS)}."
        )
        raise GigaChatInvalidInputError(msg) from error


def _check_pixels(size: tuple[int, int], mime: str, max_pixels: int) -> None:
    width, height = size
    if width * height > max_pixels:
        msg = (
            f"The {mime} image is {width}×{height} = {width * height:,} pixels; images are "
            f"converted to PNG only up to {max_pixels:,} pixels (max_converted_image_pixels), "
            "since decoding costs memory and time in proportion to the canvas. Send it as "
            "JPEG or PNG, scale it down, or raise the budget if the source is trusted."
        )
        raise GigaChatInvalidInputError(msg)


def _extension(mime: str) -> str:
    special = {"image/jpeg": ".jpg", "audio/mpeg": ".mp3", "audio/x-m4a": ".m4a"}
    return special.get(mime) or mimetypes.guess_extension(mime) or ".bin"


def _filename(name: str | None, mime: str, *, converted: bool) -> str:
    extension = _extension(mime)
    if not name:
        return f"attachment{extension}"
    stem = name.rsplit("/", 1)[-1]
    if converted and "." in stem:
        stem = stem.rsplit(".", 1)[0]
        return stem + extension
    return stem if "." in stem else stem + extension


def prepare_media(
    data: bytes,
    *,
    declared_mime: str | None,
    filename: str | None,
    convert_images: bool,
    what: str,
    max_pixels: int = DEFAULT_MAX_CONVERTED_PIXELS,
) -> PreparedMedia:
    """Check (and if needed convert) bytes for the Files API.

    Args:
        data: The content.
        declared_mime: MIME type from the block or HTTP response (may be None or generic).
        filename: Name from the block, URL or path.
        convert_images: Convert images in unsupported formats to PNG with Pillow.
        what: Where the bytes came from, for error messages.
        max_pixels: Largest canvas (width × height) decoded for conversion.

    Raises:
        GigaChatInvalidInputError: Empty content, a format the API rejects, an image to convert
            over ``max_pixels``, or a file over the per-kind size limit.
    """
    if not data:
        msg = f"The attachment from {what} is empty."
        raise GigaChatInvalidInputError(msg)
    mime = choose_mime(declared_mime, data, filename)
    converted_from: str | None = None
    kind = file_kind(mime)
    if kind is None and mime.startswith("image/") and convert_images:
        converted = convert_image_to_png(data, mime, max_pixels=max_pixels)
        data, converted_from, mime = converted, mime, "image/png"
        kind = "image"
    if kind is None:
        hint = " (or enable convert_unsupported_images)" if mime.startswith("image/") else ""
        msg = (
            f"GigaChat does not accept {mime} files (attachment from {what}){hint}. "
            f"Allowed formats — {allowed_formats_text()}."
        )
        raise GigaChatInvalidInputError(msg)
    limit = MAX_FILE_BYTES[kind]
    if len(data) > limit:
        msg = (
            f"The {kind} from {what} is {len(data):,} bytes; GigaChat accepts {kind} files up "
            f"to {limit:,} bytes. Send a smaller or compressed file."
        )
        raise GigaChatInvalidInputError(msg)
    name = _filename(filename, mime, converted=converted_from is not None)
    return PreparedMedia(data, mime, kind, name, converted_from)
