"""In-memory Files API store (PROTOCOL.md §6.6)."""

from __future__ import annotations

import mimetypes
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Final

from langchain_gigachat_ext._catalog import MAX_FILE_BYTES, file_kind
from langchain_gigachat_ext.emulator.server.errors import ApiError

PURPOSES: Final = frozenset({"general", "assistant"})
"""Accepted ``purpose`` values (SDK ``upload_file``)."""

_EXTRA_TYPES: Final = {".weba": "audio/webm", ".opus": "audio/opus", ".m4a": "audio/x-m4a"}


@dataclass(frozen=True)
class StoredFile:
    """One uploaded file."""

    id: str
    """UUID the API returns."""
    filename: str
    """Name given at upload."""
    purpose: str
    """``general`` or ``assistant``."""
    mime_type: str
    """Content type used to classify the file."""
    kind: str
    """``image``, ``audio`` or ``document``."""
    content: bytes
    """The bytes."""
    created_at: int
    """Upload time, Unix seconds."""

    def card(self) -> dict[str, Any]:
        """The wire description (field order of the JS SDK notebook output, 3P)."""
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.content),
            "access_policy": "private",
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
        }


def resolve_mime(filename: str, declared: str | None) -> str:
    """The declared part type, or a guess from the file name for generic types."""
    declared = (declared or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream":
        return declared
    suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
    return _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(filename)[0] or declared


class FileStore:
    """Uploaded files by id; thread-safe."""

    def __init__(self) -> None:
        """Create an empty store."""
        self._files: dict[str, StoredFile] = {}
        self._lock = threading.Lock()

    def add(
        self, filename: str, declared_type: str | None, content: bytes, purpose: str
    ) -> StoredFile:
        """Validate and store an upload.

        Raises:
            ApiError: 422 bad purpose, 415 unsupported format, 413 over the size limit
                (all three statuses inferred; formats and limits DOC post-file).
        """
        if purpose not in PURPOSES:
            raise ApiError(422, f"Invalid params: purpose must be one of {sorted(PURPOSES)}")
        mime_type = resolve_mime(filename, declared_type)
        kind = file_kind(mime_type)
        if kind is None:
            raise ApiError(415, f"Unsupported file format: {mime_type or 'unknown'}")
        if len(content) > MAX_FILE_BYTES[kind]:
            raise ApiError(413, f"File is too large for {kind}: {len(content)} bytes")
        stored = StoredFile(
            id=str(uuid.uuid4()),
            filename=filename,
            purpose=purpose,
            mime_type=mime_type,
            kind=kind,
            content=content,
            created_at=int(time.time()),
        )
        with self._lock:
            self._files[stored.id] = stored
        return stored

    def get(self, file_id: str) -> StoredFile:
        """The file with ``file_id``.

        Raises:
            ApiError: 404 for an unknown id (inferred text).
        """
        stored = self._files.get(file_id)
        if stored is None:
            raise ApiError(404, "No such file")
        return stored

    def lookup(self, file_id: str) -> tuple[str, int] | None:
        """``(kind, size)`` of a file, or None; used by chat attachment checks."""
        stored = self._files.get(file_id)
        return (stored.kind, len(stored.content)) if stored else None

    def delete(self, file_id: str) -> StoredFile:
        """Remove and return a file.

        Raises:
            ApiError: 404 for an unknown id.
        """
        with self._lock:
            stored = self._files.pop(file_id, None)
        if stored is None:
            raise ApiError(404, "No such file")
        return stored

    def all(self) -> list[StoredFile]:
        """Every stored file, oldest first."""
        return list(self._files.values())

    def clear(self) -> None:
        """Forget every file."""
        with self._lock:
            self._files.clear()
