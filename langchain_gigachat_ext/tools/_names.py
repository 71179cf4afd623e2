"""Turn any tool name into a valid GigaChat function name (the tool set maps it back)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["MAX_FUNCTION_NAME_LENGTH", "sanitize_function_name"]

MAX_FUNCTION_NAME_LENGTH = 64
"""Longest function name sent. Inferred: PROTOCOL §10 documents the alphabet (Latin letters,
no leading digit) but no length, and a 200-character name was seen refused with a 400 (issue
24); 64 is the limit
of OpenAI-compatible APIs, which tool names are written for. Longer names are shortened with a
hash of the whole name, so distinct long names stay distinct."""

_HASH_LENGTH = 8

_VALID_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INVALID_NAME_RUN = re.compile(r"[^A-Za-z0-9_]+")
_REPEATED_UNDERSCORES = re.compile(r"__+")
_CYRILLIC_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_CYRILLIC_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"
_CYRILLIC = {
    letter: latin.strip("-")
    for letter, latin in zip(_CYRILLIC_LETTERS, _CYRILLIC_LATIN.split(), strict=True)
}


def sanitize_function_name(name: str) -> str:
    """Make ``name`` a valid GigaChat function name: Latin letters, digits, ``_``; no leading digit.

    Valid names come back unchanged. Otherwise Cyrillic is transliterated, accents are stripped,
    every run of other characters becomes one ``_``, and a leading digit gets an ``f_`` prefix.
    A name with nothing usable left becomes ``function_<hash>`` (deterministic), and one longer
    than :data:`MAX_FUNCTION_NAME_LENGTH` keeps its start and ends in ``_<hash>`` of the whole.

    Args:
        name: The name LangChain knows the tool by.

    Returns:
        The wire name. Callers keep the mapping back to the original.
    """
    cleaned = _clean(name)
    if len(cleaned) <= MAX_FUNCTION_NAME_LENGTH:
        return cleaned
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:_HASH_LENGTH]
    head = cleaned[: MAX_FUNCTION_NAME_LENGTH - _HASH_LENGTH - 1].rstrip("_")
    return f"{head}_{digest}"


def _clean(name: str) -> str:
    if _VALID_NAME.fullmatch(name):
        return name
    letters: list[str] = []
    for char in name:
        lowered = char.lower()
        if lowered in _CYRILLIC:  # before NFKD, which would split "й" into "и" + breve
            latin = _CYRILLIC[lowered]
            letters.append(latin.capitalize() if char != lowered else latin)
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        letters.extend(part for part in decomposed if not unicodedata.combining(part))
    cleaned = _INVALID_NAME_RUN.sub("_", "".join(letters)).strip("_")
    cleaned = _REPEATED_UNDERSCORES.sub("_", cleaned)
    if not cleaned:
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
        return f"function_{digest}"
    return f"f_{cleaned}" if cleaned[0].isdigit() else cleaned
