"""The Files API store: MIME resolution and upload, read, delete."""

from __future__ import annotations

import json

import pytest

from langchain_gigachat_ext.emulator.server.errors import ApiError
from langchain_gigachat_ext.emulator.server.files import FileStore, resolve_mime
from langchain_gigachat_ext.emulator.server.protocol import dumps


@pytest.mark.parametrize(
    ("filename", "declared", "expected"),
    [
        ("a.png", "image/png", "image/png"),
        ("a.jpg", "application/octet-stream", "image/jpeg"),
        ("v.opus", None, "audio/opus"),
    ],
)
def test_resolve_mime(filename: str, declared: str | None, expected: str) -> None:
    assert resolve_mime(filename, declared) == expected


def test_file_store_round_trip() -> None:
    store = FileStore()
    stored = store.add("a.txt", "text/plain", b"hello", "general")
    assert json.loads(dumps(stored.card()))["bytes"] == 5
    assert store.lookup(stored.id) == ("document", 5)
    store.delete(stored.id)
    with pytest.raises(ApiError):
        store.get(stored.id)
