"""Scripted bad answers (emulator only): rejected, re-asked, or surfaced the LangChain way."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.tools.binding import DISPATCHER_NAME
from tests.integration_tests.backend import connection_kwargs


@tool
def get_weather(city: str) -> str:
    """Current weather in a city."""
    return "sunny"


@tool
def get_time(timezone: str) -> str:
    """Current time in a timezone."""
    return "12:00"


class Rate(BaseModel):
    currency: str
    rate: float


def llm(**kwargs: Any) -> ChatGigaChat:
    return ChatGigaChat(**connection_kwargs(), **kwargs)


def _collect(model: Any, prompt: str, stream: bool) -> Any:
    if not stream:
        return model.invoke(prompt)
    chunks = list(model.stream(prompt))
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full, chunks


@pytest.mark.parametrize(
    "answer",
    [{}, {"tool": "nope"}, {"tool": 5}, {"tool": "get_weather", "get_weather": "str"}],
    ids=["empty", "unknown", "number", "not-an-object"],
)
@pytest.mark.parametrize("stream", [False, True])
def test_bad_dispatcher_answers_never_become_tool_calls(
    emu: Any, answer: dict[str, Any], stream: bool
) -> None:
    emu.script.reply_function_call(DISPATCHER_NAME, answer)
    model = llm(max_repair_requests=0).bind_tools([get_weather, get_time], tool_choice="any")
    result = _collect(model, "Weather in Kazan?", stream)
    message = result[0] if stream else result
    assert message.tool_calls == []
    assert len(message.invalid_tool_calls) == 1
    assert message.invalid_tool_calls[0]["name"] not in {"None", "nope", "5", "get_weather"}
    if not stream:
        assert message.invalid_tool_calls[0]["error"]
    assert message.response_metadata["gigachat_rejected"] or not stream


@pytest.mark.parametrize("stream", [False, True])
def test_unknown_function_is_repaired_and_never_reaches_the_caller(emu: Any, stream: bool) -> None:
    emu.script.reply_function_call("delete_everything", {"really": True})
    emu.script.reply_function_call("get_weather", {"city": "Kazan"})
    model = llm().bind_tools([get_weather, get_time])
    result = _collect(model, "Weather in Kazan?", stream)
    message = result[0] if stream else result
    assert [c["name"] for c in message.tool_calls] == ["get_weather"]
    assert message.tool_calls[0]["args"] == {"city": "Kazan"}
    assert message.invalid_tool_calls == []
    assert message.response_metadata["gigachat_requests"] == 2
    rejected = message.response_metadata["gigachat_rejected"]
    assert rejected[0]["name"] == "delete_everything" and "not offered" in rejected[0]["error"]
    requests = [e for e in emu.request_log if e["path"].endswith("/chat/completions")]
    assert len(requests) == 2
    assert "not offered" in requests[1]["body"]["messages"][-1]["content"]
    usage = message.usage_metadata
    assert usage is not None and usage["input_tokens"] > 0
    if stream:
        names = [tc["name"] for chunk in result[1] for tc in chunk.tool_call_chunks]
        assert "delete_everything" not in names


def test_unknown_function_without_repairs_is_an_invalid_tool_call(emu: Any) -> None:
    emu.script.reply_function_call("delete_everything", {"really": True})
    message = llm(max_repair_requests=0).bind_tools([get_weather]).invoke("Weather in Kazan?")
    assert message.tool_calls == []
    assert message.invalid_tool_calls[0]["name"] == "delete_everything"
    assert "not offered" in message.invalid_tool_calls[0]["error"]


def test_invalid_arguments_are_reasked_with_the_function_forced(emu: Any) -> None:
    emu.script.reply_function_call("get_weather", {})
    emu.script.reply_function_call("get_weather", {"city": "Kazan"})
    message = llm().bind_tools([get_weather, get_time]).invoke("Weather in Kazan?")
    assert message.tool_calls[0]["args"] == {"city": "Kazan"}
    second = [e for e in emu.request_log if e["path"].endswith("/chat/completions")][1]["body"]
    assert second["function_call"] == {"name": "get_weather"}
    assert "city" in second["messages"][-1]["content"]
    assert message.response_metadata["gigachat_requests"] == 2


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_prose_for_a_json_schema_falls_back_to_a_forced_function(
    emu: Any, api_version: str
) -> None:
    emu.script.reply_text("The dollar costs about ninety roubles.")
    emu.script.reply_function_call("Rate", {"currency": "USD", "rate": 90.0})
    runnable = llm(api_version=api_version).with_structured_output(
        Rate, method="json_schema", include_raw=True
    )
    out = runnable.invoke("Dollar rate?")
    assert out["parsing_error"] is None
    assert out["parsed"] == Rate(currency="USD", rate=90.0)
    assert json.loads(out["raw"].content) == {"currency": "USD", "rate": 90.0}
    assert out["raw"].response_metadata["gigachat_requests"] == 2


def test_exhausted_structured_output_raises_output_parser_exception(emu: Any) -> None:
    emu.script.reply_text("no json here")
    runnable = llm(max_repair_requests=0).with_structured_output(Rate, method="json_schema")
    with pytest.raises(OutputParserException):
        runnable.invoke("Dollar rate?")
    emu.script.reply_text("[1, 2]")
    raw = llm(max_repair_requests=0).with_structured_output(
        Rate, method="json_schema", include_raw=True
    )
    out = raw.invoke("Dollar rate?")
    assert out["parsed"] is None and isinstance(out["parsing_error"], OutputParserException)
    assert out["raw"].content == "[1, 2]"


def test_function_calling_with_an_invalid_call_raises_output_parser_exception(emu: Any) -> None:
    emu.script.reply_function_call("Rate", {"currency": "USD"})
    runnable = llm(max_repair_requests=0).with_structured_output(Rate, include_raw=True)
    out = runnable.invoke("Dollar rate?")
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], OutputParserException)
    assert "rate" in str(out["parsing_error"])
    assert out["raw"].invalid_tool_calls
