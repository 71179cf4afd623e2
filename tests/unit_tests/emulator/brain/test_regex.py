"""The regex-format generator: every supported pattern yields full matches, deterministically."""

from __future__ import annotations

import re

import pytest

from langchain_gigachat_ext.emulator.brain.regex import (
    UnsupportedRegexError,
    generate_matching,
    parse_regex,
)

SUPPORTED = [
    r"[A-Z]{3}-\d{4}",  # REC test_primary_chat_regex_format
    r"^(yes|no)$",
    r"\w+@\w+\.com",
    r"[^a-z]{2,4}x?",
    r"(?P<year>\d{4})-(?:0[1-9]|1[0-2])",
    r"(?<tag>[a-c])+",
    r"a{2,}b*c+?",
    r"[]a]",
    r"\{x\}",
    r"a{",
    r"[\d.]+",
    r"\D\W\S",
    r".{3}",
    r"[A-Za-z_][A-Za-z0-9_]{0,7}",
    r"\s\t\n",
    r"(ab|cd){2}e?",
    r"[-a]z",
    "",
]


@pytest.mark.parametrize("pattern", SUPPORTED)
@pytest.mark.parametrize("seed", range(6))
def test_generated_text_fully_matches(pattern: str, seed: int) -> None:
    python_pattern = pattern.replace("(?<tag>", "(?P<tag>")
    assert re.fullmatch(python_pattern, generate_matching(pattern, seed))


@pytest.mark.parametrize("pattern", SUPPORTED)
def test_same_seed_same_text(pattern: str) -> None:
    assert generate_matching(pattern, 42) == generate_matching(pattern, 42)


def test_seeds_vary_the_text() -> None:
    assert len({generate_matching(r"[A-Z]{3}-\d{4}", seed) for seed in range(10)}) > 5


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(a)\1", "backreferences are not supported"),
        (r"(?=a)b", "lookarounds, inline flags and special groups are not supported"),
        (r"(?<!a)b", "lookarounds, inline flags and special groups are not supported"),
        (r"(?i)abc", "lookarounds, inline flags and special groups are not supported"),
        (r"\bword", r"\b are not supported"),
        (r"[\W]", "negated escapes inside a class are not supported"),
        (r"a^b", "anchor '^' inside the pattern is not supported"),
        (r"\p{L}", "invalid regular expression"),
        (r"[", "invalid regular expression"),
        (r"a**", "invalid regular expression"),
        (r"a{2000}", "bad repetition range"),
    ],
)
def test_unsupported_patterns_raise(pattern: str, reason: str) -> None:
    with pytest.raises(UnsupportedRegexError, match=re.escape(reason)):
        parse_regex(pattern)
    with pytest.raises(UnsupportedRegexError):
        generate_matching(pattern, 0)
