"""The attempt planner, sans I/O: answers in, next request or final result out."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.tools import tool

from langchain_gigachat_ext.chat.attempts import AttemptPlanner
from langchain_gigachat_ext.chat.request import MODEL_DEFAULTS, build_request, plan_call
from langchain_gigachat_ext.tools.binding import tool_bindings


@tool
def get_weather(city: str) -> str:
    """Weather."""
    return city


@tool
def get_time(timezone: str) -> str:
    """Time."""
    return timezone


RATE = {
    "type": "json_schema",
    "schema": {
        "title": "Rate",
        "type": "object",
        "properties": {"currency": {"type": "string"}, "rate": {"type": "number"}},
        "required": ["currency", "rate"],
    },
}


def planner(max_repairs: int = 2, api_version: str = "v1", **bound: Any) -> AttemptPlanner:
    defaults: dict[str, Any] = dict.fromkeys(MODEL_DEFAULTS)
    defaults["model"] = "GigaChat-2"
    call = plan_call(bound, defaults=defaults, api_version=api_version)
    return AttemptPlanner(
        [HumanMessage("Weather in Kazan?")],
        call,
        lambda messages, planned: build_request(messages, planned, headers={}),
        max_repairs=max_repairs,
    )


def answer(name: str, args: Any, tokens: int = 10) -> AIMessage:
    return AIMessage(
        "",
        tool_calls=[{"name": name, "args": args, "id": "call_1"}],
        usage_metadata={"input_tokens": tokens, "output_tokens": 1, "total_tokens": tokens + 1},
    )


def tools(tool_choice: Any = None, **kwargs: Any) -> dict[str, Any]:
    return tool_bindings([get_weather, get_time], tool_choice=tool_choice, **kwargs)


def test_a_valid_call_is_final_at_once() -> None:
    attempts = planner(**tools())
    assert attempts.review(answer("get_weather", {"city": "Kazan"})) is None
    final = attempts.final_message(answer("get_weather", {"city": "Kazan"}))
    assert final.tool_calls[0]["args"] == {"city": "Kazan"}
    assert "gigachat_requests" not in final.response_metadata


def test_invalid_arguments_force_the_function_and_sum_the_usage() -> None:
    attempts = planner(**tools())
    second = attempts.review(answer("get_weather", {}, tokens=10))
    assert second is not None
    assert second.payload["function_call"] == {"name": "get_weather"}
    assert "city: missing required field" in second.payload["messages"][-1]["content"]
    assert attempts.review(answer("get_weather", {"city": "Kazan"}, tokens=20)) is None
    final = attempts.final_message(answer("get_weather", {"city": "Kazan"}, tokens=20))
    assert final.usage_metadata is not None and final.usage_metadata["input_tokens"] == 30
    assert final.response_metadata["gigachat_requests"] == 2


def test_dispatcher_answer_with_only_a_name_is_reasked_forced() -> None:
    attempts = planner(**tools("any"))
    assert attempts.request.payload["function_call"] == {"name": "choose_and_call_tool"}
    name, args = attempts.restore("choose_and_call_tool", {"tool": "get_time"})
    second = attempts.review(answer(name, args))
    assert second is not None and second.payload["function_call"] == {"name": "get_time"}
    assert [f["name"] for f in second.payload["functions"]] == ["get_weather", "get_time"]


def test_exhausted_repairs_surface_as_invalid_tool_calls() -> None:
    attempts = planner(max_repairs=0, **tools())
    assert attempts.review(answer("nope", {"a": 1})) is None
    final = attempts.final_message(answer("nope", {"a": 1}))
    assert final.tool_calls == []
    assert final.invalid_tool_calls[0]["name"] == "nope"
    assert "not offered" in (final.invalid_tool_calls[0]["error"] or "")
    chunk = attempts.final_chunk(
        AIMessageChunk(
            "",
            tool_call_chunks=[{"name": "nope", "args": '{"a": 1}', "id": "call_1", "index": 0}],
            chunk_position="last",
        )
    )
    assert chunk.tool_calls == [] and chunk.invalid_tool_calls[0]["name"] == "nope"


def test_prose_for_a_schema_falls_back_to_a_forced_function() -> None:
    for api_version in ("v1", "v2"):
        attempts = planner(api_version=api_version, response_format=RATE)
        second = attempts.review(AIMessage("about ninety roubles"))
        assert second is not None
        body = json.dumps(second.payload)
        assert '"Rate"' in body and "response_format" not in body
        good = answer("Rate", {"currency": "USD", "rate": 90.0})
        assert attempts.review(good) is None
        final = attempts.final_message(good)
        assert json.loads(final.text) == {"currency": "USD", "rate": 90.0}
        assert final.tool_calls == []


def test_valid_json_for_the_schema_is_final() -> None:
    attempts = planner(response_format=RATE)
    assert attempts.review(AIMessage('{"currency": "USD", "rate": 90}')) is None
    assert attempts.review(AIMessage('{"currency": "USD"}')) is not None
