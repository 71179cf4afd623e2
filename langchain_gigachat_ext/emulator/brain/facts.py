"""What the brain reads from the conversation: the turns that matter and the facts of a text.

The turns: the latest user message, its language, the function results pending after it, the
functions already called for it, the text arguments are filled from. The facts of a text: quotes,
numbers, ids, currencies, an arithmetic expression, capitalised names.
"""

from __future__ import annotations

import ast
import json
import operator
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_gigachat_ext.emulator.brain.lang import Language, detect_language

if TYPE_CHECKING:
    from langchain_gigachat_ext.emulator.brain.core import Turn

Span = tuple[int, int]

_QUOTE_PATTERNS = (
    re.compile(r'"([^"\n]+)"'),
    re.compile(r"«([^»\n]+)»"),
    re.compile(r"“([^”\n]+)”"),
    re.compile(r"„([^“”\n]+)[“”]"),
    re.compile(r"`([^`\n]+)`"),
    re.compile(r"(?<!\w)'([^'\n]+?)'(?!\w)"),
    re.compile(r"(?<!\w)‘([^’\n]+?)’(?!\w)"),
)

_NUMBER = re.compile(r"(?<![\w.])(-?)(\d+(?:\.\d+)?)(?![\w]|\.\d)")
_DATE_OR_TIME = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?|\b\d{1,2}\.\d{1,2}\.\d{4}\b"
    r"|\b\d{1,2}:\d{2}\b"
)
"""Dates and clock times: their digits are not numbers of their own."""
_ID_TOKEN = re.compile(r"(?<![\w-])[\w-]*\d[\w-]*(?![\w-])")

_CURRENCIES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(pattern, re.IGNORECASE))
    for code, pattern in (
        ("USD", r"\busd\b|\$|доллар\w*|\bdollars?\b|бакс\w*"),
        ("EUR", r"\beur\b|€|\bевро\b|\beuros?\b"),
        ("CNY", r"\bcny\b|\brmb\b|юан\w*|\byuan\b|renminbi"),
        ("RUB", r"\brub\b|₽|\bруб\w*|\broubles?\b|\brubles?\b"),
        ("GBP", r"\bgbp\b|£|фунт\w*|\bpounds?\b"),
        ("JPY", r"\bjpy\b|\bиен\w*|\bйен\w*|\byen\b"),
        ("CHF", r"\bchf\b|франк\w*|\bfrancs?\b"),
        ("KZT", r"\bkzt\b|тенге|\btenge\b"),
        ("TRY", r"\btry\b(?=\W*$|\W+(?:to|в|к)\b)|лир\w*|\blira\b"),
        ("AED", r"\baed\b|дирхам\w*|\bdirhams?\b"),
        ("INR", r"\binr\b|рупи\w*|\brupees?\b"),
        ("BYN", r"\bbyn\b|белорусск\w* руб\w*"),
    )
)
"""ISO 4217 codes with the English/Russian words (any case ending) that name them."""

_WORD_OPERATORS = (
    (re.compile(r"\s*(?:plus|плюс|прибавить)\s*", re.IGNORECASE), " + "),
    (re.compile(r"\s*(?:minus|минус|отнять|вычесть)\s*", re.IGNORECASE), " - "),
    (
        re.compile(r"\s*(?:times|multiplied by|умножить на|умноженное на)\s*", re.IGNORECASE),
        " * ",
    ),
    (re.compile(r"\s*(?:divided by|разделить на|делить на|поделить на)\s*", re.IGNORECASE), " / "),
    (re.compile(r"(?<=\d)\s*[xх×]\s*(?=\d)"), " * "),
    (re.compile(r"÷"), " / "),
    (re.compile(r"\^"), " ** "),
)

_NUM = r"-?\d+(?:[.,]\d+)?"
_EXPRESSION = re.compile(rf"[(\s]*{_NUM}\s*\)*(?:\s*(?:\*\*|[-+*/])\s*[(\s]*{_NUM}\s*\)*)+")

_BIN_OPS: dict[type[ast.operator], Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.Mod: operator.mod,
    ast.FloorDiv: operator.floordiv,
}
_UNARY_OPS: dict[type[ast.unaryop], Any] = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_MAX_EXPONENT = 64

_CAPITALIZED_RUN = re.compile(
    r"(?<![\w'])(?:[A-ZА-ЯЁ][\w'’-]*)(?:\s+(?:[A-ZА-ЯЁ][\w'’-]*|de|da|del))*"
    r"(?:,\s*[A-Z]{2}\b)?"
)
_LOCATION_PREPOSITIONS = re.compile(
    r"(?:\b(?:in|at|for|near|to|from)|(?<!\w)(?:в|во|на|из|для))\s+$", re.IGNORECASE
)


