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
