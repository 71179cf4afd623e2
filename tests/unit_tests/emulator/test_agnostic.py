"""The emulator knows nothing of this package's encodings or of langchain-tests' prompts.

Its sources are scanned for (a) the names and instructions this package's ``tools`` modules put
into requests, (b) the phrases the schema compiler writes into descriptions (harvested by compiling
probe schemas), (c) the prompts, descriptions and tool names of langchain-tests' standard chat
suites (harvested from the installed package's source). A model reads schemas and conversations;
a brain that matched any of these would pass tests a real model fails.
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import langchain_tests

import langchain_gigachat_ext.emulator as emulator_package
import langchain_gigachat_ext.tools as tools_package
from langchain_gigachat_ext.tools.schema import compile_schema

EMULATOR_ROOT = Path(emulator_package.__file__).parent
SUITE_MODULES = ("integration_tests/chat_models.py", "unit_tests/chat_models.py")

HISTORICAL_ENCODINGS = ("choose_and_call_tool", "Only when", "(required)", "fill only when tool")
"""Encodings this package used when the brain still knew them (issue 22): never again."""

ENCODING_CONSTANT = re.compile(r"^[A-Z][A-Z0-9_]*_(?:NAME|INSTRUCTION|PROMPT|PHRASE|NOTE)$")
"""Public constants of ``tools`` modules holding a function name or a phrase sent to the model."""

_CARD = {
    "type": "object",
    "properties": {"kind": {"const": "card"}, "card_number": {"type": "string"}},
    "required": ["kind", "card_number"],
}
_CASH = {
    "type": "object",
    "properties": {"kind": {"const": "cash"}, "change_from": {"type": "number"}},
    "required": ["kind"],
}
_CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
_CODE = {"type": "object", "properties": {"code": {"type": "integer"}}, "required": ["code"]}
PROBE_SCHEMAS: tuple[dict[str, Any], ...] = (
    {
        "type": "object",
        "properties": {
            "amount": {"type": "number"},
            "method": {"oneOf": [_CARD, _CASH], "discriminator": {"propertyName": "kind"}},
        },
        "required": ["amount", "method"],
    },
    {"type": "object", "properties": {"place": {"anyOf": [_CITY, _CODE]}}, "required": ["place"]},
    {
        "type": "object",
        "properties": {"value": {"anyOf": [{"type": "integer"}, {"type": "string"}]}},
        "required": ["value"],
    },
)
"""Unions (tagged, untagged, scalar) whose compiled descriptions show the compiler's phrases."""

