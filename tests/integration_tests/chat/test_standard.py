"""LangChain's standard integration suite for ChatGigaChat: the helpful and the literal emulator
(issue 22), or the live API."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests

from langchain_gigachat_ext import ChatGigaChat
from tests.integration_tests.backend import LIVE, connection_kwargs
from tests.integration_tests.chat.behaviours import kwargs_for


class TestChatGigaChatStandard(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatGigaChat]:
        return ChatGigaChat

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {**connection_kwargs(), "model": "GigaChat-2"}

    @property
    def model_override_value(self) -> str:
        return "GigaChat-2-Pro"

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supported_usage_metadata_details(self) -> dict[str, list[Any]]:
        return {"invoke": ["cache_read_input"], "stream": ["cache_read_input"]}

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> Any:
        """Repeat a long prompt in one session: the second call reads the cached prefix."""
        llm = ChatGigaChat(**self.chat_model_params, session_id="standard-cache-read-session")
        prompt = "Кратко перескажи правила блокировки карты. " * 60
        llm.invoke(prompt)
        if stream:
            full = None
            for chunk in llm.stream(prompt):
                full = chunk if full is None else full + chunk
            return full
        return llm.invoke(prompt)


class TestChatGigaChatStandardLiteral(TestChatGigaChatStandard):
    """The same suite on the emulator's ``literal`` behaviour (exactly what schemas require)."""

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {**literal_kwargs(), "model": "GigaChat-2"}


def literal_kwargs() -> dict[str, Any]:
    """Connection arguments of the literal emulator (skips in live mode: one backend there)."""
    if LIVE:
        pytest.skip("live mode runs the suite once, against the real API")
    return kwargs_for("literal")
