"""Embeddings: deterministic unit vectors whose similarity reflects shared words."""

from __future__ import annotations

import json
import math
import struct

import pytest

from langchain_gigachat_ext.emulator.brain.core import Brain
from langchain_gigachat_ext.emulator.brain.vectors import embeddings_json


def _cosine(left: list[float], right: list[float]) -> float:
    return sum(a * b for a, b in zip(left, right, strict=True))


TEXTS = [
    "Hello, world!",
    "",
    "  ",
    "!!!",
    "Карта заблокирована",
    "你好啊集团",
    "a a a",
    "Ёлка ёлка",
]


@pytest.mark.parametrize("dimensions", [1, 2, 8, 1024, 2560])
@pytest.mark.parametrize("text", TEXTS)
def test_unit_length_float16_values_and_deterministic(text: str, dimensions: int) -> None:
    vector = Brain().embed(text, dimensions)
    assert len(vector) == dimensions
    # float16-rounded values (PROTOCOL §6.4), so the length is 1 only within the rounding.
    assert math.isclose(math.sqrt(sum(v * v for v in vector)), 1.0, abs_tol=1e-3)
    assert all(struct.unpack("<e", struct.pack("<e", v))[0] == v for v in vector)
    assert vector == Brain().embed(text, dimensions)


@pytest.mark.parametrize("dimensions", [1, 8, 1024, 2560])
def test_wire_json_is_json_dumps_of_the_vector(dimensions: int) -> None:
    written = embeddings_json(TEXTS, dimensions)
    assert written == [
        json.dumps(Brain().embed(text, dimensions), separators=(",", ":")) for text in TEXTS
    ]


@pytest.mark.parametrize(("start", "stop"), [(0, 1), (2, 5), (4, 8), (7, 8)])
def test_a_vector_does_not_depend_on_its_batch(start: int, stop: int) -> None:
    assert embeddings_json(TEXTS[start:stop], 1024) == embeddings_json(TEXTS, 1024)[start:stop]


# query, the document that must rank first, the unrelated document
RANKING_TABLE = [
    (
        "How do I block my card?",
        "To block a card, open the app and tap Block.",
        "Our office opens at 9 am.",
    ),
    (
        "Как заблокировать карту?",
        "Чтобы заблокировать карты, откройте приложение.",
        "Офис открывается в 9 утра.",
    ),
    ("курс доллара", "Курс доллара к рублю растёт.", "Погода в Москве солнечная."),
    (
        "vacation policy",
        "The vacation policy gives 28 days per year.",
        "Laptops are on sale this week.",
    ),
]


@pytest.mark.parametrize(("query", "related", "unrelated"), RANKING_TABLE)
def test_query_ranks_the_document_sharing_words_first(
    query: str, related: str, unrelated: str
) -> None:
    brain = Brain()
    query_vector = brain.embed(query, 1024)
    assert (
        _cosine(query_vector, brain.embed(related, 1024))
        > _cosine(query_vector, brain.embed(unrelated, 1024)) + 0.2
    )


def test_inflected_russian_forms_are_similar() -> None:
    brain = Brain()
    assert _cosine(brain.embed("карта", 1024), brain.embed("карту", 1024)) > 0.5


def test_identical_texts_have_similarity_one_and_case_is_ignored() -> None:
    brain = Brain()
    upper, lower = brain.embed("Same Text", 256), brain.embed("same text", 256)
    assert upper == lower
    assert math.isclose(_cosine(upper, lower), 1.0, abs_tol=1e-3)  # float16 values


def test_large_batch_is_consistent() -> None:
    # Throughput guard without timing: 10,000 short texts through the cached path.
    brain = Brain()
    vectors = [brain.embed(f"document {i} about topic {i % 37}", 1024) for i in range(10_000)]
    assert len(vectors) == 10_000
    assert vectors[37] != vectors[0]
    assert _cosine(vectors[0], vectors[37]) > _cosine(vectors[0], vectors[1])
