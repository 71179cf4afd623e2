"""Tool definitions on the wire (issue 24 item 5, emulator only): names adapted, mapped back."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gigachat_ext import ChatGigaChat, GigaChatInvalidInputError
from langchain_gigachat_ext.tools._names import MAX_FUNCTION_NAME_LENGTH
from tests.integration_tests.backend import connection_kwargs

LONG_NAME = "look_up_the_current_exchange_rate_" * 6  # 204 characters

RATE_TOOL = {
    "name": LONG_NAME,
    "description": "Current exchange rate of a currency.",
    "parameters": {
        "type": "object",
        "properties": {"currency": {"type": "string"}},
        "required": ["currency"],
    },
}


def _chat_bodies(emu: Any) -> list[dict[str, Any]]:
    return [e["body"] for e in emu.request_log if e["path"].endswith("/chat/completions")]


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_a_long_tool_name_is_sent_shortened_and_called_by_its_own_name(
    emu: Any, api_version: str
) -> None:
    llm = ChatGigaChat(**connection_kwargs(), api_version=api_version)
    message = llm.bind_tools([RATE_TOOL], tool_choice=LONG_NAME).invoke("Dollar rate?")

    assert [call["name"] for call in message.tool_calls] == [LONG_NAME]
    [body] = _chat_bodies(emu)
    sent = str(body)
    assert LONG_NAME not in sent
    assert len(LONG_NAME) > MAX_FUNCTION_NAME_LENGTH


@pytest.mark.parametrize(
    "parameters",
    ["oops", {"type": "object", "properties": "oops"}, {"type": "object", "required": "a"}],
    ids=["string", "properties-string", "required-string"],
)
def test_a_malformed_tool_fails_at_bind_time_and_sends_nothing(emu: Any, parameters: Any) -> None:
    llm = ChatGigaChat(**connection_kwargs())
    with pytest.raises(GigaChatInvalidInputError):
        llm.bind_tools([{"name": "rate", "description": "Rate.", "parameters": parameters}])
    assert _chat_bodies(emu) == []
