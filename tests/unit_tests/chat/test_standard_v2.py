"""LangChain's standard unit suite for ChatGigaChat on the v2 chat API (no sockets)."""

from __future__ import annotations

from typing import Any

from tests.unit_tests.chat import test_standard as v1_suite


class TestChatGigaChatUnitV2(v1_suite.TestChatGigaChatUnit):
    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {**super().chat_model_params, "api_version": "v2"}
