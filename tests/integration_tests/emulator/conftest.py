"""Fixtures for the emulator's integration tests: one shared server with a fake brain."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from gigachat import GigaChat

from langchain_gigachat_ext.emulator import GigaChatEmulator
from tests.integration_tests.emulator.emu_helpers import FakeBrain, oauth_token


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[GigaChatEmulator]:
    with GigaChatEmulator(brain=FakeBrain()) as emu:
        yield emu


@pytest.fixture(scope="module")
def real_emu() -> Iterator[GigaChatEmulator]:
    """The emulator with its real (default) brain: conformance is about the shipped server."""
    with GigaChatEmulator() as emulator:
        yield emulator


SDK_MODEL = "GigaChat-2-Max"
"""Model of the SDK clients driven against the real emulator."""


@pytest.fixture
def client(real_emu: GigaChatEmulator) -> Iterator[GigaChat]:
    """The SDK's own client on the real emulator (state reset)."""
    real_emu.reset()
    with GigaChat(**real_emu.client_kwargs(), model=SDK_MODEL) as sdk:
        yield sdk


@pytest.fixture
def emu(emulator_session: GigaChatEmulator) -> GigaChatEmulator:
    emulator_session.reset()
    return emulator_session


@pytest.fixture
def http(emu: GigaChatEmulator) -> Iterator[httpx.Client]:
    """An httpx client on the API base URL with a valid bearer token."""
    token = oauth_token(emu)
    with httpx.Client(
        base_url=emu.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as client:
        yield client
