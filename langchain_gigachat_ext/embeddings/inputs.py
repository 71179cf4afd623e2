"""Fit embedding inputs under the model's token limit, and join the pieces' vectors back.

Sans-I/O, shared by sync and async.

:class:`InputSizer` decides which texts need an exact ``/tokens/count`` and what to do with the
ones that are too long; the caller runs the counting rounds::

    sizer = InputSizer(texts, limit=512, policy="truncate")
    while pending := sizer.pending_texts():
        sizer.record(count_tokens(pending))
    pieces = sizer.pieces()

A text whose UTF-8 byte length (an upper bound of its tokens) already fits is never counted.
Truncation and splitting converge in a few counted rounds; after :data:`MAX_ROUNDS` a byte-exact
cut (guaranteed to fit) finishes the job, so the loop is bounded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from langchain_gigachat_ext.embeddings.batches import (
    EMBEDDING_SPECIAL_TOKENS,
    cut_at_boundary,
    cut_to_bytes,
    split_by_bytes,
    split_even,
    utf8_token_bound,
    weighted_mean,
)
from langchain_gigachat_ext.errors import GigaChatInvalidInputError

LongInputPolicy = Literal["error", "truncate", "split_and_average"]

MAX_ROUNDS = 4
"""Counted shrink/split rounds per input before the guaranteed byte-exact fallback."""

_SHRINK = 0.95
"""Aim a little under the budget: token density is not uniform along a text."""

_SPLIT_SLACK = 1.15
"""Split into slightly more pieces than the token ratio says, for the same reason."""


class GigaChatInputTooLongError(GigaChatInvalidInputError):
    """An embedding input is longer than the model accepts (``on_long_input="error"``).

    Raised before any ``/embeddings`` request, so nothing was billed.
    """

    def __init__(self, message: str, *, index: int, tokens: int, limit: int) -> None:
        """Create the error.

        Args:
            message: Human-readable explanation.
            index: Position of the first offending input in the call's list.
            tokens: Its size in embedding tokens.
            limit: The model's input limit in tokens.
        """
        super().__init__(message)
        self.index = index
        self.tokens = tokens
        self.limit = limit

    @property
    def excess(self) -> int:
        """By how many tokens the input exceeds the limit."""
        return self.tokens - self.limit


class Piece(NamedTuple):
    """One text to send to ``/embeddings``; several pieces share an owner after splitting.

    A named tuple (not a dataclass): one is built per input, 10,000 for a large call, and the
    natural tuple order is the order of :meth:`InputSizer.pieces`.
    """

    owner: int
    """Index of the caller's input this piece belongs to."""
    order: tuple[int, ...]
    """Position inside the owner (split path), for a stable order."""
    text: str
    """The text to embed."""
    tokens: int
    """Its size in embedding tokens (counted, or the byte upper bound when not counted)."""


@dataclass
class _Unit:
    owner: int
    order: tuple[int, ...]
    source: str
    """The text this unit must represent (the whole input, or one split part)."""
    candidate: str
    """What is counted this round (a prefix of ``source`` when truncating)."""
    rounds: int = 0


