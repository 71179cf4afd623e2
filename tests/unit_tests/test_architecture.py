"""The package's rules of construction, checked on its source (issue 21).

Public APIs of dependencies only; the gigachat SDK from one module; no CPython or pydantic
internals; a layout whose rooms stay small enough to read.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "langchain_gigachat_ext"
SOURCES = sorted(PACKAGE.rglob("*.py"))
GUARDED = ("langchain_core", "httpx", "httpcore", "pydantic", "pydantic_core")
SDK_FENCE = PACKAGE / "client" / "sdk.py"


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) of every import statement in ``path``."""
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def _relative(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def test_sources_are_found() -> None:
    assert len(SOURCES) > 50
    assert SDK_FENCE in SOURCES


@pytest.mark.parametrize("path", SOURCES, ids=_relative)
def test_no_private_module_or_name_of_a_dependency(path: Path) -> None:
    for module, names in _imports(path):
        root, *parts = module.split(".")
        if root not in GUARDED:
            continue
        assert not any(part.startswith("_") for part in parts), f"private module {module}"
        private = [name for name in names if name.startswith("_")]
        assert not private, f"private names {private} from {module}"


@pytest.mark.parametrize("path", SOURCES, ids=_relative)
def test_the_sdk_is_imported_from_one_module(path: Path) -> None:
    if path == SDK_FENCE:
        return
    sdk = [module for module, _ in _imports(path) if module.split(".")[0] == "gigachat"]
    assert not sdk, f"imports the gigachat SDK directly: {sdk}"


@pytest.mark.parametrize("path", SOURCES, ids=_relative)
def test_no_interpreter_or_model_internals(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert "ctypes" not in {module.split(".")[0] for module, _ in _imports(path)}
    for fragment in ("object.__new__(", "__pydantic_fields_set__", "__signature__ ="):
        assert fragment not in source, f"{fragment!r} in {_relative(path)}"


def test_the_chat_model_overrides_no_public_entry_point() -> None:
    from langchain_core.language_models import BaseChatModel

    from langchain_gigachat_ext import ChatGigaChat

    entry_points = (
        "invoke", "ainvoke", "stream", "astream", "batch", "abatch",
        "generate", "agenerate", "generate_prompt", "agenerate_prompt",
    )  # fmt: skip
    for name in entry_points:
        assert getattr(ChatGigaChat, name) is getattr(BaseChatModel, name), name


@pytest.mark.parametrize("room", [PACKAGE, PACKAGE / "emulator"], ids=["package", "emulator"])
def test_rooms_hold_at_most_fifteen_modules(room: Path) -> None:
    modules = list(room.glob("*.py"))
    assert len(modules) <= 15, sorted(path.name for path in modules)
