"""The emulator's /embeddings answer: bounded caches and the piecewise body (no sockets)."""

from __future__ import annotations

import json

import pytest

from langchain_gigachat_ext.emulator.api.v1 import embeddings as handler
from langchain_gigachat_ext.emulator.api.v1.embeddings import (
    PIECE_BYTES,
    LruCache,
    body_pieces,
    cached_count,
    cached_vectors,
    token_counter,
    vectors_writer,
)
from langchain_gigachat_ext.emulator.brain.core import Brain
from langchain_gigachat_ext.emulator.brain.tokens import count_tokens
from langchain_gigachat_ext.emulator.brain.vectors import embeddings_json
from langchain_gigachat_ext.emulator.server.protocol import dumps


@pytest.mark.parametrize(
    ("puts", "max_size", "kept"),
    [
        ([("a", 3), ("b", 3)], 6, ["a", "b"]),
        ([("a", 3), ("b", 3), ("c", 3)], 6, ["b", "c"]),  # the oldest goes first
        ([("a", 3), ("b", 3), ("a", 3), ("c", 3)], 6, ["a", "c"]),  # a re-put is recent
        ([("a", 7)], 6, []),  # larger than the whole cache: not stored
        ([("a", 2), ("b", 2), ("c", 5)], 6, ["c"]),
        ([("a", 5), ("a", 1), ("b", 5)], 6, ["a", "b"]),  # a's old size is released
    ],
)
def test_lru_cache_stays_within_its_size(
    puts: list[tuple[str, int]], max_size: int, kept: list[str]
) -> None:
    cache: LruCache[str, str] = LruCache(max_size)
    for key, size in puts:
        cache.put(key, key.upper(), size)
    assert [key for key in "abc" if cache.get(key) is not None] == kept
    assert len(cache) == len(kept)


def test_lru_cache_get_makes_an_entry_recent() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1, 1)
    cache.put("b", 2, 1)
    assert cache.get("a") == 1
    cache.put("c", 3, 1)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    cache.clear()
    assert len(cache) == 0


def test_cached_vectors_and_counts_equal_the_uncached_ones() -> None:
    handler.VECTORS.clear()
    handler.TOKEN_COUNTS.clear()
    texts = ["карта", "card", "карта", "", "!!!"]
    expected = embeddings_json(texts, 1024)
    assert cached_vectors(texts, 1024) == expected  # cold, with a repeated text
    assert len(handler.VECTORS) == 4
    assert cached_vectors(texts, 1024) == expected  # warm
    assert cached_vectors(texts, 8) == embeddings_json(texts, 8)  # dimensions are in the key
    assert [cached_count(text) for text in texts] == [count_tokens(text) for text in texts]
    assert len(handler.TOKEN_COUNTS) == 4


class _OwnVectors(Brain):
    def embed(self, text: str, dimensions: int) -> list[float]:
        return [float(len(text))] * dimensions

    def count_tokens(self, text: str) -> int:
        return 42


def test_a_brain_with_its_own_vectors_and_counts_bypasses_the_caches() -> None:
    assert vectors_writer(Brain()) is cached_vectors
    assert token_counter(Brain()) is cached_count
    brain = _OwnVectors()
    assert vectors_writer(brain)(["ab"], 3) == ["[2.0,2.0,2.0]"]
    assert token_counter(brain)("anything") == 42


@pytest.mark.parametrize("count", [0, 1, 3, 40])
def test_body_pieces_join_to_the_compact_json_and_stay_small(count: int) -> None:
    texts = [f"документ номер {i}" for i in range(count)]
    vectors = embeddings_json(texts, 1024) if texts else []
    items = list(zip(vectors, range(count), strict=True))
    pieces = list(body_pieces("Embeddings", items))
    payload = {
        "object": "list",
        "model": "Embeddings",
        "data": [
            {
                "object": "embedding",
                "index": i,
                "embedding": json.loads(v),
                "usage": {"prompt_tokens": t},
            }
            for i, (v, t) in enumerate(items)
        ],
    }
    assert b"".join(pieces) == dumps(payload)
    assert all(len(piece) < PIECE_BYTES + 16 * 1024 for piece in pieces)  # + one item at most
    assert len(pieces) >= len(b"".join(pieces)) // (PIECE_BYTES + 16 * 1024)
    if count == 40:  # ~190 KB: several pieces
        assert len(pieces) >= 3
