"""LangChain's standard unit suite for ChatGigaChat (no sockets)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_gigachat_ext import ChatGigaChat


class TestChatGigaChatUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatGigaChat]:
        return ChatGigaChat

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "GigaChat-2"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {
                "GIGACHAT_CREDENTIALS": "env-credentials",
                "GIGACHAT_BASE_URL": "https://gigachat.devices.sberbank.ru/api/v1",
                "GIGACHAT_SCOPE": "GIGACHAT_API_CORP",
                "GIGACHAT_MODEL": "GigaChat-2-Max",
                "GIGACHAT_VERIFY_SSL_CERTS": "true",
                "GIGACHAT_TIMEOUT": "12.5",
            },
            {},
            {
                "credentials": "env-credentials",
                "base_url": "https://gigachat.devices.sberbank.ru/api/v1",
                "scope": "GIGACHAT_API_CORP",
                "model": "GigaChat-2-Max",
                "verify_ssl_certs": True,
                "timeout": 12.5,
            },
        )

    @pytest.mark.xfail(
        reason=(
            "langchain-core's load() only revives classes in its own allow-list "
            "(langchain_core/load/mapping.py); no third-party model can pass it. dumpd() "
            "itself works and masks secrets (tested in test_chat_model.py)."
        ),
        strict=True,
    )
    def test_serdes(self, model: Any, snapshot: Any) -> None:
        super().test_serdes(model, snapshot)
