"""InputSizer: which inputs get counted and how each over-limit policy resolves them."""

from __future__ import annotations

import pytest

from langchain_gigachat_ext.embeddings.inputs import (
    MAX_ROUNDS,
    GigaChatInputTooLongError,
    InputSizer,
)


def words(n: int) -> str:
    return " ".join(f"w{i:03d}" for i in range(n))


def drive(sizer: InputSizer, count: object = lambda text: len(text.split())) -> int:
    rounds = 0
    while pending := sizer.pending_texts():
        rounds += 1
        assert rounds <= MAX_ROUNDS + 2, "sizing must terminate"
        sizer.record([count(text) for text in pending])  # type: ignore[operator]
    return rounds


def test_short_inputs_are_never_counted() -> None:
    sizer = InputSizer(["a", "bb", ""], limit=20)
    assert sizer.pending_texts() == []
    assert [(p.owner, p.text, p.tokens) for p in sizer.pieces()] == [
        (0, "a", 6),
        (1, "bb", 7),
        (2, "", 5),
    ]


def test_long_by_bytes_but_fitting_by_count_is_kept_whole() -> None:
    text = words(10)  # 49 bytes, 10 counted tokens
    sizer = InputSizer([text], limit=20)
    assert sizer.pending_texts() == [text]
    drive(sizer)
    assert [(p.text, p.tokens) for p in sizer.pieces()] == [(text, 15)]


def test_error_names_index_and_excess() -> None:
    sizer = InputSizer(["ok", words(30), words(40)], limit=20, model="Embeddings")
    with pytest.raises(GigaChatInputTooLongError) as caught:
        drive(sizer)
    error = caught.value
    assert (error.index, error.tokens, error.limit, error.excess) == (1, 35, 20, 15)
    assert "Input 1 is 35 tokens, 15 over the 20-token" in str(error)
    assert "Inputs 2" in str(error)
    assert isinstance(error, ValueError)


@pytest.mark.parametrize("length", [16, 40, 300])
def test_truncate_keeps_a_fitting_prefix(length: int) -> None:
    text = words(length)
    sizer = InputSizer([text], limit=20, policy="truncate")
    drive(sizer)
    (piece,) = sizer.pieces()
    assert text.startswith(piece.text)
    assert 0 < len(piece.text.split()) + 5 <= 20
    assert piece.tokens <= 20
    assert sizer.truncated == [0]


def test_truncate_falls_back_to_a_byte_cut_when_counts_do_not_converge() -> None:
    text = words(100)
    sizer = InputSizer([text], limit=20, policy="truncate")
    drive(sizer, count=lambda _text: 1000)  # a pathological tokenizer
    (piece,) = sizer.pieces()
    assert text.startswith(piece.text)
    assert len(piece.text.encode()) <= 15


@pytest.mark.parametrize("length", [16, 40, 301])
def test_split_covers_the_whole_text_in_fitting_pieces(length: int) -> None:
    text = words(length)
    sizer = InputSizer(["x", text], limit=20, policy="split_and_average")
    drive(sizer)
    pieces = [p for p in sizer.pieces() if p.owner == 1]
    assert len(pieces) >= 2
    assert " ".join(p.text for p in pieces).split() == text.split()
    assert all(len(p.text.split()) + 5 <= 20 for p in pieces)
    assert sizer.split == [1]


def test_record_rejects_a_wrong_number_of_counts() -> None:
    sizer = InputSizer([words(30)], limit=20)
    with pytest.raises(ValueError, match="expected 1 token counts"):
        sizer.record([1, 2])


def test_limit_must_leave_room_for_text() -> None:
    with pytest.raises(ValueError, match="no room"):
        InputSizer(["a"], limit=5)
