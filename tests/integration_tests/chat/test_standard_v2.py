"""LangChain's standard integration suite for ChatGigaChat on the v2 chat API (emulator or live)."""

from __future__ import annotations

from typing import Any

from tests.integration_tests.chat import test_standard as v1_suite


class TestChatGigaChatStandardV2(v1_suite.TestChatGigaChatStandard):
    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {**super().chat_model_params, "api_version": "v2"}


class TestChatGigaChatStandardV2Literal(v1_suite.TestChatGigaChatStandardLiteral):
    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {**super().chat_model_params, "api_version": "v2"}
