"""Token counting, truncation, chunking, plain answers, reasoning and determinism."""

from __future__ import annotations

import pytest

from langchain_gigachat_ext.emulator.brain.core import Brain, Conversation, Turn
from langchain_gigachat_ext.emulator.brain.facts import evaluate, find_expression
from langchain_gigachat_ext.emulator.brain.lang import detect_language, key_phrases, stem
from langchain_gigachat_ext.emulator.brain.tokens import (
    count_tokens,
    split_chunks,
    truncate_to_tokens,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("   ", 0),
        ("First text", 2),  # REC test_tokens_count_multiple
        ("Second text", 2),  # REC test_tokens_count_multiple
        ("Hello, world!", 4),  # REC /tokens/count for the embeddings text
        ("Привет, мир!", 4),
        ("你好啊", 3),
        ("internationalization", 4),
        ("12345678", 3),
    ],
)
def test_count_tokens(text: str, expected: int) -> None:
    assert count_tokens(text) == expected


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("one two three four", 2, "one two"),
        ("one two three four", 10, "one two three four"),
        ("Hello, world!", 2, "Hello,"),
        ("internationalization", 2, "internationa"),
        ("anything", 0, ""),
    ],
)
def test_truncate_to_tokens(text: str, limit: int, expected: str) -> None:
    assert truncate_to_tokens(text, limit) == expected
    assert count_tokens(truncate_to_tokens(text, limit)) <= limit


@pytest.mark.parametrize(
    "content",
    [
        "",
        "word",
        "  leading spaces and trailing  ",
        "Однажды в студёную зимнюю пору я из лесу вышел; был сильный мороз.",
        "你好啊集团你好啊集团你好啊集团你好啊集团",
        "line one\n\nline two\tend",
    ],
)
def test_split_chunks_join_back_exactly(content: str) -> None:
    chunks = split_chunks(content)
    assert "".join(chunks) == content
    assert all(chunks)
    assert len(chunks) == (0 if not content else max(1, len(chunks)))


def test_split_chunks_uses_several_words_per_chunk() -> None:
    assert split_chunks("a b c d e f g h i") == ("a b c d ", "e f g h ", "i")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("карта", "карт"),
        ("карты", "карт"),
        ("карту", "карт"),
        ("рублей", "рубл"),
        ("products", "produ"),
        ("product", "produ"),
        ("Счёт", "счет"),
        ("cities", "city"),
    ],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Привет, как дела?", "ru"),
        ("Hello there", "en"),
        ("GigaChat, расскажи о себе", "ru"),
        ("", "en"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("text", "expression", "value"),
    [
        ("What is 1 + 2", "1 + 2", 3.0),
        ("Посчитай (15 + 27) * 3", "(15 + 27) * 3", 126.0),
        ("сколько будет 7 умножить на 6", "7 * 6", 42.0),
        ("2^10?", "2 ** 10", 1024.0),
        ("10 / 4", "10 / 4", 2.5),
    ],
)
def test_find_and_evaluate_expression(text: str, expression: str, value: float) -> None:
    found = find_expression(text)
    assert found is not None
    assert found.value == expression
    assert evaluate(found.value) == value


@pytest.mark.parametrize("text", ["2025-01-10", "счёт 40817-810", "no numbers here"])
def test_dates_and_ids_are_not_expressions(text: str) -> None:
    assert find_expression(text) is None


@pytest.mark.parametrize("expression", ["1 / 0", "2 ** 100000", "__import__('os')", "1 +"])
def test_evaluate_rejects_unsafe_or_invalid(expression: str) -> None:
    assert evaluate(expression) is None


def test_key_phrases_group_adjacent_words() -> None:
    assert key_phrases("Расскажи про квантовые компьютеры") == ["квантовые компьютеры"]
    assert key_phrases("Explain black holes and dark matter") == ["black holes", "dark matter"]


