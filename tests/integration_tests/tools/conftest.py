"""A ``backend`` fixture: each test runs on the helpful and the literal emulator (or live)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from langchain_gigachat_ext import ChatGigaChat
from tests.integration_tests.chat.behaviours import BEHAVIOURS, kwargs_for, server


@dataclass
class Backend:
    """One backend: its behaviour, its emulator (None when live) and a model factory."""

    behaviour: str
    emu: Any

    def llm(self, **kwargs: Any) -> ChatGigaChat:
        return ChatGigaChat(**kwargs_for(self.behaviour), **kwargs)

    def chat_requests(self) -> list[dict[str, Any]]:
        """The chat requests since the test started (emulator only)."""
        log = self.emu.request_log if self.emu is not None else []
        return [e for e in log if e["path"].endswith("/chat/completions")]


@pytest.fixture(params=BEHAVIOURS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    running = server(request.param)
    if running is not None:
        running.reset()
    yield Backend(request.param, running)
    if running is not None:
        running.reset()
