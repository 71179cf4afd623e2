"""Synthetic logprobs: the brain's tokens, the SDK's ``ChatLogprob`` shape, stable values."""

from __future__ import annotations

import pytest
from gigachat.models.chat_completions import ChatLogprob

from langchain_gigachat_ext.emulator.brain.logprobs import answer_logprobs, token_logprobs
from langchain_gigachat_ext.emulator.brain.tokens import count_tokens, split_tokens

TEXTS = [
    "",
    "   ",
    "Hello, world!",
    "  Привет, мир  ",
    "1234567 x",
    "Supercalifragilistic",
    "日本語",
]


@pytest.mark.parametrize("text", TEXTS)
def test_split_tokens_matches_the_count_and_joins_back(text: str) -> None:
    tokens = split_tokens(text)
    assert len(tokens) == count_tokens(text)
    assert all(tokens)
    assert "".join(tokens) == (text if tokens else "")


def test_split_tokens_examples() -> None:
    assert split_tokens("Hello, world!") == ("Hello", ",", " world", "!")
    assert split_tokens("1234567") == ("123", "456", "7")


@pytest.mark.parametrize("top", [1, 3, 20])
def test_entries_have_the_sdk_shape_and_ranked_candidates(top: int) -> None:
    entries = token_logprobs("Hello, world! The answer is 42.", top)
    assert len(entries) == count_tokens("Hello, world! The answer is 42.")
    for entry in entries:
        parsed = ChatLogprob.model_validate(entry)
        assert parsed.top is not None
        assert parsed.chosen is not None
        assert len(parsed.top) == top
        assert parsed.top[0] == parsed.chosen
        assert len({candidate.token for candidate in parsed.top}) == top
        values = [candidate.logprob for candidate in parsed.top]
        assert values == sorted(values, reverse=True)
        assert all(value <= 0 for value in values)


def test_values_are_deterministic() -> None:
    assert token_logprobs("same text here", 2) == token_logprobs("same text here", 2)


def test_answer_covers_texts_then_calls() -> None:
    calls = [{"name": "get_weather", "arguments": {"city": "Paris"}}]
    entries = answer_logprobs(["Thinking.", ""], calls, 1)
    tokens = [entry["chosen"]["token"] for entry in entries]
    assert "".join(tokens) == 'Thinking.get_weather{"city": "Paris"}'
