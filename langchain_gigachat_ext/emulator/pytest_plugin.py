"""Pytest plugin: ``pytest_plugins = ["langchain_gigachat_ext.emulator.pytest_plugin"]``.

Provides the ``gigachat_emulator`` fixture: one emulator per test session, ``reset()`` before
every test that uses it, so chains can be tested offline against a real HTTP server. Beside it,
``gigachat_emulator_literal`` serves the ``literal`` behaviour (required fields only, values from
the conversation; see :class:`~.runner.GigaChatEmulator`), and
``--gigachat-emulator-behaviour {helpful,literal}`` sets the behaviour of ``gigachat_emulator``.
The option is known when the plugin loads at start-up: list it in ``pytest_plugins`` of the root
``conftest.py``, or run ``pytest -p langchain_gigachat_ext.emulator.pytest_plugin``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from langchain_gigachat_ext.emulator.brain.core import (
    BEHAVIOURS,
    DEFAULT_BEHAVIOUR,
    check_behaviour,
)
from langchain_gigachat_ext.emulator.runner import GigaChatEmulator

BEHAVIOUR_OPTION = "--gigachat-emulator-behaviour"
"""Command-line option choosing the behaviour of the ``gigachat_emulator`` fixture."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--gigachat-emulator-behaviour``."""
    parser.addoption(
        BEHAVIOUR_OPTION,
        choices=BEHAVIOURS,
        default=DEFAULT_BEHAVIOUR,
        help="behaviour of the gigachat_emulator fixture's model (default: helpful)",
    )


@pytest.fixture(scope="session")
def gigachat_emulator_server(request: pytest.FixtureRequest) -> Iterator[GigaChatEmulator]:
    """The session-wide emulator (state is shared; prefer ``gigachat_emulator``)."""
    behaviour = check_behaviour(str(request.config.getoption(BEHAVIOUR_OPTION, DEFAULT_BEHAVIOUR)))
    with GigaChatEmulator(behaviour=behaviour) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def gigachat_emulator_literal_server() -> Iterator[GigaChatEmulator]:
    """The session-wide ``literal`` emulator (prefer ``gigachat_emulator_literal``)."""
    with GigaChatEmulator(behaviour="literal") as emulator:
        yield emulator


@pytest.fixture
def gigachat_emulator(gigachat_emulator_server: GigaChatEmulator) -> GigaChatEmulator:
    """The session emulator with log, script, faults, files and sessions cleared."""
    gigachat_emulator_server.reset()
    return gigachat_emulator_server


@pytest.fixture
def gigachat_emulator_literal(
    gigachat_emulator_literal_server: GigaChatEmulator,
) -> GigaChatEmulator:
    """The session ``literal`` emulator with log, script, faults, files and sessions cleared."""
    gigachat_emulator_literal_server.reset()
    return gigachat_emulator_literal_server
