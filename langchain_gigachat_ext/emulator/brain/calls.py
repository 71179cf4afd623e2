"""Several function calls in one answer (v2 ``tools``), all inferred.

The v2 answer carries one ``function_call`` part per call in a single assistant message (newer
SDK examples ``parallel_function_calling*``; the docs' "one call per response" is about v1).
Deterministic rule used by the emulator:

1. The latest user message is split into parts at "and", "also", "as well as", ";" and line
   breaks (Russian "и", "а также", "также", "ещё").
2. Each part is scored against every offered function on its own, with the single-call
   scoring (a topical word of the function name counts 3, a description word 2, the name
   written verbatim 10; threshold 2; equal scores go to the alphabetically first name). The
   best function of a part, if any, gets a call.
3. A part that matches no function but names a new subject — a capitalised word, a quoted
   string, an id with digits or a currency — repeats the previous part's function for it
   ("weather in Moscow and in Kazan" → two ``weather`` calls).
4. Each call's arguments are filled from its own part only; identical calls are dropped.
5. Two or more calls → all of them, in message order. Fewer → the single-call rule (the same
   as v1) decides.

Exactly two calls, for a test: offer ``weather(city)`` and ``exchange_rate(currency)``
and ask "What is the weather in Moscow and the USD exchange rate?", or offer ``weather``
alone and ask "What is the weather in Moscow and in Kazan?".
"""

from __future__ import annotations

import re
from typing import Any, Final

from langchain_gigachat_ext.emulator.brain.facts import extract_facts
from langchain_gigachat_ext.emulator.brain.functions import (
    CALL_THRESHOLD,
    best_function,
    build_arguments,
)
from langchain_gigachat_ext.emulator.brain.lang import Language, is_stop_word

_SPLIT: Final = re.compile(
    r"\s*;\s*|\s*\n+\s*"
    r"|,?\s+(?:and|also|as\s+well\s+as|и|а\s+также|также|ещё|еще)\s+",
    re.IGNORECASE,
)
_CAPITALISED: Final = re.compile(r"(?<![\w'’])[A-ZА-ЯЁ][\w'’-]+")


def split_requests(text: str) -> list[str]:
    """The parts of a message that may each ask for one call (rule 1)."""
    return [part for part in _SPLIT.split(text) if part and part.strip()]


def _names_subject(part: str) -> bool:
    facts = extract_facts(part)
    if facts.quotes or facts.currencies:
        return True
    if any(re.search(r"[^\W\d]", str(token.value)) for token in facts.id_tokens):
        return True
    return any(not is_stop_word(match.group(0)) for match in _CAPITALISED.finditer(part))


def _best(functions: tuple[dict[str, Any], ...], text: str) -> dict[str, Any] | None:
    function, score = best_function(functions, text)
    return function if score >= CALL_THRESHOLD else None


def several_calls(
    functions: tuple[dict[str, Any], ...],
    text: str,
    lang: Language,
    seed: int,
    *,
    literal: bool = False,
) -> tuple[dict[str, Any], ...]:
    """The calls the rules above give for ``text`` (possibly fewer than two).

    Args:
        functions: Offered function specs.
        text: The latest user message.
        lang: Language for generated strings.
        seed: Seed of the conversation.
        literal: Fill arguments as the ``literal`` behaviour does.

    Returns:
        ``{"name", "arguments"}`` dicts in message order, without duplicates.
    """
    if not functions:
        return ()
    calls: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for part in split_requests(text):
        function = _best(functions, part)
        if function is None and previous is not None and _names_subject(part):
            function = previous
        if function is None:
            continue
        previous = function
        call = {
            "name": str(function.get("name", "")),
            "arguments": build_arguments(function, part, lang, seed, literal=literal),
        }
        if call not in calls:
            calls.append(call)
    return tuple(calls)


def any_call(
    functions: tuple[dict[str, Any], ...],
    question: str,
    lang: Language,
    seed: int,
    *,
    avoid: frozenset[str] = frozenset(),
    evidence: str | None = None,
    literal: bool = False,
) -> dict[str, Any]:
    """One call that ``function_call: "any"`` guarantees: the best match, even a weak one.

    Args:
        functions: Offered function specs.
        question: The latest user message (chooses the function).
        lang: Language for generated strings.
        seed: Seed of the conversation.
        avoid: Functions already called for this question, passed over while others remain.
        evidence: The text arguments are filled from (``question`` when None).
        literal: Fill arguments as the ``literal`` behaviour does.
    """
    function, _ = best_function(functions, question, avoid=avoid)
    text = question if evidence is None else evidence
    return {
        "name": str(function.get("name", "")),
        "arguments": build_arguments(function, text, lang, seed, literal=literal),
    }
