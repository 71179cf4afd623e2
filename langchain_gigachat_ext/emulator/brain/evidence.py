"""Where the user's text gives a value for one schema property, found by the property's name.

The filler (:mod:`.schema`) asks per property: is it written out as ``name=value``, is it
mentioned (and not negated), does an id follow a word of its name, which names or places are
still free, which words are left for free text, which enum option or union variant the text
names. Every value taken marks its span as used in :class:`~.facts.TextFacts`, so one piece of
text fills one property only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

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
from langchain_gigachat_ext.emulator.brain.schema_kinds import type_of
from langchain_gigachat_ext.emulator.brain.text import topic_of

_NEGATION = re.compile(
    r"(?:\b(?:no|not|without|exclude|skip)|(?<!\w)(?:не|без|никаких))\s+(?:\w+\s+)?$", re.IGNORECASE
)


def negated_before(text: str, position: int) -> bool:
    """Whether a negation ("no", "without", "не", ...) stands right before ``position``."""
    return bool(_NEGATION.search(text[:position]))


def explicit_value(facts: TextFacts, name: str) -> str | None:
    """A value written as ``name=value`` / ``name: value`` in the text (its span becomes used).

    An unquoted value after a colon must end its clause ("city: Oslo.", "n: 7 and ..."): in
    "city: missing required field" the colon introduces prose, not a value.
    """
    if not name:
        return None
    pattern = re.compile(
        rf"\b{re.escape(name)}\s*(?:[:=]\s*(?:\"([^\"]*)\"|'([^']*)')"
        rf"|=\s*([^\s,;)]+)|:\s*([^\s,;)]+?)(?=\s*(?:[,;:)!?]|\.(?!\w)|$|(?:and|и)\b)))",
        re.IGNORECASE,
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


def phrase(
    facts: TextFacts,
    name: str,
    ignore_concepts: frozenset[str],
    lang: Language,
    *,
    fallback: bool = True,
) -> str:
    """The topical words of the text (not yet used), as a short free-text value.

    Without topical words left: the text itself (or a topic) when ``fallback``, else ``""``.
    """
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
    if not fallback:
        return ""
    if facts.text.strip():
        return facts.text.strip()[:200]
    return topic_of("", lang)


def spoken_concepts(facts: TextFacts) -> set[str]:
    """Concepts of every word of the text.

    Plus "calculate"/"add" for arithmetic in it and "currency" for a currency it names.
    """
    found = {concept(word) for word in words(facts.text)}
    if facts.expression is not None:
        found |= {"calcu", "add"}
    if facts.currencies:
        found.add("curre")
    return found


def mentioned(label: str, text: str) -> bool:
    """Whether ``label`` stands in ``text`` as a word of its own (case-insensitive)."""
    return bool(label) and bool(
        re.search(rf"(?<!\w){re.escape(label.lower())}(?!\w)", text.lower())
    )


def choose_option(
    options: list[Any], facts: TextFacts, name: str, avoid: frozenset[str] = frozenset()
) -> Any:
    """The enum option the text names (``name=value``, verbatim, or by its words); else the first.

    Args:
        options: The enum's options, in schema order.
        facts: The user's text and its facts (a ``name=value`` span becomes used).
        name: The property's name.
        avoid: Options passed over while another one is left (functions already called).
    """
    explicit = explicit_value(facts, name)
    if explicit is not None:
        for option in options:
            if str(option).lower() == explicit.lower():
                return option
    if any(str(option) not in avoid for option in options):
        options = [option for option in options if str(option) not in avoid]
    text_concepts = spoken_concepts(facts)
    best, best_score = options[0], 0
    for option in options:
        label = str(option)
        if mentioned(label, facts.text):
            score = 100
        else:
            option_words = [w for w in words(label) if w.lower() not in GENERIC_NAME_WORDS]
            score = sum(concept(word) in text_concepts for word in option_words)
        if score > best_score:
            best, best_score = option, score
    return best


def choose_variant(
    variants: list[dict[str, Any]],
    facts: TextFacts,
    resolve: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """The non-null variant the text speaks of most; the schema's first on a tie.

    A variant scores 3 for each single-value tag (``const`` or one-option ``enum``) the text
    names, 2 when the text names its ``title`` and 1 for each property the text speaks of.

    Args:
        variants: The resolved ``anyOf``/``oneOf`` variants.
        facts: The user's text and its facts.
        resolve: Follows ``$ref``/``allOf`` of the variants' properties.
    """
    text_concepts = spoken_concepts(facts)

    def score(variant: dict[str, Any]) -> int:
        total = 0
        properties = variant.get("properties")
        for name, schema in properties.items() if isinstance(properties, dict) else ():
            node = resolve(schema)
            tags = [node["const"]] if "const" in node else node.get("enum") or []
            if len(tags) == 1 and mentioned(str(tags[0]), facts.text):
                total += 3
            if has_evidence(facts, name, text_concepts):
                total += 1
        title = variant.get("title")
        if isinstance(title, str) and mentioned(title, facts.text):
            total += 2
        return total

    candidates = [variant for variant in variants if type_of(variant) != "null"] or variants
    return max(candidates, key=score)
