"""Cookbook tests: run every example in-process against the embedded emulator."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

_REAL_API_ENV = (
    "GIGACHAT_CREDENTIALS",
    "GIGACHAT_USER",
    "GIGACHAT_PASSWORD",
    "GIGACHAT_ACCESS_TOKEN",
    "GIGACHAT_BASE_URL",
    "GIGACHAT_AUTH_URL",
    "GIGACHAT_MODEL",
    "PROXY_POSTGRES_DSN",
    "PROXY_API_KEYS",
)


@pytest.fixture(autouse=True)
def offline_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """Force the emulator backend: no real credentials may leak into the examples."""
    for name in _REAL_API_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def emulator_behaviour(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> str:
    """The embedded emulator's behaviour (``GIGACHAT_EMULATOR_BEHAVIOUR``); helpful unless the
    test is parametrised (the agent examples run on both, see ``pytest_generate_tests``)."""
    behaviour = getattr(request, "param", "helpful")
    monkeypatch.setenv("GIGACHAT_EMULATOR_BEHAVIOUR", behaviour)
    return behaviour


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The agent examples also run on a model that takes schemas literally (issue 22)."""
    if metafunc.module.__name__.endswith("test_cookbook_examples"):
        metafunc.parametrize("emulator_behaviour", ["helpful", "literal"], indirect=True)
