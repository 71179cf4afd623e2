"""Built-in tools of the v2 API (web search, image generation, code, URL reading), all inferred.

Only the answer *shapes* are recorded (REC ``test_primary_chat_builtin_tools``); what triggers a
tool and what it says are this emulator's own deterministic rules:

* A tool is used when ``tool_config`` forces it (``mode: forced`` + ``tool_name``), or, in
  ``auto`` mode, when it is offered in ``tools`` and the latest user message clearly asks for
  it. Checked in this order, the first match wins:

  1. ``url_content_extraction`` — the message contains an ``http(s)://`` link.
  2. ``image_generate`` — "draw"/"paint"/"sketch", or "create/generate/make/design ... image/
     picture/icon/logo/illustration/poster"; Russian "нарисуй", "изобрази", "создай ...
     картинку/изображение/иконку/логотип".
  3. ``code_interpreter`` — "calculate", "compute", "evaluate", "use code", "run code",
     "execute"; Russian "посчитай", "вычисли", "рассчитай", "с помощью кода".
  4. ``web_search`` — "search", "google", "look up", "online", "on the internet/web"; Russian
     "найди в интернете", "поищи", "загугли", "в интернете", "в сети".

* Answers: ``web_search`` cites two fake sources on ``.example`` hosts with ``[sources=[n]]``
  markers; ``image_generate`` reports a created image (the server stores a small JPEG and
  returns its file id); ``code_interpreter`` evaluates arithmetic, "sum of the first N
  prime/natural/odd/even numbers" and "factorial of N"; ``url_content_extraction`` names the URL.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

from langchain_gigachat_ext.emulator.brain.facts import evaluate, find_expression, format_number
from langchain_gigachat_ext.emulator.brain.lang import Language, key_phrases

BUILTIN_TOOLS: Final = (
    "web_search",
    "code_interpreter",
    "image_generate",
    "url_content_extraction",
    "model_3d_generate",
)
"""Built-in tool names a v2 ``tools`` entry may hold (SDK ``ChatTool``)."""

_URL: Final = re.compile(r"https?://[^\s<>\"'«»]+")
_IMAGE: Final = re.compile(
    r"\b(?:draw|paint|sketch)\b"
    r"|\b(?:create|generate|make|design|render)\b.{0,40}?\b(?:image|picture|icon|logo|illustration"
    r"|drawing|poster|artwork)s?\b"
    r"|нарису\w*|изобраз\w*"
    r"|(?:создай|сгенерируй|сделай|нарисуй)\s.{0,40}?(?:изображени|картинк|рисун|иконк|логотип"
    r"|постер)\w*",
    re.IGNORECASE,
)
_CODE: Final = re.compile(
    r"\b(?:calculate|compute|evaluate|execute)\b|\b(?:use|run|using|with|write)\s+(?:the\s+|a\s+)?"
    r"(?:python\s+)?code\b"
    r"|посчитай|подсчитай|вычисли|рассчитай|выполни\s+код|с\s+помощью\s+кода|используй\s+код",
    re.IGNORECASE,
)
_SEARCH: Final = re.compile(
    r"\b(?:search|google|look\s+up|browse|online)\b|\b(?:on|in)\s+the\s+(?:web|internet)\b"
    r"|найди\s+в\s+(?:интернете|сети)|поищи|загугли|в\s+интернете|в\s+сети",
    re.IGNORECASE,
)
_COMMANDS: Final = re.compile(
    r"\b(?:draw|paint|sketch|create|generate|make|design|render|search|google|look\s+up|browse"
    r"|read|open|calculate|compute|evaluate|execute|use|run|code|web|internet|online|please)\b"
    r"|\b(?:нарису|изобраз|создай|сгенерируй|сделай|найди|поищи|загугли|прочитай|открой|посчитай"
    r"|подсчитай|вычисли|рассчитай|выполни|используй|интернет|сети|пожалуйста)\w*",
    re.IGNORECASE,
)
"""Command words left out of an answer's subject ("Draw a cat" is about "cat")."""

_TRIGGERS: Final = (
    ("url_content_extraction", _URL),
    ("image_generate", _IMAGE),
    ("code_interpreter", _CODE),
    ("web_search", _SEARCH),
)
_SEQUENCE_SUM: Final = re.compile(
    r"first\s+(\d{1,4})\s+(prime|natural|odd|even)"
    r"|перв\w*\s+(\d{1,4})\s+(прост|натурал|нечетн|нечётн|четн|чётн)",
    re.IGNORECASE,
)
_FACTORIAL: Final = re.compile(
    r"factorial\s+(?:of\s+)?(\d{1,3})|факториал\w*\s+(\d{1,3})|(\d{1,3})!"
)


@dataclass(frozen=True)
class ToolUse:
    """A built-in tool the model used for its answer."""

    name: str
    """Built-in tool name, e.g. ``web_search``."""
    sources: tuple[tuple[str, str], ...] = ()
    """``web_search``: ``(url, title)`` pairs, cited in the text as ``[sources=[n]]`` (from 1)."""
    image: bool = False
    """``image_generate``: the server stores a generated JPEG and answers with its file id."""


