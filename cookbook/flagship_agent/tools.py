"""The flagship agent's tools: bank exchange rates, a safe calculator, the product catalogue.

Tool descriptions are written for GigaChat: in Russian, imperative, with the argument formats
spelled out and a clear "when to call / when not to call".
"""

from __future__ import annotations

import ast
import json
import operator
import re
from collections.abc import Callable
from typing import Any

from langchain_core.tools import tool

from cookbook.data.loader import load_json

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
_MAX_EXPONENT = 100
_MAX_MAGNITUDE = 1e18
_MAX_EXPRESSION_CHARS = 200


class CalculatorError(ValueError):
    """The expression is not plain arithmetic or cannot be computed."""


def safe_eval(expression: str) -> float:
    """Evaluate plain arithmetic without ``eval``: numbers, + - * / // % **, parentheses.

    ``,`` is accepted as a decimal separator and ``%`` after a number means "per cent"
    (``15%`` → ``0.15``) unless a number follows (``7 % 2`` is modulo).

    Raises:
        CalculatorError: For anything else (names, calls, huge exponents, division by zero).
    """
    if len(expression) > _MAX_EXPRESSION_CHARS:
        raise CalculatorError("выражение слишком длинное")
    normalized = re.sub(r"(?<=\d),(?=\d)", ".", expression).replace("×", "*").replace("÷", "/")
    # "15%" is per cent; "7 % 2" (a number follows) stays the modulo operator.
    normalized = re.sub(r"(\d+(?:\.\d+)?)\s*%(?!\s*[\d(])", r"(\1/100)", normalized)
    try:
        tree = ast.parse(normalized, mode="eval")
        value = _evaluate(tree.body)
    except (SyntaxError, ZeroDivisionError, OverflowError, TypeError) as error:
        raise CalculatorError(f"не могу вычислить {expression!r}: {error}") from error
    if abs(value) > _MAX_MAGNITUDE:
        raise CalculatorError("результат слишком большой")
    return float(value)


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        if isinstance(node.value, bool):
            raise CalculatorError("недопустимое значение")
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return float(_UNARY[type(node.op)](_evaluate(node.operand)))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT:
            raise CalculatorError("слишком большая степень")
        return float(_BINARY[type(node.op)](left, right))
    raise CalculatorError(f"недопустимый элемент выражения: {type(node).__name__}")


def format_rub(value: float) -> str:
    """``144600.0`` → ``"144 600,00"`` (Russian grouping and decimal comma)."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def _rates() -> dict[str, dict[str, Any]]:
    rates: dict[str, dict[str, Any]] = {
        row["code"]: row for row in load_json("exchange_rates.json")["rates"]
    }
    return rates


def convert(amount: float, from_currency: str, to_currency: str) -> dict[str, Any]:
    """Convert through RUB at the bank's rates (bank buys ``from``, sells ``to``).

    Raises:
        ValueError: For an unknown currency code or a negative amount.
    """
    source, target = from_currency.strip().upper(), to_currency.strip().upper()
    rates = _rates()
    for code in (source, target):
        if code != "RUB" and code not in rates:
            known = ", ".join(["RUB", *sorted(rates)])
            raise ValueError(f"неизвестная валюта {code!r}; доступны: {known}")
    if amount < 0:
        raise ValueError("сумма должна быть неотрицательной")
    rub = amount
    if source != "RUB":
        row = rates[source]
        rub = amount * row["buy"] / row["nominal"]
    result = rub
    if target != "RUB":
        row = rates[target]
        result = rub / (row["sell"] / row["nominal"])
    date = load_json("exchange_rates.json")["date"]
    return {
        "amount": amount,
        "from": source,
        "to": target,
        "result": round(result, 2),
        "rate_date": date,
        "note": "курс банка в приложении: покупка для исходной валюты, продажа для целевой",
    }


_WORD = re.compile(r"[^\W_]+")


def _stems(text: str) -> set[str]:
    return {word.lower().replace("ё", "е")[:5] for word in _WORD.findall(text) if len(word) > 2}


def search_products(query: str, limit: int = 3) -> list[dict[str, Any]]:
    """Rank catalogue products by shared word stems with ``query``; best first."""
    wanted = _stems(query)
    scored = []
    for product in load_json("products.json")["products"]:
        haystack = " ".join(
            [product["id"], product["name"], product["category"], product["description"]]
        )
        score = len(wanted & _stems(haystack.replace("_", " ")))
        if score:
            scored.append((score, product))
    scored.sort(key=lambda pair: -pair[0])
    return [
        {key: product[key] for key in ("id", "name", "description", "key_figures")}
        for _, product in scored[:limit]
    ]


@tool(parse_docstring=True)
def convert_currency(amount: float, from_currency: str, to_currency: str = "RUB") -> str:
    """Пересчитай сумму из одной валюты в другую по курсу Банка «Северный Ветер».

    Вызывай, когда клиент спрашивает, сколько стоит сумма в другой валюте или по какому
    курсу обменять деньги. Не вызывай для арифметики без валют.

    Args:
        amount: Сумма в исходной валюте, число без пробелов, например 1500 или 250.5.
        from_currency: Код исходной валюты ISO 4217 заглавными буквами: USD, EUR, CNY, GBP, JPY, KZT, TRY, AED или RUB.
        to_currency: Код целевой валюты ISO 4217; по умолчанию RUB.
    """
    try:
        return json.dumps(convert(amount, from_currency, to_currency), ensure_ascii=False)
    except ValueError as error:
        return f"Ошибка: {error}"


@tool(parse_docstring=True)
def calculate(expression: str) -> str:
    """Вычисли арифметическое выражение точно, вместо того чтобы считать в уме.

    Вызывай для сумм, процентов, умножения и деления. Не вызывай для пересчёта валют.

    Args:
        expression: Выражение из чисел, скобок и операторов + - * / ** %, например (1500 * 96.4) * 0.015.
    """
    try:
        value = safe_eval(expression)
    except CalculatorError as error:
        return f"Ошибка: {error}"
    return f"{expression} = {value:g}" if abs(value) < 1e15 else f"{expression} = {value}"


@tool(parse_docstring=True)
def find_bank_products(query: str) -> str:
    """Найди карты, вклады и кредиты Банка «Северный Ветер» в каталоге продуктов.

    Вызывай, когда клиент выбирает продукт банка или спрашивает про тарифы и ставки.
    Не вызывай для курсов валют.
    Возвращает до трёх продуктов с ключевыми цифрами в JSON.

    Args:
        query: Что ищет клиент, 2–6 слов по-русски, например «дебетовая карта кешбэк».
    """
    found = search_products(query)
    if not found:
        return "Ничего не найдено. Попробуй другие слова: карта, вклад, кредит, ипотека."
    return json.dumps(found, ensure_ascii=False)


TOOLS = [convert_currency, calculate, find_bank_products]
"""The agent's tools, in the order they are offered to the model."""
