"""Deciding whether to call a function, which one, and with what arguments.

A function is chosen by how well its name, description, few-shot examples and parameters match
the user's words; equal scores go to the alphabetically first name, so the order in which the
functions are offered never decides.
"""

from __future__ import annotations

import re
from typing import Any

from langchain_gigachat_ext.emulator.brain.facts import TextFacts, extract_facts
from langchain_gigachat_ext.emulator.brain.lang import (
    GENERIC_NAME_WORDS,
    Language,
    concept,
    content_concepts,
    words,
)
from langchain_gigachat_ext.emulator.brain.schema import SchemaFiller

_TOOL_REQUEST = re.compile(
    r"\b(?:use|using|call|invoke|run)\s+(?:the\s+|a\s+|your\s+)?(?:tools?|functions?)\b"
    r"|(?:используй|использу[яй]|вызови|примени|с помощью)\s+(?:\w+\s+)?(?:инструмент|функци)",
    re.IGNORECASE,
)
"""The user explicitly asks for a tool ("Use the tool.", "используй инструмент")."""

CALL_THRESHOLD = 2
"""Minimum match score for an unforced call (a name word counts 3, a description word 2)."""


def wants_tool(text: str) -> bool:
    """True when the user explicitly asks to use a tool or function."""
    return bool(_TOOL_REQUEST.search(text))


def match_score(function: dict[str, Any], text: str, facts: TextFacts | None = None) -> int:
    """How strongly the user's text points at ``function``.

    Name mentioned verbatim: 10. Each topical word of the name found (across languages via
    concept groups): 3. Each description / few-shot word found: 2 (capped). Evidence for the
    parameters (an arithmetic expression for an ``expression`` parameter, currencies for a
    currency parameter): 2 each.

    Args:
        function: A function spec (``name``, ``description``, ``parameters``, ...).
        text: The user's latest message.
        facts: Pre-extracted facts of ``text`` (extracted when omitted).

    Returns:
        A non-negative score; 0 means unrelated.
    """
    facts = facts or extract_facts(text)
    name = str(function.get("name", ""))
    text_concepts = content_concepts(text)
    if facts.expression is not None:
        text_concepts |= {"calcu", "add"}
    if facts.currencies:
        text_concepts.add("curre")
    score = 10 if name and name.lower() in text.lower() else 0
    name_concepts = {
        concept(word) for word in words(name) if word.lower() not in GENERIC_NAME_WORDS
    }
    score += 3 * len(name_concepts & text_concepts)
    description = str(function.get("description", ""))
    score += min(6, 2 * len(content_concepts(description) & text_concepts - name_concepts))
    examples = function.get("few_shot_examples") or []
    example_overlap = max(
        (
            len(content_concepts(str(example.get("request", ""))) & text_concepts)
            for example in examples
            if isinstance(example, dict)
        ),
        default=0,
    )
    score += min(4, 2 * example_overlap)
    score += _parameter_evidence(function.get("parameters"), facts)
    return score


def _parameter_evidence(parameters: Any, facts: TextFacts) -> int:
    if not isinstance(parameters, dict):
        return 0
    properties = parameters.get("properties")
    if not isinstance(properties, dict):
        return 0
    score = 0
    for name, schema in properties.items():
        description = str(schema.get("description", "")).lower() if isinstance(schema, dict) else ""
        label = f"{name} {description}".lower()
        if facts.expression is not None and ("expr" in label or "выраж" in label):
            score += 2
        if facts.currencies and ("currenc" in label or "валют" in label):
            score += 2
    return min(score, 4)


def best_function(
    functions: tuple[dict[str, Any], ...],
    text: str,
    facts: TextFacts | None = None,
    *,
    avoid: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], int]:
    """The best-matching function and its score; ties go to the alphabetically first name.

    Args:
        functions: Offered function specs (at least one).
        text: The user's text.
        facts: Facts of ``text`` (extracted when omitted).
        avoid: Names passed over while another function is offered (those already called).

    Returns:
        ``(spec, score)``.
    """
    facts = facts or extract_facts(text)
    candidates = [f for f in functions if str(f.get("name", "")) not in avoid] or list(functions)
    scored = [(match_score(function, text, facts), function) for function in candidates]
    best_score = max(score for score, _ in scored)
    best = min(
        (function for score, function in scored if score == best_score),
        key=lambda function: (str(function.get("name", "")).casefold(), str(function.get("name"))),
    )
    return best, best_score


def choose_function(
    functions: tuple[dict[str, Any], ...], text: str, facts: TextFacts
) -> dict[str, Any] | None:
    """Pick the function an unforced request should call, or None to answer in text.

    Args:
        functions: Offered function specs.
        text: The user's latest message.
        facts: Facts of ``text``.

    Returns:
        The best-matching spec when it matches well enough (or the user asked for a tool).
    """
    if not functions:
        return None
    best, score = best_function(functions, text, facts)
    if score >= CALL_THRESHOLD or wants_tool(text):
        return best
    return None


def find_function(functions: tuple[dict[str, Any], ...], name: str) -> dict[str, Any]:
    """The spec named ``name`` (a bare ``{"name": name}`` for built-ins / unknown names)."""
    for function in functions:
        if function.get("name") == name:
            return function
    return {"name": name}


def build_arguments(
    function: dict[str, Any],
    text: str,
    lang: Language,
    seed: int,
    partial: dict[str, Any] | None = None,
    *,
    avoid: frozenset[str] = frozenset(),
    literal: bool = False,
) -> dict[str, Any]:
    """Fill the function's parameters schema from the user's text.

    Args:
        function: The function spec.
        text: The user's latest message.
        lang: Language for generated strings.
        seed: Deterministic seed.
        partial: ``partial_arguments`` pre-filled by the caller (they win).
        avoid: Enum options to pass over when another is available (tools already used).
        literal: Fill as the ``literal`` behaviour does (required properties only).

    Returns:
        The arguments object (``{}`` for functions without parameters).
    """
    parameters = function.get("parameters")
    arguments: dict[str, Any] = {}
    if isinstance(parameters, dict) and parameters:
        topic = f"{function.get('name', '')} {function.get('description', '')}"
        ignore = frozenset(content_concepts(topic))
        filler = SchemaFiller(
            parameters,
            extract_facts(text),
            lang,
            seed,
            ignore_concepts=ignore,
            avoid=avoid,
            literal=literal,
        )
        filled = filler.fill_object(filler.resolve(parameters), depth=0)
        arguments = filled
    if partial:
        arguments.update(partial)
    return arguments