def choose_builtin(offered: tuple[str, ...], forced: str | None, text: str) -> str | None:
    """The built-in tool to use for ``text``, or None (rules in the module docstring).

    Args:
        offered: Built-in tools offered in ``tools``.
        forced: The tool ``tool_config`` forces, if any.
        text: The latest user message.
    """
    if forced is not None:
        return forced
    for name, pattern in _TRIGGERS:
        if name in offered and pattern.search(text):
            return name
    return None


def builtin_answer(name: str, text: str, lang: Language, seed: int) -> tuple[str, ToolUse]:
    """The answer text of built-in tool ``name`` for the user's ``text``.

    Args:
        name: One of :data:`BUILTIN_TOOLS` except ``model_3d_generate``.
        text: The latest user message.
        lang: Answer language.
        seed: Seed of the conversation.

    Returns:
        The text and the :class:`ToolUse` record the renderer turns into parts.
    """
    ru = lang == "ru"
    subject = _subject(text) or ("ваш запрос" if ru else "your request")
    if name == "web_search":
        return _web_search(subject, ru, seed)
    if name == "image_generate":
        caption = f"Изображение «{subject}» готово." if ru else f"An image of {subject} is ready."
        return caption, ToolUse(name, image=True)
    if name == "code_interpreter":
        return _code_answer(text, subject, ru), ToolUse(name)
    found = _URL.search(text)
    if found is None:
        answer = "В сообщении нет ссылки для чтения." if ru else "The message has no link to read."
        return answer, ToolUse(name)
    url = found.group(0).rstrip(".,;:!?)")
    if ru:
        return f"Я прочитал страницу {url}. Главное на ней: {subject}.", ToolUse(name)
    return f"I read {url}. In brief, it is about {subject}.", ToolUse(name)


def _subject(text: str) -> str | None:
    """The topical phrases of ``text`` without links and command words, or None."""
    cleaned = re.sub(r"\s+", " ", _COMMANDS.sub(" ", _URL.sub(" ", text)))
    phrases = key_phrases(cleaned)
    return ", ".join(phrases) if phrases else None


def _slug(subject: str, seed: int) -> str:
    slug = "-".join(re.findall(r"[a-z0-9]+", subject.lower()))[:60]
    return slug or f"q{seed % 1_000_000}"


def _web_search(subject: str, ru: bool, seed: int) -> tuple[str, ToolUse]:
    slug = _slug(subject, seed)
    sources = (
        (f"https://news.example/{slug}", f"Новости: {subject}" if ru else f"News: {subject}"),
        (f"https://docs.example/{slug}", f"Справка: {subject}" if ru else f"Guide: {subject}"),
    )
    if ru:
        answer = (
            f"По теме «{subject}» нашлось следующее [sources=[1]]. "
            f"Подробности приведены в справочном материале [sources=[2]]."
        )
    else:
        answer = (
            f"Here is what the web says about {subject} [sources=[1]]. "
            f"More details are in the reference material [sources=[2]]."
        )
    return answer, ToolUse("web_search", sources=sources)


def _sequence_sum(kind: str, count: int) -> int:
    kind = kind.lower()
    if kind.startswith(("prime", "прост")):
        primes: list[int] = []
        candidate = 2
        while len(primes) < count:
            if all(candidate % p for p in primes if p * p <= candidate):
                primes.append(candidate)
            candidate += 1
        return sum(primes)
    if kind.startswith(("odd", "нечетн", "нечётн")):
        return count * count
    if kind.startswith(("even", "четн", "чётн")):
        return count * (count + 1)
    return count * (count + 1) // 2


def _code_answer(text: str, subject: str, ru: bool) -> str:
    sequence = _SEQUENCE_SUM.search(text)
    if sequence is not None:
        count = int(sequence.group(1) or sequence.group(3))
        kind = sequence.group(2) or sequence.group(4)
        total = _sequence_sum(kind, count)
        if ru:
            return f"Код выполнен: сумма первых {count} чисел ({kind}…) равна {total}."
        return f"The sum of the first {count} {kind.lower()} numbers is {total}."
    factorial = _FACTORIAL.search(text)
    if factorial is not None:
        number = int(next(group for group in factorial.groups() if group))
        value = math.factorial(number)
        return f"Код выполнен: {number}! = {value}." if ru else f"{number}! = {value}."
    expression = find_expression(text)
    evaluated = evaluate(expression.value) if expression is not None else None
    if expression is not None and evaluated is not None:
        result = format_number(evaluated)
        if ru:
            return f"Код выполнен: {expression.value} = {result}."
        return f"The code ran: {expression.value} = {result}."
    if ru:
        return f"Код по задаче «{subject}» выполнен без ошибок."
    return f"The code for {subject} ran without errors."