@dataclass(frozen=True)
class Found:
    """A value found in the text together with where it was found."""

    value: Any
    """The value (str, int, float)."""
    span: Span
    """Character range in the source text."""


@dataclass
class TextFacts:
    """Everything extracted once from a user message, plus the spans already used as values."""

    text: str
    """The user's text."""
    quotes: list[Found] = field(default_factory=list)
    """Quoted fragments, in order."""
    numbers: list[Found] = field(default_factory=list)
    """Numbers (int or float), in order."""
    id_tokens: list[Found] = field(default_factory=list)
    """Tokens that contain digits (account numbers, card digits, order ids), in order."""
    currencies: list[Found] = field(default_factory=list)
    """ISO codes of mentioned currencies, in order of mention, consecutive repeats dropped."""
    expression: Found | None = None
    """The longest arithmetic expression, normalized to Python operators."""
    used: list[Span] = field(default_factory=list)
    """Spans already consumed by earlier arguments."""

    def is_free(self, span: Span) -> bool:
        """True when ``span`` does not overlap anything already used."""
        return all(span[1] <= start or span[0] >= end for start, end in self.used)

    def take(self, items: list[Found]) -> Found | None:
        """Return the first unused item of ``items`` and mark it used."""
        for item in items:
            if self.is_free(item.span):
                self.used.append(item.span)
                return item
        return None


def extract_facts(text: str) -> TextFacts:
    """Extract quotes, numbers, id-like tokens, currencies and an arithmetic expression."""
    facts = TextFacts(text=text)
    for pattern in _QUOTE_PATTERNS:
        facts.quotes.extend(
            Found(match.group(1), match.span(1))
            for match in pattern.finditer(text)
            if match.group(1).strip()
        )
    facts.quotes.sort(key=lambda found: found.span)
    dates = [match.span() for match in _DATE_OR_TIME.finditer(text)]
    for match in _NUMBER.finditer(text):
        if any(start <= match.start(2) < end for start, end in dates):
            continue
        sign, digits = match.group(1), match.group(2)
        before = text[: match.start()].rstrip()
        if sign and before and (before[-1].isdigit() or before[-1] == ")"):
            sign = ""  # "3 -4" is a subtraction, not a negative number
        value: float = float(digits) if "." in digits else int(digits)
        facts.numbers.append(Found(-value if sign else value, match.span(2)))
    facts.id_tokens = [Found(m.group(0), m.span()) for m in _ID_TOKEN.finditer(text)]
    facts.currencies = _find_currencies(text)
    facts.expression = find_expression(text)
    return facts


def _find_currencies(text: str) -> list[Found]:
    mentions = sorted(
        (match.start(), match.end(), code)
        for code, pattern in _CURRENCIES
        for match in pattern.finditer(text)
    )
    found: list[Found] = []
    for start, end, code in mentions:
        if found and found[-1].value == code:
            continue
        found.append(Found(code, (start, end)))
    return found


def find_expression(text: str) -> Found | None:
    """Find the longest arithmetic expression (word operators like "plus"/"плюс" understood).

    Returns:
        The expression rewritten with Python operators, or None when there is none.
    """
    normalized = text
    for pattern, replacement in _WORD_OPERATORS:
        normalized = pattern.sub(replacement, normalized)
    best: re.Match[str] | None = None
    for match in _EXPRESSION.finditer(normalized):
        if re.fullmatch(r"[\d-]+", match.group(0).strip()):
            continue  # dates, phone numbers and ids like 40817-810 are not arithmetic
        if best is None or len(match.group(0).strip()) > len(best.group(0).strip()):
            best = match
    if best is None:
        return None
    expression = re.sub(r"\s+", " ", best.group(0)).strip()
    expression = _balance_parentheses(expression.replace(",", "."))
    start = text.find(expression.split(" ")[0])
    span = (max(start, 0), max(start, 0) + len(expression))
    return Found(expression, span)


def _balance_parentheses(expression: str) -> str:
    while expression.count("(") > expression.count(")") and expression.startswith("("):
        expression = expression[1:].lstrip()
    while expression.count(")") > expression.count("(") and expression.endswith(")"):
        expression = expression[:-1].rstrip()
    return expression


