"""Synthetic, deterministic token log probabilities for v2 answers that ask for ``top_logprobs``.

Everything here is inferred: PROTOCOL.md §7.1-7.2 lists ``model_options.top_logprobs`` and a
top-level ``logprobs`` in responses (SDK), but no recording shows values. The shape is the SDK's
``ChatLogprob``: one ``{"chosen": {"token", "token_id", "logprob"}, "top": [...]}`` entry per
output token, ``top`` holding ``top_logprobs`` candidates, most likely first, the chosen token
among them. Tokens are the brain tokenizer's (:func:`split_tokens`), so there are as many
entries as the brain counts output tokens; ids and values are hashes of the text, so the same
answer always gets the same numbers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any, Final

from langchain_gigachat_ext.emulator.brain.tokens import split_tokens

VOCABULARY_SIZE: Final = 200_000
"""Token ids fall in ``[0, VOCABULARY_SIZE)`` (inferred order of magnitude)."""

ALTERNATIVES: Final = (" the", " a", ",", ".", " и", " в", " of", " to", " не", " на", "\n", " is")
"""Runner-up tokens offered after the chosen one; past these, numbered filler tokens."""

_CHOSEN_SPREAD = 0.5
"""Chosen tokens get a log probability in ``(-_CHOSEN_SPREAD, 0]``."""
_STEP = 1.25
"""Each further candidate is at least this much less likely than the one before."""


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _token(text: str, logprob: float) -> dict[str, Any]:
    return {"token": text, "token_id": _hash(text) % VOCABULARY_SIZE, "logprob": round(logprob, 4)}


def _candidates(chosen: str, count: int) -> list[str]:
    pool = [token for token in ALTERNATIVES if token != chosen]
    filler = (f"<alt{number}>" for number in range(count))
    return (pool + list(filler))[:count]


def token_logprobs(text: str, top: int, position: int = 0) -> list[dict[str, Any]]:
    """``ChatLogprob`` entries for every token of ``text``.

    Args:
        text: The generated text.
        top: How many candidates each entry's ``top`` lists (at least 1: the chosen token).
        position: Index of the first token in the whole answer (salts the values).

    Returns:
        One entry per token, in order.
    """
    entries = []
    for index, token in enumerate(split_tokens(text), start=position):
        chosen = -(_hash(f"{index}:{token}") % 1000) / 1000 * _CHOSEN_SPREAD
        top_list = [_token(token, chosen)]
        for rank, other in enumerate(_candidates(token, top - 1), start=1):
            top_list.append(_token(other, chosen - rank * _STEP - (_hash(other) % 100) / 1000))
        entries.append({"chosen": top_list[0], "top": top_list})
    return entries


def answer_logprobs(
    texts: Iterable[str], calls: Iterable[dict[str, Any]], top: int
) -> list[dict[str, Any]]:
    """Entries for a whole answer: its texts (reasoning, then content), then its calls.

    A call counts as its name followed by its arguments as JSON, as the brain counts it.

    Args:
        texts: Generated texts in output order (empty ones are skipped).
        calls: ``{"name", "arguments"}`` function calls of the answer.
        top: Candidates per entry.
    """
    pieces = list(texts)
    pieces += [
        call["name"] + json.dumps(call.get("arguments", {}), ensure_ascii=False) for call in calls
    ]
    entries: list[dict[str, Any]] = []
    for piece in pieces:
        entries += token_logprobs(piece, top, position=len(entries))
    return entries
