"""Built-in tools: which one a request asks for, their answers, forced use."""

from __future__ import annotations

import re
from typing import Any

import pytest

from langchain_gigachat_ext.emulator.brain.builtins import builtin_answer, choose_builtin
from langchain_gigachat_ext.emulator.brain.core import Brain, Conversation, Reply, Turn


def ask(text: str, **fields: Any) -> Reply:
    turns = (Turn(role="user", content=text),)
    return Brain().reply(Conversation(model="GigaChat-2", turns=turns, **fields))


@pytest.mark.parametrize(
    ("offered", "forced", "text", "expected"),
    [
        (("web_search",), None, "Search the web for Python news", "web_search"),
        (("web_search",), None, "Найди в интернете курс биткоина", "web_search"),
        (("image_generate",), None, "Draw a cat", "image_generate"),
        (("image_generate",), None, "Create a simple square icon concept", "image_generate"),
        (("image_generate",), None, "Нарисуй кота", "image_generate"),
        (("code_interpreter",), None, "Calculate 2+2. Use code.", "code_interpreter"),
        (
            ("url_content_extraction",),
            None,
            "Summarise https://a.example/x",
            "url_content_extraction",
        ),
        (
            ("web_search", "url_content_extraction"),
            None,
            "Search https://a.example",
            "url_content_extraction",
        ),
        (("web_search",), None, "Tell me a joke", None),
        (("code_interpreter",), None, "Draw a cat", None),
        (("web_search",), "web_search", "Tell me a joke", "web_search"),
    ],
)
def test_choose_builtin(
    offered: tuple[str, ...], forced: str | None, text: str, expected: str | None
) -> None:
    assert choose_builtin(offered, forced, text) == expected


@pytest.mark.parametrize(
    ("name", "text", "piece"),
    [
        ("code_interpreter", "Calculate the sum of the first 20 prime numbers. Use code.", "639"),
        ("code_interpreter", "sum of the first 10 odd numbers, compute", "100"),
        ("code_interpreter", "compute factorial of 5", "120"),
        ("code_interpreter", "calculate (2 + 3) * 4", "20"),
        (
            "url_content_extraction",
            "Read https://docs.python.org/3/ please.",
            "https://docs.python.org/3/",
        ),
        ("image_generate", "Draw a red fox", "red fox"),
    ],
)
def test_builtin_answers(name: str, text: str, piece: str) -> None:
    answer, use = builtin_answer(name, text, "en", 1)
    assert piece in answer
    assert use.name == name
    assert use.image is (name == "image_generate")


def test_web_search_cites_every_source() -> None:
    answer, use = builtin_answer("web_search", "Search for Python release news", "en", 1)
    assert len(use.sources) == 2
    for number in range(1, len(use.sources) + 1):
        assert f"[sources=[{number}]]" in answer
    assert all(url.startswith("https://") and ".example/" in url for url, _ in use.sources)


def test_brain_uses_a_forced_builtin_and_skips_it_after_results() -> None:
    forced = ask("Tell me a joke", builtin_tools=("web_search",), forced_tool="web_search")
    assert forced.tool_use is not None
    assert forced.tool_use.name == "web_search"
    regex = ask("Give a code", response_format={"type": "regex", "regex": r"\d{3}"})
    assert re.fullmatch(r"\d{3}", regex.content)
    assert regex.tool_use is None
