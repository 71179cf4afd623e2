"""Request rules both versions share: a broken JSON body gets the recorded 400."""

from __future__ import annotations

import pytest

from langchain_gigachat_ext.emulator.api.rules import parse_json
from langchain_gigachat_ext.emulator.server.errors import ApiError


def test_parse_json_rejects_garbage() -> None:
    with pytest.raises(ApiError) as info:
        parse_json(b"{")
    assert (info.value.status, info.value.message) == (
        400,
        "Your request contains invalid JSON syntax.",
    )
