"""The chat answer both versions share: text split into stream deltas."""

from __future__ import annotations

import pytest

from langchain_gigachat_ext.emulator.api.answer import split_text


@pytest.mark.parametrize(
    "text", ["", "one", "one two three four five six", "  lead and trail  ", "a\nb\n\nc"]
)
def test_split_text_round_trips(text: str) -> None:
    assert "".join(split_text(text)) == text
