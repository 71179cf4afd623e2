r"""Generate a string that fully matches a regular expression (``response_format`` type regex).

Supported subset (inferred: what real structured-output regexes use): literals and escaped
literals, ``.``, ``\d \w \s`` and their negations, character classes with ranges and
negation, groups (capturing, ``(?:...)``, named), alternation, the quantifiers ``? * + {m}
{m,} {m,n}`` (lazy forms too) and ``^``/``$`` at the ends. Anything else (backreferences,
lookarounds, inline flags, word boundaries, Unicode properties) raises
:class:`UnsupportedRegexError`, which the server turns into a 422.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from typing import Final, NoReturn

_DIGITS: Final = string.digits
_UPPER: Final = string.ascii_uppercase
_WORD: Final = string.ascii_letters + string.digits + "_"
_PRINTABLE: Final = string.ascii_letters + string.digits + " -_.,:;!?@#%&*+=/()[]{}<>'\"~"
_SPECIAL_ESCAPES: Final = {
    "d": frozenset(_DIGITS),
    "w": frozenset(_WORD),
    "s": frozenset(" "),
}
_LITERAL_ESCAPES: Final = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}
_UNBOUNDED_EXTRA: Final = 3
"""How many repetitions beyond the minimum ``*``, ``+`` and ``{m,}`` may add."""
_BOUNDED_EXTRA: Final = 5
"""How many repetitions beyond the minimum ``{m,n}`` may add (never past n)."""
_MAX_REPEAT: Final = 1000
"""Largest repetition count accepted."""


_NAMED_GROUP: Final = re.compile(r"\(\?<(?![=!])")
"""``(?<name>`` (PCRE/JavaScript spelling), which Python writes ``(?P<name>``."""


def _python_dialect(pattern: str) -> str:
    return _NAMED_GROUP.sub("(?P<", pattern)


class UnsupportedRegexError(ValueError):
    """The pattern is invalid or uses a construct outside the supported subset."""


@dataclass(frozen=True)
class _CharSet:
    """One character drawn from ``chars`` (or from printable ASCII minus ``chars``)."""

    chars: frozenset[str]
    negated: bool = False

    def pick(self, rng: random.Random) -> str:
        if self.negated:
            options = [c for c in _PRINTABLE if c not in self.chars]
        else:
            # Prefer upper-case letters and digits: codes like "TKT-2023" read naturally.
            preferred = sorted(c for c in self.chars if c in _UPPER or c in _DIGITS)
            options = preferred or sorted(self.chars)
        if not options:
            msg = "the character class matches nothing"
            raise UnsupportedRegexError(msg)
        return rng.choice(options)


@dataclass(frozen=True)
class _Repeat:
    node: _Node
    low: int
    high: int | None


@dataclass(frozen=True)
class _Sequence:
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _Alternation:
    branches: tuple[_Node, ...]


_Node = str | _CharSet | _Repeat | _Sequence | _Alternation


class _Parser:
    """Recursive-descent parser for the supported subset."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0

    def parse(self) -> _Node:
        if self.pattern.startswith("^"):
            self.pos = 1
        node = self._alternation()
        if self.pos < len(self.pattern):
            self._fail(f"unexpected {self.pattern[self.pos]!r}")
        return node

    def _fail(self, what: str) -> NoReturn:
        msg = f"{what} at position {self.pos}"
        raise UnsupportedRegexError(msg)

    def _peek(self) -> str | None:
        return self.pattern[self.pos] if self.pos < len(self.pattern) else None

    def _alternation(self) -> _Node:
        branches = [self._sequence()]
        while self._peek() == "|":
            self.pos += 1
            branches.append(self._sequence())
        return branches[0] if len(branches) == 1 else _Alternation(tuple(branches))

    def _sequence(self) -> _Node:
        items: list[_Node] = []
        while (char := self._peek()) is not None and char not in "|)":
            if char == "$" and self.pos == len(self.pattern) - 1:
                self.pos += 1
                break
            items.append(self._quantified(self._atom()))
        return _Sequence(tuple(items))

    def _atom(self) -> _Node:
        char = self.pattern[self.pos]
        self.pos += 1
        if char == "(":
            return self._group()
        if char == "[":
            return self._char_class()
        if char == "\\":
            return self._escape(in_class=False)
        if char == ".":
            return _CharSet(frozenset(string.ascii_letters))
        if char in "*+?":
            self._fail(f"nothing to repeat before {char!r}")
        if char in "^$":
            self._fail(f"anchor {char!r} inside the pattern is not supported")
        return char

    def _group(self) -> _Node:
        if self.pattern.startswith("?:", self.pos):
            self.pos += 2
        elif self.pattern.startswith(("?P<", "?<"), self.pos) and not self.pattern.startswith(
            ("?<=", "?<!"), self.pos
        ):
            end = self.pattern.find(">", self.pos)
            if end < 0:
                self._fail("unterminated group name")
            self.pos = end + 1
        elif self._peek() == "?":
            self._fail("lookarounds, inline flags and special groups are not supported")
        node = self._alternation()
        if self._peek() != ")":
            self._fail("missing ')'")
        self.pos += 1
        return node

    def _escape(self, *, in_class: bool) -> _Node:
        char = self._peek()
        if char is None:
            self._fail("dangling backslash")
        self.pos += 1
        lowered = char.lower()
        if lowered in _SPECIAL_ESCAPES:
            return _CharSet(_SPECIAL_ESCAPES[lowered], negated=char.isupper())
        if char in _LITERAL_ESCAPES:
            return _LITERAL_ESCAPES[char]
        if char.isalnum():
            kind = "backreferences" if char.isdigit() else f"\\{char}"
            self._fail(f"{kind} {'in a class ' if in_class else ''}are not supported")
        return char

    def _char_class(self) -> _Node:
        negated = self._peek() == "^"
        if negated:
            self.pos += 1
        chars: set[str] = set()
        first = True
        while (char := self._peek()) != "]" or first:
            first = False
            if char is None:
                self._fail("missing ']'")
            self.pos += 1
            item: _Node = self._escape(in_class=True) if char == "\\" else char
            if isinstance(item, _CharSet):
                if item.negated:
                    self._fail("negated escapes inside a class are not supported")
                chars |= item.chars
                continue
            if not isinstance(item, str):
                raise TypeError  # unreachable: escapes give strings or sets
            if self._peek() == "-" and self.pattern[self.pos + 1 : self.pos + 2] not in ("]", ""):
                self.pos += 1
                end = self.pattern[self.pos]
                self.pos += 1
                if end == "\\":
                    end_node = self._escape(in_class=True)
                    if not isinstance(end_node, str):
                        self._fail("a class escape cannot end a range")
                    end = str(end_node)
                if ord(end) < ord(item):
                    self._fail("bad character range")
                chars |= {chr(code) for code in range(ord(item), ord(end) + 1)}
            else:
                chars.add(item)
        self.pos += 1
        return _CharSet(frozenset(chars), negated=negated)

    def _quantified(self, node: _Node) -> _Node:
        char = self._peek()
        low: int
        high: int | None
        if char == "?":
            low, high = 0, 1
        elif char == "*":
            low, high = 0, None
        elif char == "+":
            low, high = 1, None
        elif char == "{" and (match := re.match(r"\{(\d+)(,(\d*))?\}", self.pattern[self.pos :])):
            low = int(match.group(1))
            high = (
                low if match.group(2) is None else (int(match.group(3)) if match.group(3) else None)
            )
            if (high is not None and high < low) or max(low, high or 0) > _MAX_REPEAT:
                self._fail("bad repetition range")
            self.pos += len(match.group(0)) - 1
        else:
            return node
        self.pos += 1
        if self._peek() in {"?", "+"}:  # lazy or possessive: same strings
            self.pos += 1
        if self._peek() in {"?", "*", "+"}:
            self._fail("multiple repeat")
        return _Repeat(node, low, high)


def parse_regex(pattern: str) -> None:
    """Check that ``pattern`` is valid and inside the supported subset.

    Raises:
        UnsupportedRegexError: With a short reason and position.
    """
    try:
        re.compile(_python_dialect(pattern))
    except re.error as exc:
        msg = f"invalid regular expression: {exc}"
        raise UnsupportedRegexError(msg) from exc
    _Parser(pattern).parse()


def _render(node: _Node, rng: random.Random) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, _CharSet):
        return node.pick(rng)
    if isinstance(node, _Sequence):
        return "".join(_render(item, rng) for item in node.items)
    if isinstance(node, _Alternation):
        return _render(rng.choice(node.branches), rng)
    extra = _UNBOUNDED_EXTRA if node.high is None else min(_BOUNDED_EXTRA, node.high - node.low)
    count = node.low + rng.randint(0, extra)
    return "".join(_render(node.node, rng) for _ in range(count))


def generate_matching(pattern: str, seed: int) -> str:
    """A deterministic string that ``re.fullmatch(pattern, ...)`` accepts.

    Args:
        pattern: The regex from ``response_format.regex``.
        seed: Seed of the conversation (same seed, same string).

    Raises:
        UnsupportedRegexError: For patterns outside the supported subset.
    """
    parse_regex(pattern)
    tree = _Parser(pattern).parse()
    rng = random.Random(seed)  # noqa: S311 - deterministic text, not security
    compiled = re.compile(_python_dialect(pattern))
    for _ in range(8):
        text = _render(tree, rng)
        if compiled.fullmatch(text):
            return text
    msg = "could not generate a matching string"
    raise UnsupportedRegexError(msg)
