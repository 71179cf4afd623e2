"""Uploads the Files API refuses: an unsupported type (415) and an oversized file (413)."""

from __future__ import annotations

import httpx
import pytest


def test_unsupported_upload(http: httpx.Client) -> None:
    response = http.post("/files", files={"file": ("a.exe", b"MZ", "application/x-msdownload")})
    assert response.status_code == 415
    assert set(response.json()) == {"status", "message"}


def test_oversized_upload(http: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        __import__("langchain_gigachat_ext.emulator.server.files", fromlist=["x"]).MAX_FILE_BYTES,
        "image",
        4,
    )
    response = http.post("/files", files={"file": ("a.png", b"12345", "image/png")})
    assert response.status_code == 413
