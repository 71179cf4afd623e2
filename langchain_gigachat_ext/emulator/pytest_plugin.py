"""Pytest plugin: ``pytest_plugins = ["langchain_gigachat_ext.emulator.pytest_plugin"]``.

Provides the ``gigachat_emulator`` fixture: one emulator per test session, ``reset()`` before
every test that uses it, so chains can be tested offline against a real HTTP server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from langchain_gigachat_ext.emulator.runner import GigaChatEmulator


@pytest.fixture(scope="session")
def gigachat_emulator_server() -> Iterator[GigaChatEmulator]:
    """The session-wide emulator (state is shared; prefer ``gigachat_emulator``)."""
    with GigaChatEmulator() as emulator:
        yield emulator


@pytest.fixture
def gigachat_emulator(gigachat_emulator_server: GigaChatEmulator) -> GigaChatEmulator:
    """The session emulator with log, script, faults, files and sessions cleared."""
    gigachat_emulator_server.reset()
    return gigachat_emulator_server
