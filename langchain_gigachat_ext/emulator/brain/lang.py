"""Word-level language helpers for the brain: words, stems, stop words, concepts, language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Language = Literal["en", "ru"]

WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
"""A word: letters/digits of any script, with an optional inner apostrophe ("what's")."""

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def vocabulary(text: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated string (keeps word lists compact)."""
    return frozenset(text.split())


STOP_WORDS = vocabulary(
    """
    a an the and or but if then else of to in on at by for from with without about into over
    under is are was were be been being am do does did done have has had having i me my we our
    you your he she it its they them their this that these those what which who whom whose when
    where why how all any some no not can could would should will shall may might must please
    tell give show let lets let's just also very so than too as up out there here one two it's
    what's i'm us value use using tool tools function call make get got want need like
    и в во на с со к ко по о об обо от до из за для у же ли бы не ни но а или то что как так это
    этот эта эти мне меня мой моя мою мы нам нас ты тебя вы вас он она оно они его ее её их там
    тут где когда почему зачем какой какая какие каков сколько есть быть был была было были
    будет пожалуйста скажи расскажи покажи дай сделай можешь можно нужно надо хочу используй
    инструмент функцию функция вызови про при над под через после перед между все всё еще ещё
    уже очень тоже также если чтобы потому
    """
)
"""Words that carry no topic (English and Russian)."""

FILLER_WORDS = vocabulary(
    """
    explain describe write find search look create generate named called include including
    return answer respond reply give tell show list provide extract
    объясни опиши напиши найди поищи создай сгенерируй назови верни ответь покажи перечисли
    посчитай вычисли сколько будет
    """
)
"""Request verbs: not topical in answers and free-text argument values."""

GENERIC_NAME_WORDS = vocabulary(
    """
    get set fetch find search make create do run call tool tools func function fn my the a an
    info information data by for of to from with new list check retrieve lookup look query use
    helper api util utils handler action execute perform
    """
)
"""Words of function names that say nothing about the function's topic."""

_CONCEPT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("weath", "погод", "forec", "прогн", "tempe", "темпе"),
    ("curre", "валют", "excha", "курс", "rate", "rates", "обмен", "конве", "conve"),
    ("calcu", "вычис", "посчи", "счита", "math", "expre", "выраж", "кальк", "compu", "evalu"),
    ("add", "adder", "sum", "plus", "сложи", "сумм", "плюс"),
    ("produ", "товар", "catal", "катал", "item", "items", "shop", "магаз", "прайс"),
    ("balan", "балан", "остат", "funds"),
    ("accou", "счет", "счёт"),
    ("card", "cards", "карт", "карто"),
    ("block", "блоки", "забло", "заблк", "freez", "замор"),
    ("docum", "докум", "file", "files", "файл", "knowl", "базе", "retri"),
    ("searc", "поиск", "найд", "find", "ищи", "искат", "найти"),
    ("joke", "jokes", "шутк", "анекд", "шути", "пошут"),
    ("custo", "клиен", "client"),
    ("order", "заказ"),
    ("greet", "приве", "hello", "hi"),
    ("day", "дня", "дне", "дни", "сутк"),
    ("city", "citie", "город", "locat", "place", "мест", "адрес", "addre"),
)
"""Cross-lingual stem groups, so a Russian question can match an English function."""

_CONCEPT_OF: dict[str, str] = {stem: group[0] for group in _CONCEPT_GROUPS for stem in group}

_RU_ENDINGS = "аеиоуыэюяйь"


def words(text: str) -> list[str]:
    """Split text into words, breaking ``snake_case`` and ``camelCase`` identifiers apart."""
    return WORD_RE.findall(_CAMEL_BOUNDARY.sub(" ", text.replace("_", " ")))


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """Crude language-aware stem: lowercase, drop inflection endings, keep ~5 characters.

    So "карта"/"карты"/"карту" → "карт" and "products"/"product" → "produ".
    """
    lowered = word.lower().replace("ё", "е").replace("’", "'")
    lowered = lowered.removesuffix("'s")
    if re.search(r"[\u0400-\u04FF]", lowered):
        stripped = 0
        while len(lowered) > 3 and lowered[-1] in _RU_ENDINGS and stripped < 2:
            lowered = lowered[:-1]
            stripped += 1
    elif len(lowered) > 4 and lowered.endswith("ies"):
        lowered = lowered[:-3] + "y"
    elif len(lowered) > 3 and lowered.endswith("s") and not lowered.endswith("ss"):
        lowered = lowered[:-1]
    return lowered[:5]


def concept(word: str) -> str:
    """Map a word to its cross-lingual concept id (its stem when no group knows it)."""
    stemmed = stem(word)
    return _CONCEPT_OF.get(stemmed, stemmed)


def is_stop_word(word: str) -> bool:
    """True when the word carries no topic."""
    return word.lower().replace("ё", "е") in STOP_WORDS or word.lower() in STOP_WORDS


def content_concepts(text: str, *, ignore: frozenset[str] = frozenset()) -> set[str]:
    """Concept ids of the topical words of ``text`` (stop words and ``ignore`` words dropped)."""
    return {
        concept(word)
        for word in words(text)
        if not is_stop_word(word) and word.lower() not in ignore and not word.isdigit()
    }


def detect_language(text: str) -> Language:
    """``ru`` when Cyrillic letters outnumber Latin ones, else ``en``."""
    cyrillic = len(re.findall(r"[\u0400-\u04FF]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "ru" if cyrillic > latin else "en"


@dataclass(frozen=True)
class Keyword:
    """A topical word of the user's text, in its original spelling."""

    text: str
    """The word as written."""
    start: int
    """Offset in the source text."""


def keywords(text: str, limit: int = 4) -> list[Keyword]:
    """Topical words of ``text`` in order of appearance, one per stem, at most ``limit``.

    Args:
        text: Source text.
        limit: Maximum number of keywords.

    Returns:
        Keywords with their offsets.
    """
    found: list[Keyword] = []
    seen: set[str] = set()
    source = text.replace("_", " ")
    for match in WORD_RE.finditer(source):
        word = match.group(0)
        if is_stop_word(word) or word.lower() in FILLER_WORDS:
            continue
        if len(word) < 3 and not _is_cjk(word):
            continue
        key = stem(word)
        if key in seen:
            continue
        seen.add(key)
        found.append(Keyword(word, match.start()))
        if len(found) >= limit:
            break
    return found


def key_phrases(text: str, limit: int = 3) -> list[str]:
    """Runs of adjacent topical words ("black holes", "квантовые компьютеры"), at most ``limit``.

    Args:
        text: Source text.
        limit: Maximum number of phrases.

    Returns:
        Phrases in order of appearance, in their original spelling.
    """
    found = keywords(text, limit=8)
    phrases: list[str] = []
    previous_end = -1
    for keyword in found:
        gap = text[previous_end : keyword.start] if previous_end >= 0 else "x"
        if phrases and gap.strip() == "" and len(phrases[-1].split()) < 3:
            phrases[-1] += gap + keyword.text
        else:
            phrases.append(keyword.text)
        previous_end = keyword.start + len(keyword.text)
    return phrases[:limit]


def _is_cjk(word: str) -> bool:
    return bool(re.search(r"[\u3040-\u30FF\u3400-\u9FFF\uAC00-\uD7AF]", word))