PROBE_TOOLS = (
    {
        "type": "function",
        "function": {
            "name": "probe_alpha",
            "description": "Probe alpha.",
            "parameters": {
                "type": "object",
                "properties": {"first": {"type": "string"}},
                "required": ["first"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "probe_beta",
            "description": "Probe beta.",
            "parameters": {
                "type": "object",
                "properties": {"second": {"type": "integer"}},
                "required": ["second"],
            },
        },
    },
)


def emulator_sources() -> dict[str, str]:
    """Every text file of the emulator package, backslashes dropped (regexes read as text)."""
    sources: dict[str, str] = {}
    for path in sorted(EMULATOR_ROOT.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        sources[str(path.relative_to(EMULATOR_ROOT))] = text.replace("\\", "")
    return sources


def hits(sources: Mapping[str, str], needles: set[str]) -> list[tuple[str, str]]:
    """``(needle, file)`` for each needle found (case-insensitive; names as whole words)."""
    found: list[tuple[str, str]] = []
    for needle in sorted(needles):
        if re.fullmatch(r"\w+", needle):
            pattern = re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)", re.IGNORECASE)
        else:
            pattern = re.compile(re.escape(needle), re.IGNORECASE)
        found.extend((needle, name) for name, text in sources.items() if pattern.search(text))
    return found


# -- this package's encodings -----------------------------------------------------------------


def _tools_modules() -> Iterator[Any]:
    yield tools_package
    for info in pkgutil.walk_packages(tools_package.__path__, f"{tools_package.__name__}."):
        yield importlib.import_module(info.name)


def encoding_constants() -> set[str]:
    """Function names and instructions the ``tools`` modules define as public constants."""
    return {
        value
        for module in _tools_modules()
        for name, value in vars(module).items()
        if ENCODING_CONSTANT.match(name) and isinstance(value, str) and value.strip()
    }


def _descriptions(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "description" and isinstance(item, str):
                yield item
            else:
                yield from _descriptions(item)
    elif isinstance(value, list):
        for item in value:
            yield from _descriptions(item)


def template_fragments(description: str, variables: set[str]) -> set[str]:
    """The fixed parts of a generated description: its variables and quotes cut out.

    Kept: parenthesised words ("(required)") and runs of three or more words.
    """
    marked = re.sub(r"'[^']*'|\"[^\"]*\"", "\0", description)
    if variables:
        names = "|".join(re.escape(word) for word in sorted(variables, key=len, reverse=True))
        marked = re.sub(rf"(?<!\w)(?:{names})(?!\w)", "\0", marked)
    fragments = set(re.findall(r"\(\w+\)", marked))
    for part in re.split(r"[\0.,:;()\n]", marked):
        words = part.split()
        if len(words) >= 3 and any(re.search(r"[^\W\d_]", word) for word in words):
            fragments.add(" ".join(words))
    return fragments


SCHEMA_KEYWORDS = frozenset(
    {
        "type",
        "object",
        "properties",
        "required",
        "const",
        "enum",
        "oneOf",
        "anyOf",
        "discriminator",
        "propertyName",
        "function",
        "parameters",
        "description",
        "name",
    }
)
"""Words of the probes that are JSON Schema / tool structure, not variables of a template."""


def _words(value: Any) -> set[str]:
    return set(re.findall(r"\w+", json.dumps(value))) - SCHEMA_KEYWORDS


def compiler_phrases() -> set[str]:
    """Fixed parts of the descriptions the schema compiler writes for the probe unions."""
    phrases: set[str] = set()
    for schema in PROBE_SCHEMAS:
        compiled = compile_schema(schema)
        for description in _descriptions(compiled.parameters):
            phrases |= template_fragments(description, _words(schema))
    return phrases


def dispatcher_phrases() -> set[str]:
    """Fixed parts of the names and descriptions of the ``tool_choice`` dispatcher, if any."""
    binding = importlib.import_module("langchain_gigachat_ext.tools.binding")
    make = getattr(binding, "dispatcher_function", None)
    if make is None:
        return set()
    functions = importlib.import_module("langchain_gigachat_ext.tools.functions")
    dispatcher = make(functions.convert_tools(PROBE_TOOLS, warn=False).functions)
    variables = _words(PROBE_TOOLS)
    phrases = {str(dispatcher["name"])}
    for description in _descriptions(dispatcher):
        phrases |= template_fragments(description, variables)
    return phrases


# -- langchain-tests ----------------------------------------------------------------------------


def _docstring_nodes(tree: ast.AST) -> set[int]:
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }


def _is_tool_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return isinstance(target, ast.Name) and target.id == "tool"


def suite_texts() -> tuple[set[str], set[str]]:
    """(prompts and descriptions of four words or more, tool names) of the standard suites."""
    root = Path(langchain_tests.__file__).parent
    texts: set[str] = set()
    names: set[str] = set()
    for relative in SUITE_MODULES:
        tree = ast.parse((root / relative).read_text(encoding="utf-8"))
        docstrings = _docstring_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.strip()
                short = len(text.split()) >= 4 and "\n" not in text and len(text) <= 200
                if short and id(node) not in docstrings:
                    texts.add(text)
            if isinstance(node, ast.FunctionDef) and any(
                _is_tool_decorator(decorator) for decorator in node.decorator_list
            ):
                names.add(node.name)
                docstring = ast.get_docstring(node)
                if docstring and "\n" not in docstring:
                    texts.add(docstring)
            if (
                isinstance(node, ast.keyword)
                and node.arg == "name"
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                and re.fullmatch(r"[a-z]+(?:_[a-z0-9]+)+", node.value.value)
            ):
                names.add(node.value.value)
    return texts, names


# -- the checks ---------------------------------------------------------------------------------


def test_the_harvest_finds_what_it_looks_for() -> None:
    """The scan below can fail: each source yields the strings it is known to hold."""
    texts, names = suite_texts()
    assert {"Tell me a joke about cats.", "Using the tool, generate a Pirate greeting."} <= texts
    assert {"magic_function", "my_adder_tool", "greeting_generator"} <= names
    assert any("(required)" in phrase for phrase in compiler_phrases() | set(HISTORICAL_ENCODINGS))
    planted = {"brain/x.py": "if description.endswith('(required)'): ..."}
    assert hits(planted, {"(required)"}) == [("(required)", "brain/x.py")]
    assert hits({"x.py": "a magic_functions list"}, {"magic_function"}) == []


def test_emulator_knows_no_encoding_of_this_package() -> None:
    needles = (
        encoding_constants() | compiler_phrases() | dispatcher_phrases() | set(HISTORICAL_ENCODINGS)
    )
    assert hits(emulator_sources(), needles) == []


def test_emulator_knows_no_langchain_tests_prompt_or_tool() -> None:
    texts, names = suite_texts()
    assert hits(emulator_sources(), texts | names) == []
