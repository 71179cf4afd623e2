"""Deterministic bag-of-stems embeddings (hashing trick), fast enough for big batches.

A text's vector is the normalised sum of signed, hashed features of its words (the stem plus
character trigrams), so texts sharing words have a high cosine similarity. Vectors are sparse
(a few dozen non-zero entries out of 1024): a whole request is summed and normalised at once
with numpy on the non-zero entries only, and :func:`embeddings_json` writes the JSON arrays
from runs of zeros instead of formatting 1024 floats per text. Values are rounded to float16
like the real API's (PROTOCOL §6.4 "values look fp16-rounded", REC ``test_embeddings_*``), so
a vector's length is 1 within ~1e-3.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from langchain_gigachat_ext.emulator.brain.lang import WORD_RE, stem

_STEM_WEIGHT = 1.0
"""Weight of a word's stem: texts sharing words get a high cosine similarity."""
_TRIGRAM_WEIGHT = 0.2
"""Weight of each character trigram: near-miss spellings still share a little."""
_EMPTY_FEATURE = "\x00empty"

_Terms = tuple[tuple[int, ...], tuple[float, ...]]
"""Vector indices and the signed weights added there."""


def _hash64(feature: str) -> int:
    return int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")


def _word_features(word: str) -> list[tuple[int, float]]:
    """Hashed features of one lower-cased word: its stem plus its character trigrams."""
    features = [(_hash64("s:" + stem(word)), _STEM_WEIGHT)]
    padded = f"<{word.replace('ё', 'е')}>"
    features.extend(
        (_hash64("t:" + padded[i : i + 3]), _TRIGRAM_WEIGHT) for i in range(len(padded) - 2)
    )
    return features


def _place(features: list[tuple[int, float]], dimensions: int) -> _Terms:
    """Fold hashed features into vector positions with a hash-chosen sign (the hashing trick)."""
    indices = tuple(hashed % dimensions for hashed, _ in features)
    weights = tuple(weight if (hashed >> 63) & 1 else -weight for hashed, weight in features)
    return indices, weights


@lru_cache(maxsize=131_072)
def _word_terms(word: str, dimensions: int) -> _Terms:
    """What one lower-cased word adds to a ``dimensions``-long vector (cached per word)."""
    return _place(_word_features(word), dimensions)


def _text_terms(text: str, dimensions: int) -> _Terms:
    words = WORD_RE.findall(text.lower())
    if not words:  # punctuation or empty: a feature of the text itself
        return _place([(_hash64(_EMPTY_FEATURE + text.strip()), 1.0)], dimensions)
    if len(words) == 1:
        return _word_terms(words[0], dimensions)
    indices: list[int] = []
    weights: list[float] = []
    for word in words:
        word_indices, word_weights = _word_terms(word, dimensions)
        indices.extend(word_indices)
        weights.extend(word_weights)
    return tuple(indices), tuple(weights)


@dataclass(frozen=True)
class SparseBatch:
    """Non-zero entries of a batch of vectors, row by row, columns ascending within a row."""

    dimensions: int
    """Vector length."""
    rows: npt.NDArray[np.int64]
    """Text index of each entry."""
    cols: npt.NDArray[np.int64]
    """Vector position of each entry."""
    values: npt.NDArray[np.float16]
    """The entry (never zero); every row's entries have a sum of squares of 1 ± 1e-3."""


def sparse_batch(texts: Sequence[str], dimensions: int) -> SparseBatch:
    """The unit vectors of ``texts``, float16-rounded, as their non-zero entries.

    Each text's vector depends on that text alone (its entries are summed in the same order
    whatever else is in the batch), so batching never changes a vector.

    Args:
        texts: Texts to embed (any language; case and ``ё``/``е`` are normalized).
        dimensions: Vector length (positive).

    Returns:
        The entries, with at least one per text.
    """
    indices: list[int] = []
    weights: list[float] = []
    counts: list[int] = []
    for text in texts:
        text_indices, text_weights = _text_terms(text, dimensions)
        indices.extend(text_indices)
        weights.extend(text_weights)
        counts.append(len(text_indices))
    row_starts = np.arange(len(texts), dtype=np.int64) * dimensions
    flat = np.asarray(indices, dtype=np.int64) + np.repeat(row_starts, counts)
    positions, slots = np.unique(flat, return_inverse=True)
    sums = np.bincount(slots, weights=weights, minlength=len(positions))
    rows = positions // dimensions
    norms = np.sqrt(np.bincount(rows, weights=sums * sums, minlength=len(texts)))
    norms[norms == 0.0] = 1.0  # every feature cancelled out: the row gets the fallback below
    values = (sums / norms[rows]).astype(np.float16)
    keep = values != 0
    positions, values = positions[keep], values[keep]
    present = np.zeros(len(texts), dtype=bool)
    present[rows[keep]] = True
    if not present.all():
        missing = np.flatnonzero(~present)
        fallback = missing * dimensions + _hash64(_EMPTY_FEATURE) % dimensions
        positions = np.concatenate([positions, fallback])
        values = np.concatenate([values, np.ones(len(missing), dtype=np.float16)])
        order = np.argsort(positions, kind="stable")
        positions, values = positions[order], values[order]
    rows = positions // dimensions
    return SparseBatch(dimensions, rows, positions - rows * dimensions, values)


def embed(text: str, dimensions: int) -> list[float]:
    """Unit vector of ``dimensions`` floats whose cosine similarity reflects shared words.

    Args:
        text: Text to embed (any language; case and ``ё``/``е`` are normalized).
        dimensions: Vector length (positive).

    Returns:
        A deterministic vector of length 1 (within float16 rounding).
    """
    batch = sparse_batch([text], dimensions)
    vector = [0.0] * dimensions
    for col, value in zip(
        batch.cols.tolist(), batch.values.astype(np.float64).tolist(), strict=True
    ):
        vector[col] = value
    return vector


@lru_cache(maxsize=1)
def _float16_texts() -> tuple[str, ...]:
    """``repr`` of every float16 value as a float, indexed by its 16 bits (built once, ~20 ms)."""
    every = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float64)
    return tuple(map(repr, every.tolist()))


def embeddings_json(texts: Sequence[str], dimensions: int) -> list[str]:
    """``json.dumps(embed(text, dimensions))`` (compact) for each text, written from zero runs.

    Args:
        texts: Texts to embed.
        dimensions: Vector length (positive).

    Returns:
        One JSON array text per input, e.g. ``[0.0,-0.2357177734375,0.0,...]``.
    """
    batch = sparse_batch(texts, dimensions)
    cols, rows = batch.cols, batch.rows
    starts_row = np.ones(len(cols), dtype=bool)
    starts_row[1:] = rows[1:] != rows[:-1]
    # Zeros between an entry and the previous one of its row (or the row start).
    gaps = cols.copy()
    gaps[1:] -= np.where(starts_row[1:], 0, cols[:-1] + 1)
    texts_of = _float16_texts()
    entries = [
        "0.0," * gap + texts_of[bits]
        for gap, bits in zip(gaps.tolist(), batch.values.view(np.uint16).tolist(), strict=True)
    ]
    bounds = [*np.flatnonzero(starts_row).tolist(), len(cols)]
    return [
        "[" + ",".join(entries[start:end]) + ",0.0" * (dimensions - 1 - last_col) + "]"
        for start, end, last_col in zip(
            bounds[:-1], bounds[1:], cols[np.array(bounds[1:]) - 1].tolist(), strict=True
        )
    ]
