"""Plain-text answers of the brain: greetings, arithmetic, jokes, stories, tool-result summaries."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from langchain_gigachat_ext.emulator.brain.facts import (
    evaluate,
    find_expression,
    format_number,
    render_value,
)
from langchain_gigachat_ext.emulator.brain.lang import Language, key_phrases, keywords

T = TypeVar("T")

_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|good (?:morning|afternoon|evening)|greetings|привет\w*|здравствуй\w*"
    r"|добр\w+ (?:день|утро|вечер)|салют|хай)\b[\s!.,]*$",
    re.IGNORECASE,
)
_HOW_ARE_YOU = re.compile(r"how are you|как (?:дела|ты|поживаешь)", re.IGNORECASE)
_JOKE_REQUEST = re.compile(r"\bjokes?\b|шутк|анекдот|пошути", re.IGNORECASE)
_STORY_REQUEST = re.compile(
    r"\bstory\b|\btale\b|\bpoem\b|истори|сказк|рассказ\b|стих", re.IGNORECASE
)
_TOPIC = re.compile(
    r"(?:\b(?:about|regarding|on)|(?<!\w)(?:про|о|об|обо))\s+((?:a |an |the )?[\w'’-]+)",
    re.IGNORECASE,
)

_JOKES: dict[Language, tuple[tuple[str, str], ...]] = {
    "en": (
        ("Why did the {t} sit on the computer?", "To keep an eye on the mouse!"),
        ("What do you call a {t} that tells jokes?", "A pun-dit with impeccable timing!"),
        ("Why did the {t} bring a ladder to the meeting?", "It heard the stakes were high!"),
        ("Why doesn't a {t} ever get lost?", "Because it always follows its own punchline!"),
    ),
    "ru": (
        ("Почему тема «{t}» такая популярная?", "Потому что про неё всегда есть что пошутить!"),
        ("Что сказал {t} на совещании?", "Ничего — он просто многозначительно промолчал!"),
        ("Зачем {t} взял с собой лестницу?", "Говорят, ставки были слишком высоки!"),
    ),
}
"""Setup/punchline templates; ``{t}`` is the topic from the user's text."""


def pick(options: Sequence[T], seed: int, salt: str = "") -> T:
    """Choose one option deterministically from ``seed`` (no global random state)."""
    digest = hashlib.blake2b(f"{seed}:{salt}".encode(), digest_size=8).digest()
    return options[int.from_bytes(digest, "big") % len(options)]


def topic_of(text: str, lang: Language) -> str:
    """The subject of a request: the word after "about"/"про", else the first keyword."""
    match = _TOPIC.search(text)
    if match:
        return re.sub(r"^(?:a|an|the) ", "", match.group(1), flags=re.IGNORECASE)
    found = [k.text for k in keywords(text, limit=6) if not _JOKE_REQUEST.search(k.text)]
    if found:
        return found[0]
    return "жизнь" if lang == "ru" else "life"