@dataclass
class InputSizer:
    """Sizes inputs against ``limit`` and applies the over-limit ``policy``."""

    texts: Sequence[str]
    """The caller's inputs (instruction prefixes already applied)."""
    limit: int
    """Most embedding tokens the model accepts per input."""
    policy: LongInputPolicy = "error"
    """What to do with an input over the limit."""
    model: str = "Embeddings"
    """Model id, for error messages."""
    special_tokens: int = EMBEDDING_SPECIAL_TOKENS
    """Tokens the embedder adds to every input."""
    truncated: list[int] = field(default_factory=list)
    """Owners that were truncated (for the caller's log)."""
    split: list[int] = field(default_factory=list)
    """Owners that were split into several pieces."""
    _done: list[Piece] = field(default_factory=list)
    _pending: list[_Unit] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Accept the inputs that fit by the byte bound; queue the others for counting."""
        if self.content_budget < 1:
            msg = f"max_input_tokens={self.limit} leaves no room for text"
            raise ValueError(msg)
        budget = self.content_budget
        for owner, text in enumerate(self.texts):
            size = utf8_token_bound(text)
            if size <= budget:  # the common case, without building a _Unit
                self._done.append(Piece(owner, (), text, size + self.special_tokens))
            else:
                self._pending.append(_Unit(owner=owner, order=(), source=text, candidate=text))

    @property
    def content_budget(self) -> int:
        """Tokens left for the text itself once the special tokens are counted."""
        return self.limit - self.special_tokens

    def pending_texts(self) -> list[str]:
        """Texts whose exact ``/tokens/count`` value is needed next (empty when done)."""
        return [unit.candidate for unit in self._pending]

    def record(self, counts: Sequence[int]) -> None:
        """Feed the ``/tokens/count`` values of :meth:`pending_texts`, in the same order.

        Raises:
            GigaChatInputTooLongError: Policy ``error`` and an input is over the limit.
        """
        pending, self._pending = self._pending, []
        if len(counts) != len(pending):
            msg = f"expected {len(pending)} token counts, got {len(counts)}"
            raise ValueError(msg)
        over: list[tuple[_Unit, int]] = []
        for unit, count in zip(pending, counts, strict=True):
            tokens = count + self.special_tokens
            if tokens <= self.limit:
                self._accept(unit, unit.candidate, tokens)
            else:
                over.append((unit, count))
        if over and self.policy == "error":
            raise self._too_long(over)
        for unit, count in over:
            if self.policy == "truncate":
                self._shrink(unit, count)
            else:
                self._split(unit, count)

    def pieces(self) -> list[Piece]:
        """Every piece to embed, ordered by owner then position.

        Raises:
            RuntimeError: When called before counting finished.
        """
        if self._pending:
            msg = "pieces() called while texts still wait for /tokens/count"
            raise RuntimeError(msg)
        return sorted(self._done)  # (owner, order) are unique, so text/tokens never compare

    # --- internals -----------------------------------------------------------------------------
    def _offer(self, unit: _Unit) -> None:
        bound = utf8_token_bound(unit.candidate) + self.special_tokens
        if bound <= self.limit:
            self._accept(unit, unit.candidate, bound)
        else:
            self._pending.append(unit)

    def _accept(self, unit: _Unit, text: str, tokens: int) -> None:
        self._done.append(Piece(owner=unit.owner, order=unit.order, text=text, tokens=tokens))

    def _shrink(self, unit: _Unit, count: int) -> None:
        _mark(self.truncated, unit.owner)
        unit.rounds += 1
        if unit.rounds > MAX_ROUNDS:
            text = cut_to_bytes(unit.source, self.content_budget)
            self._accept(unit, text, utf8_token_bound(text) + self.special_tokens)
            return
        ratio = self.content_budget / max(count, 1) * _SHRINK
        unit.candidate = cut_at_boundary(unit.source, math.floor(len(unit.candidate) * ratio))
        self._offer(unit)

    def _split(self, unit: _Unit, count: int) -> None:
        _mark(self.split, unit.owner)
        rounds = unit.rounds + 1
        if rounds > MAX_ROUNDS:
            parts = split_by_bytes(unit.candidate, self.content_budget)
            for position, part in enumerate(parts):
                child = _Unit(unit.owner, (*unit.order, position), part, part, rounds)
                self._accept(child, part, utf8_token_bound(part) + self.special_tokens)
            return
        wanted = max(2, math.ceil(count / self.content_budget * _SPLIT_SLACK))
        for position, part in enumerate(split_even(unit.candidate, wanted)):
            self._offer(_Unit(unit.owner, (*unit.order, position), part, part, rounds))

    def _too_long(self, over: list[tuple[_Unit, int]]) -> GigaChatInputTooLongError:
        unit, count = over[0]
        tokens = count + self.special_tokens
        others = ""
        if len(over) > 1:
            indices = ", ".join(str(item.owner) for item, _ in over[1:6])
            more = "…" if len(over) > 6 else ""
            others = f" Inputs {indices}{more} are too long as well."
        message = (
            f"Input {unit.owner} is {tokens} tokens, {tokens - self.limit} over the "
            f"{self.limit}-token input limit of {self.model!r} (counted with /tokens/count plus "
            f"{self.special_tokens} special tokens).{others} Shorten or split it, or set "
            "on_long_input='truncate' or 'split_and_average'."
        )
        return GigaChatInputTooLongError(message, index=unit.owner, tokens=tokens, limit=self.limit)


def join_pieces(
    count: int, pieces: Sequence[Piece], vectors: list[list[float]]
) -> list[list[float]]:
    """One vector per input: its piece's vector, or the token-weighted mean of its pieces'.

    Args:
        count: How many inputs the call had.
        pieces: :meth:`InputSizer.pieces`.
        vectors: One vector per piece, in the same order.

    Returns:
        One vector per input, in input order.
    """
    if len(pieces) == count:  # nothing was split: one piece per input, in input order
        return vectors
    grouped: list[list[int]] = [[] for _ in range(count)]
    for piece_index, piece in enumerate(pieces):
        grouped[piece.owner].append(piece_index)
    return [
        vectors[group[0]]
        if len(group) == 1
        else weighted_mean([vectors[i] for i in group], [pieces[i].tokens for i in group])
        for group in grouped
    ]


def _mark(owners: list[int], owner: int) -> None:
    if owner not in owners:
        owners.append(owner)
