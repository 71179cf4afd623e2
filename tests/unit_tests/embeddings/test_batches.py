"""Pure helpers of the embeddings client (table-driven)."""

from __future__ import annotations

import math

import pytest

from langchain_gigachat_ext.embeddings.batches import (
    chunked,
    cut_at_boundary,
    cut_to_bytes,
    plan_batches,
    split_by_bytes,
    split_even,
    utf8_token_bound,
    weighted_mean,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", 0), ("abc", 3), ("привет", 12), ("日本", 6), ("a😀", 5)],
)
def test_utf8_token_bound(text: str, expected: int) -> None:
    assert utf8_token_bound(text) == expected


@pytest.mark.parametrize(
    ("sizes", "max_items", "max_tokens", "expected"),
    [
        ([], 3, None, []),
        ([1] * 7, 3, None, [[0, 1, 2], [3, 4, 5], [6]]),
        ([1] * 3, 100, None, [[0, 1, 2]]),
        ([5, 5, 5, 5], 100, 10, [[0, 1], [2, 3]]),
        ([5, 5, 5, 5], 100, 14, [[0, 1], [2, 3]]),
        ([5, 20, 5], 100, 10, [[0], [1], [2]]),
        ([2, 2, 2, 2, 2], 2, 100, [[0, 1], [2, 3], [4]]),
        ([4, 4, 4], 2, 8, [[0, 1], [2]]),
    ],
)
def test_plan_batches(
    sizes: list[int], max_items: int, max_tokens: int | None, expected: list[list[int]]
) -> None:
    assert plan_batches(sizes, max_items=max_items, max_tokens=max_tokens) == expected


def test_plan_batches_rejects_zero_items() -> None:
    with pytest.raises(ValueError, match="max_items"):
        plan_batches([1], max_items=0)


@pytest.mark.parametrize(
    ("items", "size", "expected"),
    [([], 2, []), (["a", "b", "c"], 2, [["a", "b"], ["c"]]), (["a"], 5, [["a"]])],
)
def test_chunked(items: list[str], size: int, expected: list[list[str]]) -> None:
    assert chunked(items, size) == expected


@pytest.mark.parametrize(
    ("text", "max_chars", "expected"),
    [
        ("short", 10, "short"),
        ("one two three four", 9, "one two"),
        ("one two three four", 13, "one two three"),
        ("abcdefghij", 4, "abcd"),
        ("abc", 0, "a"),
    ],
)
def test_cut_at_boundary(text: str, max_chars: int, expected: str) -> None:
    assert cut_at_boundary(text, max_chars) == expected


@pytest.mark.parametrize(
    ("text", "max_bytes", "expected"),
    [("abc", 5, "abc"), ("абв", 5, "аб"), ("абв", 1, ""), ("a😀b", 4, "a")],
)
def test_cut_to_bytes(text: str, max_bytes: int, expected: str) -> None:
    assert cut_to_bytes(text, max_bytes) == expected


@pytest.mark.parametrize(
    ("text", "parts"),
    [("a b c d e f g h", 2), ("a b c d e f g h", 3), ("word " * 50, 7), ("single", 3)],
)
def test_split_even_keeps_every_character_in_order(text: str, parts: int) -> None:
    pieces = split_even(text, parts)
    assert "".join("".join(pieces).split()) == "".join(text.split())
    assert all(pieces)
    assert len(pieces) <= max(parts, 1) + 1


@pytest.mark.parametrize(("text", "max_bytes"), [("привет мир " * 20, 17), ("x" * 10, 4)])
def test_split_by_bytes_fits_and_keeps_text(text: str, max_bytes: int) -> None:
    pieces = split_by_bytes(text, max_bytes)
    assert "".join(pieces) == text
    assert all(len(piece.encode()) <= max_bytes for piece in pieces)


@pytest.mark.parametrize(
    ("vectors", "weights", "expected"),
    [
        ([[1.0, 0.0], [0.0, 1.0]], [1, 1], [1 / math.sqrt(2), 1 / math.sqrt(2)]),
        ([[2.0, 0.0], [0.0, 2.0]], [3, 1], [0.9486832980505138, 0.31622776601683794]),
        ([[1.0, 0.0], [-1.0, 0.0]], [1, 1], [0.0, 0.0]),
    ],
)
def test_weighted_mean(
    vectors: list[list[float]], weights: list[int], expected: list[float]
) -> None:
    assert weighted_mean(vectors, weights) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("vectors", "weights"), [([], []), ([[1.0]], [1, 2]), ([[1.0], [1.0, 2.0]], [1, 1])]
)
def test_weighted_mean_rejects_bad_input(vectors: list[list[float]], weights: list[int]) -> None:
    with pytest.raises(ValueError, match="weighted_mean"):
        weighted_mean(vectors, weights)
