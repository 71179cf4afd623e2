"""Function selection and argument filling for cookbook-style tools (generic matching)."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gigachat_ext.emulator.brain.core import Brain, Conversation, Turn
from langchain_gigachat_ext.emulator.brain.facts import extract_facts
from langchain_gigachat_ext.emulator.brain.functions import (
    best_function,
    choose_function,
    match_score,
    wants_tool,
)


def _function(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "parameters": {"type": "object", "properties": properties, "required": list(properties)},
    }


EXCHANGE_RATE = _function(
    "get_exchange_rate",
    "Курс обмена валют",
    {
        "currency_from": {"type": "string", "description": "ISO код исходной валюты"},
        "currency_to": {"type": "string", "description": "ISO код целевой валюты"},
    },
)
CALCULATE = _function(
    "calculate",
    "Evaluate an arithmetic expression",
    {"expression": {"type": "string", "description": "math expression"}},
)
SEARCH_PRODUCTS = _function(
    "search_products", "Search the product catalogue", {"query": {"type": "string"}}
)
ACCOUNT_BALANCE = _function(
    "get_account_balance", "Баланс счёта клиента", {"account_id": {"type": "string"}}
)
BLOCK_CARD = _function(
    "block_card",
    "Заблокировать банковскую карту",
    {"card_last4": {"type": "string", "description": "последние 4 цифры карты"}},
)
SEARCH_DOCUMENTS = _function(
    "search_documents", "Search the knowledge base documents", {"query": {"type": "string"}}
)
WEATHER_RU = {
    **_function(
        "weather_forecast",
        "Прогноз погоды",
        {
            "location": {"type": "string", "description": "Город"},
            "num_days": {"type": "integer", "description": "Количество дней"},
        },
    ),
    "few_shot_examples": [
        {"request": "Погода в Москве на 3 дня", "params": {"location": "Москва", "num_days": 3}}
    ],
}
WEATHER_RU["parameters"]["required"] = ["location"]

ALL_TOOLS = (
    EXCHANGE_RATE,
    CALCULATE,
    SEARCH_PRODUCTS,
    ACCOUNT_BALANCE,
    BLOCK_CARD,
    SEARCH_DOCUMENTS,
    WEATHER_RU,
)

# prompt, expected function, expected arguments (auto mode, all tools offered at once)
COOKBOOK_TABLE = [
    (
        "Какой курс доллара к рублю?",
        "get_exchange_rate",
        {"currency_from": "USD", "currency_to": "RUB"},
    ),
    (
        "Сколько юаней дают за евро?",
        "get_exchange_rate",
        {"currency_from": "CNY", "currency_to": "EUR"},
    ),
    (
        "Convert USD to EUR please",
        "get_exchange_rate",
        {"currency_from": "USD", "currency_to": "EUR"},
    ),
    ("Посчитай (15 + 27) * 3", "calculate", {"expression": "(15 + 27) * 3"}),
    ("What is 12 times 7?", "calculate", {"expression": "12 * 7"}),
    ("Сколько будет 2^10?", "calculate", {"expression": "2 ** 10"}),
    (
        "Find wireless headphones in the product catalogue",
        "search_products",
        {"query": "wireless headphones"},
    ),
    ("Найди в каталоге товаров ноутбуки", "search_products", {"query": "ноутбуки"}),
    (
        "Какой баланс на счёте 40817810099910004312?",
        "get_account_balance",
        {"account_id": "40817810099910004312"},
    ),
    ("Заблокируй мою карту, последние цифры 4821", "block_card", {"card_last4": "4821"}),
    (
        "Search the documents for the vacation policy",
        "search_documents",
        {"query": "vacation policy"},
    ),
    ("Какая погода в Москве на 3 дня?", "weather_forecast", {"location": "Москве", "num_days": 3}),
]


@pytest.mark.parametrize(
    ("prompt", "expected_name", "expected_arguments"),
    COOKBOOK_TABLE,
    ids=[row[0] for row in COOKBOOK_TABLE],
)
def test_cookbook_prompts_pick_the_tool_and_fill_arguments(
    prompt: str, expected_name: str, expected_arguments: dict[str, Any]
) -> None:
    conversation = Conversation(
        model="GigaChat-2-Max", turns=(Turn("user", prompt),), functions=ALL_TOOLS
    )
    reply = Brain().reply(conversation)
    assert reply.function_call == {"name": expected_name, "arguments": expected_arguments}


@pytest.mark.parametrize(
    "prompt",
    [
        "Привет! Как дела?",
        "Hello!",
        "Tell me about the history of Rome.",
        "Кто написал «Войну и мир»?",
    ],
)
def test_unrelated_prompts_are_answered_in_text(prompt: str) -> None:
    conversation = Conversation(
        model="GigaChat-2", turns=(Turn("user", prompt),), functions=ALL_TOOLS
    )
    reply = Brain().reply(conversation)
    assert reply.function_call is None
    assert reply.content


def test_mode_none_never_calls() -> None:
    conversation = Conversation(
        model="GigaChat-2",
        turns=(Turn("user", "Какой курс доллара к рублю?"),),
        functions=ALL_TOOLS,
        function_call="none",
    )
    assert Brain().reply(conversation).function_call is None


def test_forced_call_merges_partial_arguments() -> None:
    conversation = Conversation(
        model="GigaChat-2",
        turns=(Turn("user", "Какой курс доллара?"),),
        functions=ALL_TOOLS,
        function_call={"name": "get_exchange_rate", "partial_arguments": {"currency_to": "KZT"}},
    )
    reply = Brain().reply(conversation)
    assert reply.function_call == {
        "name": "get_exchange_rate",
        "arguments": {"currency_from": "USD", "currency_to": "KZT"},
    }


def test_result_answer_quotes_values_in_the_question_language() -> None:
    turns = (
        Turn("user", "Какой курс доллара к рублю?"),
        Turn(
            "assistant",
            "",
            function_call={
                "name": "get_exchange_rate",
                "arguments": {"currency_from": "USD", "currency_to": "RUB"},
            },
        ),
        Turn("function", '{"rate": 92.45, "date": "2025-01-10"}', name="get_exchange_rate"),
    )
    reply = Brain().reply(Conversation(model="GigaChat-2", turns=turns, functions=ALL_TOOLS))
    assert reply.function_call is None
    assert reply.content == "По данным get_exchange_rate: rate: 92.45; date: 2025-01-10."


def test_new_question_after_a_result_can_call_again() -> None:
    turns = (
        Turn("user", "Посчитай 2 + 2"),
        Turn(
            "assistant",
            "",
            function_call={"name": "calculate", "arguments": {"expression": "2 + 2"}},
        ),
        Turn("function", '{"result": 4}', name="calculate"),
        Turn("assistant", "По данным calculate: 4"),
        Turn("user", "А теперь посчитай 10 / 4"),
    )
    reply = Brain().reply(Conversation(model="GigaChat-2", turns=turns, functions=ALL_TOOLS))
    assert reply.function_call == {"name": "calculate", "arguments": {"expression": "10 / 4"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What does square_root(16) give? Use the tool.", True),
        ("Using the tool, write a Shakespearean farewell.", True),
        ("Используй инструмент для ответа", True),
        ("What is the weather?", False),
    ],
)
def test_wants_tool(text: str, expected: bool) -> None:
    assert wants_tool(text) is expected


@pytest.mark.parametrize(
    ("text", "function", "minimum"),
    [
        ("call square_root please", {"name": "square_root"}, 10),
        ("погода в Сочи", {"name": "get_weather", "description": "Get the weather"}, 3),
        ("weather at this place", {"name": "get_weather", "description": "Weather at a place"}, 5),
    ],
)
def test_match_score_rewards_name_and_description(
    text: str, function: dict[str, Any], minimum: int
) -> None:
    assert match_score(function, text) >= minimum


def test_choose_function_prefers_the_best_match_in_any_order() -> None:
    facts = extract_facts("Search the documents about onboarding")
    assert choose_function((SEARCH_PRODUCTS, SEARCH_DOCUMENTS), facts.text, facts) is (
        SEARCH_DOCUMENTS
    )
    assert choose_function((SEARCH_DOCUMENTS, SEARCH_PRODUCTS), facts.text, facts) is (
        SEARCH_DOCUMENTS
    )
    assert choose_function((), facts.text, facts) is None


def test_equal_scores_go_to_the_first_name_not_the_first_position() -> None:
    text = "Use the tool, please."
    first = best_function((SEARCH_PRODUCTS, CALCULATE), text)
    second = best_function((CALCULATE, SEARCH_PRODUCTS), text)
    assert first == second == (CALCULATE, 0)
