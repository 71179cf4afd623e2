"""Deterministic bag-of-stems embeddings (hashing trick), fast enough for big batches."""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache

from langchain_gigachat_ext.emulator._brain_lang import WORD_RE, stem

_STEM_WEIGHT = 1.0
"""Weight of a word's stem: texts sharing words get a high cosine similarity."""
_TRIGRAM_WEIGHT = 0.2
"""Weight of each character trigram: near-miss spellings still share a little."""
_EMPTY_FEATURE = "\x00empty"


def _hash64(feature: str) -> int:
    return int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")


@lru_cache(maxsize=262_144)
def _word_features(word: str) -> tuple[tuple[int, float], ...]:
    """Hashed features of one lower-cased word: its stem plus its character trigrams."""
    stemmed = stem(word)
    features = [(_hash64("s:" + stemmed), _STEM_WEIGHT)]
    padded = f"<{word.replace('ё', 'е')}>"
    features.extend(
        (_hash64("t:" + padded[i : i + 3]), _TRIGRAM_WEIGHT) for i in range(len(padded) - 2)
    )
    return tuple(features)


def embed(text: str, dimensions: int) -> list[float]:
    """Unit vector of ``dimensions`` floats whose cosine similarity reflects shared words.

    Args:
        text: Text to embed (any language; case and ``ё``/``е`` are normalized).
        dimensions: Vector length (positive).

    Returns:
        A deterministic unit-length vector.
    """
    sparse: dict[int, float] = {}
    tokens = WORD_RE.findall(text.lower())
    features = [feature for token in tokens for feature in _word_features(token)]
    if not features:
        features = [(_hash64(_EMPTY_FEATURE + text.strip()), 1.0)]
    for hashed, weight in features:
        index = hashed % dimensions
        sign = 1.0 if (hashed >> 63) & 1 else -1.0
        sparse[index] = sparse.get(index, 0.0) + sign * weight
    norm = math.sqrt(sum(value * value for value in sparse.values()))
    vector = [0.0] * dimensions
    if norm == 0.0:  # every feature cancelled out in a hash collision
        vector[_hash64(_EMPTY_FEATURE) % dimensions] = 1.0
        return vector
    for index, value in sparse.items():
        vector[index] = value / norm
    return vector
