"""Comparing the emulator's answers with recorded ones: same keys and JSON types, any values."""

from __future__ import annotations

from typing import Any


def header(headers: dict[str, list[str]], name: str) -> str | None:
    """First value of a header in a cassette's header map (names compared case-insensitively)."""
    for key, values in headers.items():
        if key.lower() == name.lower():
            return values[0]
    return None


def shape(value: Any) -> Any:
    """Keys and value types, recursively; a list becomes the list of its element shapes."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "null" if value is None else type(value).__name__


def assert_same_shape(
    ours: Any, recorded: Any, where: str = "$", *, positional: bool = False
) -> None:
    """Same keys and types as the recording.

    A recorded array with elements needs a non-empty array whose every element has the shape of
    the first recorded one; with ``positional`` an array of several recorded elements (v2 content
    parts, whose kinds differ) is compared element by element instead. A recorded empty array
    says nothing about its elements, so any array matches it. An integral number matches a
    recorded float (both are JSON numbers).
    """
    if isinstance(recorded, dict):
        assert isinstance(ours, dict), f"{where}: expected object, got {ours!r}"
        assert set(ours) == set(recorded), f"{where}: keys {sorted(ours)} != {sorted(recorded)}"
        for key in recorded:
            assert_same_shape(ours[key], recorded[key], f"{where}.{key}", positional=positional)
    elif isinstance(recorded, list):
        assert isinstance(ours, list), f"{where}: expected array, got {ours!r}"
        if positional and len(recorded) > 1:
            assert len(ours) == len(recorded), f"{where}: {len(ours)} items != {len(recorded)}"
            for index, (mine, theirs) in enumerate(zip(ours, recorded, strict=True)):
                assert_same_shape(mine, theirs, f"{where}[{index}]", positional=positional)
        elif recorded:
            assert ours, f"{where}: empty array where the recording has elements"
            for index, item in enumerate(ours):
                assert_same_shape(item, recorded[0], f"{where}[{index}]", positional=positional)
    elif recorded == "float":
        assert ours in {"float", "int"}, f"{where}: expected number, got {ours}"
    else:
        assert ours == recorded, f"{where}: {ours} != {recorded}"