def _reply(text: str, **kwargs: object) -> tuple[str, str | None, str]:
    reply = Brain().reply(
        Conversation(
            model=str(kwargs.pop("model", "GigaChat-2")), turns=(Turn("user", text),), **kwargs
        )
    )  # type: ignore[arg-type]
    return reply.content, reply.reasoning_content, reply.finish_reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello", "Hello! How can I help you today?"),
        ("Привет", "Здравствуйте! Чем могу помочь?"),
        ("What is 1 + 2", "The answer is 1 + 2 = 3."),
        ("Сколько будет 6 * 7?", "Ответ: 6 * 7 = 42."),
    ],
)
def test_fixed_answers(text: str, expected: str) -> None:
    assert _reply(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "must_contain"),
    [
        ("What is the capital of France?", "France"),
        ("Расскажи про квантовые компьютеры", "квантовые компьютеры"),
        ("Write a story about a cat.", "cat"),
        ("Tell me a joke about dogs", "dog"),
        ("Пошути про программистов", "программистов"),
    ],
)
def test_answers_mention_the_key_words(text: str, must_contain: str) -> None:
    content, _, _ = _reply(text)
    assert must_contain in content
    assert detect_language(content) == detect_language(text)


def test_system_prompt_can_choose_the_language() -> None:
    turns = (Turn("system", "Отвечай на русском языке."), Turn("user", "Tell me about Rome"))
    reply = Brain().reply(Conversation(model="GigaChat-2", turns=turns))
    assert detect_language(reply.content) == "ru"
    assert "Rome" in reply.content


def test_attachments_are_acknowledged() -> None:
    turns = (Turn("user", "What is in this document?", attachments=("file-1",)),)
    reply = Brain().reply(Conversation(model="GigaChat-2-Pro", turns=turns))
    assert reply.content.startswith("I have looked at the attached file.")


def test_max_tokens_cuts_and_reports_length() -> None:
    full = Brain().reply(
        Conversation(model="GigaChat-2", turns=(Turn("user", "Write a story about a cat."),))
    )
    cut = Brain().reply(
        Conversation(
            model="GigaChat-2", turns=(Turn("user", "Write a story about a cat."),), max_tokens=5
        )
    )
    assert full.finish_reason == "stop"
    assert cut.finish_reason == "length"
    assert full.content.startswith(cut.content)
    assert cut.completion_tokens == count_tokens(cut.content) <= 5
    assert "".join(cut.chunks) == cut.content


@pytest.mark.parametrize(
    ("model", "effort", "sentences"),
    [
        ("GigaChat-2", None, 0),
        ("GigaChat-2-Reasoning", None, 2),
        ("GigaChat-2", "low", 1),
        ("GigaChat-3-Ultra", "high", 3),
    ],
)
def test_reasoning_content(model: str, effort: str | None, sentences: int) -> None:
    conversation = Conversation(
        model=model, turns=(Turn("user", "Explain black holes"),), reasoning_effort=effort
    )
    reply = Brain().reply(conversation)
    if sentences == 0:
        assert reply.reasoning_content is None
    else:
        assert reply.reasoning_content is not None
        assert reply.reasoning_content.count(". ") + 1 == sentences
        assert "black holes" in reply.reasoning_content
        assert reply.content
        assert reply.completion_tokens == count_tokens(reply.content) + count_tokens(
            reply.reasoning_content
        )


def test_usage_counts_prompt_turns_and_functions() -> None:
    base = Conversation(model="GigaChat", turns=(Turn("user", "Hello"),))
    # REC test_chat_simple: "Hello" → prompt_tokens 17.
    assert Brain().reply(base).prompt_tokens == 17
    longer = Conversation(
        model="GigaChat", turns=(Turn("system", "Be brief."), Turn("user", "Hello"))
    )
    with_functions = Conversation(
        model="GigaChat",
        turns=(Turn("user", "Hello"),),
        functions=({"name": "f", "parameters": {}},),
    )
    assert Brain().reply(longer).prompt_tokens > 17
    assert Brain().reply(with_functions).prompt_tokens > 17


def test_same_conversation_same_reply_and_different_seeds_vary() -> None:
    questions = [f"Tell me about topic number {i} in biology" for i in range(8)]
    first = [
        Brain().reply(Conversation(model="GigaChat-2", turns=(Turn("user", q),))) for q in questions
    ]
    second = [
        Brain().reply(Conversation(model="GigaChat-2", turns=(Turn("user", q),))) for q in questions
    ]
    assert first == second
    assert len({reply.content.split(" about ")[0].split(":")[0] for reply in first}) > 1
