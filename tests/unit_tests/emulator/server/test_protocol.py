"""Shared wire shapes: compact JSON, SSE framing, versioned model names."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gigachat_ext.emulator.server.protocol import chat_model_version, dumps, sse_event


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"a": 1, "b": [1, 2]}, b'{"a":1,"b":[1,2]}'),
        ({"t": "Привет"}, '{"t":"Привет"}'.encode()),
    ],
)
def test_dumps_is_compact_utf8(payload: Any, expected: bytes) -> None:
    assert dumps(payload) == expected


def test_sse_event_framing() -> None:
    assert sse_event({"a": 1}) == b'data: {"a":1}\n\n'


@pytest.mark.parametrize(
    ("model", "version"),
    [
        ("GigaChat", "GigaChat:2.0.28.2"),
        ("GigaChat-3-Ultra", "GigaChat-3-Ultra:32.3.18.5"),
        ("Other", "Other:2.0.28.2"),
    ],
)
def test_chat_model_version(model: str, version: str) -> None:
    assert chat_model_version(model) == version
