"""Token counting (texts and whole prompts), truncation and stream chunking for the brain.

The real tokenizer is unknown; this one is deterministic and roughly calibrated on the
recordings: ``/tokens/count`` says "First text" → 2 and "Hello, world!" → 4 (REC
``test_tokens_count_*``), i.e. about one token per short word and one per punctuation mark.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_gigachat_ext.emulator.brain.core import Conversation

_PIECE = re.compile(
    r"(?P<latin>[A-Za-z]+)"
    r"|(?P<cyrillic>[\u0400-\u04FF]+)"
    r"|(?P<digits>\d+)"
    r"|(?P<cjk>[\u3040-\u30FF\u3400-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF])"
    r"|(?P<other>[^\W\d_]+)"
    r"|(?P<mark>[^\w\s]|_)"
)
"""One token "piece": a run of one script, a digit run, one CJK character or one symbol."""

_CHARS_PER_TOKEN = {"latin": 6, "cyrillic": 6, "digits": 3, "cjk": 1, "other": 4, "mark": 1}
"""How many characters of each piece kind make one token."""

_LONG_WORD = 12
"""Non-space runs longer than this are split across stream chunks."""


def _piece_cost(kind: str, length: int) -> int:
    return max(1, math.ceil(length / _CHARS_PER_TOKEN[kind]))


def count_tokens(text: str) -> int:
    """Count tokens deterministically: ~1 per short word, 1 per symbol or CJK character.

    Args:
        text: Any Unicode text.

    Returns:
        The token count (0 for empty or whitespace-only text).
    """
    total = 0
    for match in _PIECE.finditer(text):
        kind = match.lastgroup or "mark"
        total += _piece_cost(kind, match.end() - match.start())
    return total


def split_tokens(text: str) -> tuple[str, ...]:
    """Cut ``text`` into the tokens :func:`count_tokens` counts.

    Whitespace rides on the token after it (trailing whitespace on the last token), so the
    tokens join back to ``text`` whenever it has any token.

    Args:
        text: Any Unicode text.

    Returns:
        ``count_tokens(text)`` non-empty strings (none for empty or whitespace-only text).
    """
    tokens: list[str] = []
    start = 0
    for match in _PIECE.finditer(text):
        size = _CHARS_PER_TOKEN[match.lastgroup or "mark"]
        for offset in range(match.start(), match.end(), size):
            end = min(offset + size, match.end())
            tokens.append(text[start:end])
            start = end
    if tokens and start < len(text):
        tokens[-1] += text[start:]
    return tuple(tokens)


def truncate_to_tokens(text: str, limit: int) -> str:
    """Cut ``text`` so that it holds at most ``limit`` tokens.

    Args:
        text: Text to cut.
        limit: Maximum number of tokens to keep.

    Returns:
        The longest prefix (ending at a piece boundary, or inside a long word) within the limit.
    """
    if limit <= 0:
        return ""
    total = 0
    end = 0
    for match in _PIECE.finditer(text):
        kind = match.lastgroup or "mark"
        cost = _piece_cost(kind, match.end() - match.start())
        if total + cost <= limit:
            total += cost
            end = match.end()
            continue
        remaining = limit - total
        if remaining > 0:
            end = match.start() + remaining * _CHARS_PER_TOKEN[kind]
        break
    else:
        return text
    return text[:end]


def split_chunks(content: str, words_per_chunk: int = 4) -> tuple[str, ...]:
    """Split ``content`` into stream deltas of a few words each.

    Args:
        content: The full reply text.
        words_per_chunk: Whitespace-separated words per delta.

    Returns:
        Deltas whose concatenation equals ``content`` exactly (empty tuple for empty content).
    """
    if not content:
        return ()
    stripped = content.lstrip()
    prefix = content[: len(content) - len(stripped)]
    words: list[str] = []
    for match in re.finditer(r"(\S+)(\s*)", stripped):
        run, space = match.group(1), match.group(2)
        # Scripts without spaces (CJK) would otherwise arrive as one huge delta.
        pieces = [run[i : i + _LONG_WORD] for i in range(0, len(run), _LONG_WORD)]
        pieces[-1] += space
        words.extend(pieces)
    chunks = [
        "".join(words[i : i + words_per_chunk]) for i in range(0, len(words), words_per_chunk)
    ]
    if not chunks:
        return (content,)
    chunks[0] = prefix + chunks[0]
    return tuple(chunks)


_TURN_OVERHEAD = 4
"""Tokens per message for role markers (inferred)."""
_PROMPT_OVERHEAD = 12
"""Fixed prompt tokens: with ``_TURN_OVERHEAD``, "Hello" costs 17 (REC test_chat_simple)."""


def prompt_tokens(conversation: Conversation) -> int:
    """Prompt tokens of a chat request: every turn, call, function spec and response format."""
    total = _PROMPT_OVERHEAD
    for turn in conversation.turns:
        total += _TURN_OVERHEAD + count_tokens(turn.content)
        if turn.function_call:
            total += count_tokens(json.dumps(turn.function_call, ensure_ascii=False))
        for call in turn.function_calls[1:]:
            total += count_tokens(json.dumps(call, ensure_ascii=False))
    for function in conversation.functions:
        total += count_tokens(json.dumps(function, ensure_ascii=False))
    if conversation.response_format:
        total += count_tokens(json.dumps(conversation.response_format, ensure_ascii=False))
    return total
