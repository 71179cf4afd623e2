"""Schema vocabulary for the filler: property categories, string formats, type helpers.

Also the schema a JSON-mode request without one implies: the keys its prompt quotes.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from langchain_gigachat_ext.emulator.brain.facts import extract_facts
from langchain_gigachat_ext.emulator.brain.lang import vocabulary, words

_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DATE_DMY = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_URL = re.compile(r"https?://\S+[^\s.,;:!?)]")

CATEGORY_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("setup", vocabulary("setup")),
    ("punchline", vocabulary("punchline")),
    ("currency", vocabulary("currency ccy валюта")),
    ("expression", vocabulary("expression expr formula equation math выражение")),
    ("language", vocabulary("language lang locale язык")),
    (
        "id",
        vocabulary(
            "id ids number num no code last4 digits pan phone iban account card inn sku zip "
            "postcode postal "
            "номер счет счёт карта телефон"
        ),
    ),
    (
        "location",
        vocabulary(
            "location city place address country region town destination origin where "
            "город место адрес страна регион"
        ),
    ),
    (
        "name",
        vocabulary(
            "name company person customer author organization organisation user username "
            "brand имя название компания клиент"
        ),
    ),
    (
        "query",
        vocabulary(
            "query q search question text prompt keywords keyword topic request message input "
            "content description subject body summary phrase запрос вопрос текст тема описание"
        ),
    ),
)
"""Property categories recognised from the words of a property's name (or description)."""

DESCRIPTION_HINTS = (
    ("currency", ("currenc", "валют", "4217")),
    ("expression", ("expression", "выражени", "арифмет", "formula")),
    ("location", ("city", "location", "город", "местополож")),
)

SPECIFIC_FIRST = ("setup", "punchline", "currency", "expression", "id", "location", "name")
"""Categories filled before free-text ones, so specific values are not swallowed by phrases."""


def property_category(name: str, description: str) -> str:
    """Category of a property ("currency", "id", "location", ...) from its name or description."""
    name_words = {word.lower() for word in words(name)}
    for category, category_words in CATEGORY_WORDS:
        if name_words & category_words:
            return category
    lowered = description.lower()
    for category, hints in DESCRIPTION_HINTS:
        if any(hint in lowered for hint in hints):
            return category
    if "joke" in lowered or "шутк" in lowered:
        return "joke"
    return "default"


def formatted_value(fmt: Any, text: str, seed: int) -> str | None:
    """A value for a string ``format`` (date, date-time, email, uri, uuid), from the text if any."""
    if fmt in {"date", "date-time"}:
        iso = _DATE_ISO.search(text)
        dmy = _DATE_DMY.search(text)
        if iso:
            date = iso.group(0)
        elif dmy:
            date = f"{dmy.group(3)}-{int(dmy.group(2)):02d}-{int(dmy.group(1)):02d}"
        else:
            date = "2025-01-01"
        return date if fmt == "date" else f"{date}T12:00:00Z"
    if fmt == "email":
        email = _EMAIL.search(text)
        return email.group(0) if email else "user@example.com"
    if fmt in {"uri", "url"}:
        url = _URL.search(text)
        return url.group(0) if url else "https://example.com"
    if fmt == "uuid":
        digest = hashlib.blake2b(f"{seed}:{text}".encode(), digest_size=16).digest()
        return str(uuid.UUID(bytes=digest, version=4))
    return None


def description_of(schema: Any) -> str:
    """The ``description`` of a schema node ("" when absent)."""
    return str(schema.get("description", "")) if isinstance(schema, dict) else ""


def type_of(node: dict[str, Any]) -> str:
    """The node's JSON type (first non-null of a type list; inferred when ``type`` is missing)."""
    kind = node.get("type")
    if isinstance(kind, list):
        non_null = [item for item in kind if item != "null"]
        kind = non_null[0] if non_null else "null"
    if isinstance(kind, str):
        return kind
    if "properties" in node:
        return "object"
    if "items" in node:
        return "array"
    return "string"


def minimal_value(kind: str) -> Any:
    """The smallest valid value of a type (ends recursive schemas)."""
    return {
        "object": {},
        "array": [],
        "integer": 0,
        "number": 0,
        "boolean": False,
        "null": None,
    }.get(kind, "")


def clamp(value: float, node: dict[str, Any], *, integer: bool) -> float:
    """Move ``value`` inside the node's minimum/maximum (exclusive bounds included)."""
    step = 1.0 if integer else 1e-6
    low = node.get("minimum")
    high = node.get("maximum")
    exclusive_low = node.get("exclusiveMinimum")
    exclusive_high = node.get("exclusiveMaximum")
    if isinstance(low, (int, float)):
        value = max(value, float(low))
    if isinstance(exclusive_low, (int, float)) and not isinstance(exclusive_low, bool):
        value = max(value, float(exclusive_low) + step)
    if isinstance(high, (int, float)):
        value = min(value, float(high))
    if isinstance(exclusive_high, (int, float)) and not isinstance(exclusive_high, bool):
        value = min(value, float(exclusive_high) - step)
    return value


def schema_from_prompt(question: str) -> dict[str, Any]:
    """A string-valued object schema for JSON mode, keyed by the keys the prompt quotes."""
    quoted = [str(found.value) for found in extract_facts(question).quotes]
    keys = [key for key in quoted if key.isidentifier()] or ["answer"]
    return {
        "type": "object",
        "properties": {key: {"type": "string"} for key in keys},
        "required": keys,
    }