def evaluate(expression: str) -> float | None:
    """Safely evaluate an arithmetic expression (numbers, + - * / ** % //, parentheses).

    Returns:
        The value, or None when the expression is invalid or unsafe (huge exponents, x/0).
    """
    try:
        tree = ast.parse(expression, mode="eval")
        return float(_evaluate_node(tree.body))
    except (SyntaxError, ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None


def _evaluate_node(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN_OPS:
        left, right = _evaluate_node(node.left), _evaluate_node(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT:
            raise ValueError("exponent too large")
        return float(_BIN_OPS[type(node.op)](left, right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY_OPS:
        return float(_UNARY_OPS[type(node.op)](_evaluate_node(node.operand)))
    raise ValueError("unsupported expression")


def format_number(value: float) -> str:
    """Render a number without a trailing ``.0`` and with at most 6 decimals."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def capitalized_runs(text: str, *, after_preposition: bool = False) -> list[Found]:
    """Runs of capitalized words that do not start a sentence ("Santa Clara, CA", "Tver").

    Args:
        text: Source text.
        after_preposition: Only runs right after "in/at/for/в/на/..." (locations).

    Returns:
        The runs in order of appearance.
    """
    runs: list[Found] = []
    for match in _CAPITALIZED_RUN.finditer(text):
        before = text[: match.start()]
        stripped = before.rstrip()
        sentence_start = not stripped or stripped[-1] in ".!?\n"
        if after_preposition and not _LOCATION_PREPOSITIONS.search(before):
            continue
        if not after_preposition and sentence_start:
            continue
        value = match.group(0).rstrip(" -'’")
        if value in {"I", "I'm"}:
            continue
        runs.append(Found(value, (match.start(), match.start() + len(value))))
    return runs


# -- the turns ------------------------------------------------------------------------------------


def latest_user_text(turns: tuple[Turn, ...]) -> str:
    """The latest user message (the system prompt when there is none)."""
    for turn in reversed(turns):
        if turn.role == "user":
            return turn.content
    return next((turn.content for turn in turns if turn.role == "system"), "")


def answer_language(turns: tuple[Turn, ...], question: str) -> Language:
    """Language of the question, unless the system prompt asks for a specific one."""
    system = next((turn.content for turn in turns if turn.role == "system"), "").lower()
    if "на русском" in system or "in russian" in system or "по-русски" in system:
        return "ru"
    if "in english" in system or "на английском" in system or "по-английски" in system:
        return "en"
    return detect_language(question)


def function_result_pending(turns: tuple[Turn, ...]) -> bool:
    """Whether function results follow the latest user message."""
    return bool(pending_function_results(turns))


def pending_function_results(turns: tuple[Turn, ...]) -> list[tuple[str, str]]:
    """Function results given after the latest user message, oldest first."""
    results: list[tuple[str, str]] = []
    for turn in reversed(turns):
        if turn.role == "user":
            break
        if turn.role == "function":
            results.append((turn.name or "function", turn.content))
    return results[::-1]


def called_since_last_user(turns: tuple[Turn, ...]) -> frozenset[str]:
    """Functions already called (and answered) for the latest user message.

    A required choice then moves on to a function or enum option not yet used, as a model does
    once it has a function's result.
    """
    called: set[str] = set()
    for turn in reversed(turns):
        if turn.role == "user":
            break
        if turn.role == "function" and turn.name:
            called.add(turn.name)
        calls = [*turn.function_calls, *([turn.function_call] if turn.function_call else [])]
        called.update(call["name"] for call in calls if isinstance(call.get("name"), str))
    return frozenset(called)


def evidence_text(turns: tuple[Turn, ...], question: str) -> str:
    """The question and the function results pending after it, as plain text (one per line)."""
    results = [render_result(payload) for _, payload in pending_function_results(turns)]
    return "\n".join([question, *results])


def render_result(result: str) -> str:
    """A function result as plain ``key: value`` text (JSON parsed; other text kept as is)."""
    try:
        parsed: Any = json.loads(result)
    except (json.JSONDecodeError, TypeError):
        return result
    return render_value(parsed)


def render_value(value: Any, depth: int = 0) -> str:
    """A JSON value as short plain text: ``key: value; ...``, lists comma-separated."""
    if isinstance(value, dict):
        if len(value) == 1 and not isinstance(next(iter(value.values())), (dict, list)):
            return render_value(next(iter(value.values())), depth + 1)
        parts = [
            f"{key}: {render_value(item, depth + 1)}" for key, item in list(value.items())[:12]
        ]
        return "; ".join(parts) if depth else "; ".join(parts) + "."
    if isinstance(value, list):
        return ", ".join(render_value(item, depth + 1) for item in value[:10])
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    return str(value)