def joke(text: str, lang: Language, seed: int) -> tuple[str, str]:
    """A (setup, punchline) pair about the topic of ``text``."""
    setup, punchline = pick(_JOKES[lang], seed, "joke")
    topic = _singular(topic_of(text, lang)) if lang == "en" else topic_of(text, lang)
    return setup.format(t=topic), punchline.format(t=topic)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def plain_answer(text: str, lang: Language, seed: int, *, has_attachments: bool = False) -> str:
    """A short, relevant answer to the user's last message.

    Args:
        text: The user's last message.
        lang: Answer language.
        seed: Deterministic seed of the conversation.
        has_attachments: The message carried files (the answer acknowledges them).

    Returns:
        One to three sentences that mention the key words of the question.
    """
    ru = lang == "ru"
    if not text.strip():
        return "Чем могу помочь?" if ru else "How can I help you?"
    if _GREETING.match(text):
        return "Здравствуйте! Чем могу помочь?" if ru else "Hello! How can I help you today?"
    if _HOW_ARE_YOU.search(text):
        return (
            "Спасибо, всё отлично! Чем могу помочь?"
            if ru
            else "I'm doing well, thanks! How can I help?"
        )
    expression = find_expression(text)
    if expression is not None:
        value = evaluate(expression.value)
        if value is not None:
            answer = f"{expression.value} = {format_number(value)}."
            return f"Ответ: {answer}" if ru else f"The answer is {answer}"
    if _JOKE_REQUEST.search(text):
        setup, punchline = joke(text, lang, seed)
        return f"{setup} {punchline}"
    if _STORY_REQUEST.search(text):
        return _story(topic_of(text, lang), lang, seed)
    found = key_phrases(text)
    prefix = ""
    if has_attachments:
        prefix = "Я изучил приложенный файл. " if ru else "I have looked at the attached file. "
    if not found:
        return prefix + (
            "Понял вас. Уточните, пожалуйста, вопрос."
            if ru
            else "Understood. Could you tell me a bit more?"
        )
    subject = _join(found, lang)
    if ru:
        first = pick(
            ("Коротко о теме «{s}».", "Отвечаю про «{s}».", "Вот краткий ответ про «{s}»."),
            seed,
            "a",
        )
        second = pick(
            (
                "Главное здесь — {k}; если нужно, расскажу подробнее.",
                "Ключевой момент — {k}, могу пояснить детали.",
            ),
            seed,
            "b",
        )
    else:
        first = pick(
            (
                "Here is a brief answer about {s}.",
                "Regarding {s}: here is the short version.",
                "You asked about {s}.",
            ),
            seed,
            "a",
        )
        second = pick(
            (
                "The key point is {k}; I can go into more detail if you like.",
                "In short, {k} matters most here, and I am happy to elaborate.",
            ),
            seed,
            "b",
        )
    return prefix + first.format(s=subject) + " " + second.format(k=found[0])


def _join(items: list[str], lang: Language) -> str:
    if len(items) == 1:
        return items[0]
    conjunction = " и " if lang == "ru" else " and "
    return ", ".join(items[:-1]) + conjunction + items[-1]


def _story(topic: str, lang: Language, seed: int) -> str:
    if lang == "ru":
        return (
            f"Жил-был {topic}, который мечтал увидеть мир. "
            f"Однажды {topic} отправился в путь и встретил много новых друзей. "
            "Вернувшись домой, он понял, что самое интересное всегда рядом."
        )
    mood = pick(("curious", "brave", "sleepy", "cheerful"), seed, "story")
    return (
        f"Once upon a time there was a {mood} {topic} who dreamed of seeing the world. "
        f"One morning the {topic} set off on a journey and made many new friends. "
        "Back home, it realised that the best adventures are often close by."
    )


def function_result_answer(name: str, result: str, lang: Language) -> str:
    """Answer the user with the values a function returned (quoted verbatim).

    Args:
        name: The function's name.
        result: The function turn's content (JSON text, or plain text from lenient clients).
        lang: Answer language.

    Returns:
        A sentence that quotes the result's values.
    """
    try:
        parsed: Any = json.loads(result)
    except (json.JSONDecodeError, TypeError):
        parsed = result
    rendered = render_value(parsed)
    is_error = (isinstance(parsed, dict) and "error" in parsed) or rendered.lower().startswith(
        "error"
    )
    if lang == "ru":
        if is_error:
            return f"Функция {name} вернула ошибку: {rendered}"
        return f"По данным {name}: {rendered}"
    if is_error:
        return f"The tool {name} reported an error: {rendered}"
    return f"According to {name}: {rendered}"


def reasoning(text: str, lang: Language, effort: str | None, action: str) -> str:
    """A short deterministic "thinking" text for reasoning models.

    Args:
        text: The user's last message.
        lang: Language of the reasoning.
        effort: ``low``/``medium``/``high`` (None means medium).
        action: What the model decided to do, e.g. "answer" or "call forecast".

    Returns:
        One to three sentences.
    """
    found = _join(key_phrases(text) or ["—"], lang)
    if lang == "ru":
        sentences = [
            f"Пользователь спрашивает о: {found}.",
            f"План: {action}.",
            "Проверю, что ответ краткий и точный.",
        ]
    else:
        sentences = [
            f"The user is asking about {found}.",
            f"Plan: {action}.",
            "I will double-check that the answer is short and accurate.",
        ]
    count = {"low": 1, "high": 3}.get(effort or "medium", 2)
    return " ".join(sentences[:count])
