"""Turn any tool name into a valid GigaChat function name."""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["sanitize_function_name"]

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
    A name with nothing usable left becomes ``function_<hash>`` (deterministic).

    Args:
        name: The name LangChain knows the tool by.

    Returns:
        The wire name. Callers keep the mapping back to the original.
    """
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
