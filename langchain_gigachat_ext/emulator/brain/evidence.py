"""Where the user's text gives a value for one schema property, found by the property's name.

The filler (:mod:`.schema`) asks per property: is it written out as ``name=value``, is it
mentioned (and not negated), does an id follow a word of its name, which names or places are
still free, which words are left for free text. Every value taken marks its span as used in
:class:`~.facts.TextFacts`, so one piece of text fills one property only.
"""

from __future__ import annotations

import re

from langchain_gigachat_ext.emulator.brain.facts import Found, TextFacts, capitalized_runs
from langchain_gigachat_ext.emulator.brain.lang import (
    FILLER_WORDS,
    GENERIC_NAME_WORDS,
    Language,
    concept,
    is_stop_word,
    keywords,
    stem,
    words,
)
from langchain_gigachat_ext.emulator.brain.text import topic_of

_NEGATION = re.compile(
    r"(?:\b(?:no|not|without|exclude|skip)|(?<!\w)(?:не|без|никаких))\s+(?:\w+\s+)?$", re.IGNORECASE
)


def negated_before(text: str, position: int) -> bool:
    """Whether a negation ("no", "without", "не", ...) stands right before ``position``."""
    return bool(_NEGATION.search(text[:position]))


def explicit_value(facts: TextFacts, name: str) -> str | None:
    """A value written as ``name=value`` / ``name: value`` in the text (its span becomes used)."""
    if not name:
        return None
    pattern = re.compile(
        rf"\b{re.escape(name)}\s*[:=]\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s,;)]+))", re.IGNORECASE
    )
    match = pattern.search(facts.text)
    if match is None or not facts.is_free(match.span()):
        return None
    facts.used.append(match.span())
    return next(group for group in match.groups() if group is not None)


def explicit_present(facts: TextFacts, name: str) -> bool:
    """Whether the text spells ``name=`` / ``name:`` (used or not)."""
    return bool(re.search(rf"\b{re.escape(name)}\s*[:=]", facts.text, re.IGNORECASE))


def has_evidence(facts: TextFacts, name: str, text_concepts: set[str]) -> bool:
    """Whether the text speaks of an optional property: spelled out, or a word of it mentioned.

    Args:
        facts: The user's text and its facts.
        name: The property name.
        text_concepts: Concepts of every word of the text (see :func:`~.lang.concept`).
    """
    if explicit_present(facts, name):
        return True
    for word in words(name):
        if len(word) < 3 or word.lower() in GENERIC_NAME_WORDS:
            continue
        for match in re.finditer(re.escape(word), facts.text, re.IGNORECASE):
            if not negated_before(facts.text, match.start()):
                return True
        if concept(word) in text_concepts and word.lower() not in facts.text.lower():
            return True
    return False


def id_after_keyword(facts: TextFacts, name: str, description: str) -> Found | None:
    """The first free id token right after a word of the property's name or description."""
    stems = {stem(word) for word in words(f"{name} {description}") if not is_stop_word(word)}
    for match in re.finditer(r"[^\W_]+", facts.text):
        if stem(match.group(0)) not in stems:
            continue
        following = [token for token in facts.id_tokens if token.span[0] >= match.end()]
        found = facts.take(following[:1])
        if found is not None:
            return found
    return None


def entity(facts: TextFacts, category: str) -> str | None:
    """A free capitalised name (places after a preposition first), or a keyword for a place."""
    if category == "query":
        return None
    runs: list[Found] = []
    if category == "location":
        runs = capitalized_runs(facts.text, after_preposition=True)
    runs = runs + capitalized_runs(facts.text)
    found = facts.take(runs)
    if found is not None:
        return str(found.value)
    if category == "location":
        free_words = [
            Found(word.text, (word.start, word.start + len(word.text)))
            for word in keywords(facts.text, limit=10)
        ]
        found = facts.take(free_words[::-1])
        if found is not None:
            return str(found.value)
    return None


def phrase(facts: TextFacts, name: str, ignore_concepts: frozenset[str], lang: Language) -> str:
    """The topical words of the text (not yet used), as a short free-text value."""
    ignore = ignore_concepts | {concept(word) for word in words(name)}
    picked: list[str] = []
    for match in re.finditer(r"[^\W_]+(?:['’-][^\W_]+)*", facts.text):
        word = match.group(0)
        if is_stop_word(word) or word.lower() in FILLER_WORDS or concept(word) in ignore:
            continue
        if facts.is_free(match.span()):
            picked.append(word)
    if picked:
        return " ".join(picked[:12])
    if facts.text.strip():
        return facts.text.strip()[:200]
    return topic_of("", lang)
