"""Pure helpers of the embeddings client: token bounds, text cutting, batch plans, averaging.

Nothing here performs I/O, so every function is table-testable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EMBEDDING_SPECIAL_TOKENS = 5
"""Tokens ``/embeddings`` bills on top of what ``/tokens/count`` reports for the same text.

REC ``test_embeddings_*`` vs ``test_tokens_count_*``: "Hello, world!" is 9 vs 4 and "First text"
7 vs 2 (PROTOCOL §6.4), i.e. a constant 5 (special tokens of the embedder).
"""


def utf8_token_bound(text: str) -> int:
    """An upper bound of the tokens in ``text``: its UTF-8 byte length.

    GigaChat's tokenizer is a byte-fallback BPE (inferred from the open-weights models): every
    token covers at least one byte, so a text never has more tokens than bytes. Texts under the
    limit by this bound need no ``/tokens/count`` call.

    Args:
        text: Any text.

    Returns:
        The number of UTF-8 bytes (0 for an empty string).
    """
    return len(text.encode("utf-8"))


def plan_batches(
    sizes: Sequence[int], *, max_items: int, max_tokens: int | None = None
) -> list[list[int]]:
    """Group item indices into consecutive batches under an item cap and a token budget.

    Items keep their order; an item larger than ``max_tokens`` on its own gets a batch of its own
    (the per-item limit is enforced earlier, the budget only bounds a request's total).

    Args:
        sizes: Token size of each item (an upper bound or a counted value).
        max_items: Most items per batch (>= 1).
        max_tokens: Most tokens per batch, or None for no budget.

    Returns:
        Lists of item indices, in order, covering every item exactly once.
    """
    if max_items < 1:
        msg = f"max_items must be >= 1, got {max_items}"
        raise ValueError(msg)
    batches: list[list[int]] = []
    current: list[int] = []
    current_tokens = 0
    for index, size in enumerate(sizes):
        over_count = len(current) >= max_items
        over_budget = max_tokens is not None and current_tokens + size > max_tokens
        if current and (over_count or over_budget):
            batches.append(current)
            current, current_tokens = [], 0
        current.append(index)
        current_tokens += size
    if current:
        batches.append(current)
    return batches


def chunked(items: Sequence[str], size: int) -> list[list[str]]:
    """Split ``items`` into consecutive lists of at most ``size`` elements."""
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def cut_at_boundary(text: str, max_chars: int) -> str:
    """The longest prefix of at most ``max_chars`` characters that ends at whitespace.

    Falls back to a hard cut when the second half of the window holds no whitespace (one very
    long word), so the result is never much shorter than asked.

    Args:
        text: Text to cut.
        max_chars: Most characters to keep (values < 1 keep one character).

    Returns:
        The prefix, right-stripped.
    """
    limit = max(1, max_chars)
    if len(text) <= limit:
        return text
    window = text[: limit + 1]
    cut = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
    if cut >= max(1, limit // 2):
        stripped = text[:cut].rstrip()
        if stripped:
            return stripped
    return text[:limit]


def cut_to_bytes(text: str, max_bytes: int) -> str:
    """The longest prefix whose UTF-8 encoding fits ``max_bytes`` (never splits a character)."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[: max(0, max_bytes)].decode("utf-8", errors="ignore")


def split_even(text: str, parts: int) -> list[str]:
    """Split ``text`` into about ``parts`` pieces of similar length at whitespace.

    Args:
        text: Text to split.
        parts: Wanted number of pieces (>= 1).

    Returns:
        Non-empty pieces whose concatenation (modulo whitespace at the cuts) is ``text``.
    """
    pieces: list[str] = []
    rest = text
    for remaining in range(max(1, parts), 1, -1):
        target = math.ceil(len(rest) / remaining)
        head = cut_at_boundary(rest, target)
        pieces.append(head)
        rest = rest[len(head) :].lstrip()
        if not rest:
            break
    if rest:
        pieces.append(rest)
    return [piece for piece in pieces if piece] or [text]


def split_by_bytes(text: str, max_bytes: int) -> list[str]:
    """Split ``text`` into pieces of at most ``max_bytes`` UTF-8 bytes (a guaranteed fit)."""
    if max_bytes < 4:
        msg = f"max_bytes must be >= 4, got {max_bytes}"
        raise ValueError(msg)
    pieces: list[str] = []
    rest = text
    while rest:
        head = cut_to_bytes(rest, max_bytes)
        pieces.append(head)
        rest = rest[len(head) :]
    return pieces or [text]


def weighted_mean(vectors: Sequence[Sequence[float]], weights: Sequence[float]) -> list[float]:
    """Weighted mean of ``vectors`` scaled to unit length (cosine-ready).

    Args:
        vectors: Equal-length vectors.
        weights: One positive weight per vector (e.g. its token count).

    Returns:
        The normalised weighted mean (the plain mean when it has zero length).
    """
    if not vectors or len(vectors) != len(weights):
        msg = "weighted_mean needs one weight per vector and at least one vector"
        raise ValueError(msg)
    total = float(sum(weights)) or float(len(weights))
    safe_weights = weights if sum(weights) else [1.0] * len(weights)
    dims = len(vectors[0])
    mean = [0.0] * dims
    for vector, weight in zip(vectors, safe_weights, strict=True):
        if len(vector) != dims:
            msg = "weighted_mean needs vectors of equal length"
            raise ValueError(msg)
        for position, value in enumerate(vector):
            mean[position] += value * weight / total
    norm = math.sqrt(sum(value * value for value in mean))
    return [value / norm for value in mean] if norm else mean
