"""The v2 chat API on the emulator, through HTTP: parallel tool calls, built-in tools, formats."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.tools.builtin import web_search
from tests.integration_tests.backend import connection_kwargs

QUESTION = "What is the weather in Moscow and the USD exchange rate?"


def v2(**kwargs: Any) -> ChatGigaChat:
    return ChatGigaChat(**connection_kwargs(), api_version="v2", **kwargs)


def parallel_tools(barrier: threading.Barrier) -> list[Any]:
    """Two tools that only return once both are running at the same time."""

    @tool
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        barrier.wait()
        return json.dumps({"city": city, "weather": "sunny", "celsius": 21})

    @tool
    def get_exchange_rate(currency: str) -> str:
        """Exchange rate of a currency to the rouble by ISO code, e.g. USD."""
        barrier.wait()
        return json.dumps({"currency": currency, "rate_rub": 92.5})

    return [get_weather, get_exchange_rate]


def test_agent_runs_two_calls_of_one_turn_in_parallel(emu: Any) -> None:
    barrier = threading.Barrier(2, timeout=10)  # sequential execution would break it
    agent = create_agent(v2(), parallel_tools(barrier))
    result = agent.invoke({"messages": [HumanMessage(QUESTION)]})
    messages = result["messages"]
    [calling] = [m for m in messages if isinstance(m, AIMessage) and m.tool_calls]
    assert sorted(call["name"] for call in calling.tool_calls) == [
        "get_exchange_rate",
        "get_weather",
    ]
    assert {call["args"].get("city") for call in calling.tool_calls} >= {"Moscow"}
    results = [m for m in messages if isinstance(m, ToolMessage)]
    assert len(results) == 2
    assert all(r.status == "success" for r in results)
    assert not barrier.broken
    final = messages[-1]
    assert isinstance(final, AIMessage) and not final.tool_calls
    assert "92.5" in final.text or "sunny" in final.text
    log = [e for e in emu.request_log if e["path"].endswith("/v2/chat/completions")]
    assert len(log) == 2, "one model turn with two calls, then the answer"


async def test_async_agent_runs_two_calls_in_parallel(emu: Any) -> None:
    barrier = threading.Barrier(2, timeout=10)
    agent = create_agent(v2(), parallel_tools(barrier))
    result = await agent.ainvoke({"messages": [HumanMessage(QUESTION)]})
    assert sum(isinstance(m, ToolMessage) for m in result["messages"]) == 2
    assert not barrier.broken


def test_stream_delivers_both_calls(emu: Any) -> None:
    barrier = threading.Barrier(2)
    llm = v2().bind_tools(parallel_tools(barrier))
    chunks = list(llm.stream(QUESTION))
    total = sum(chunks[1:], chunks[0])
    assert isinstance(total, AIMessageChunk)
    assert len(total.tool_calls) == 2
    assert total.response_metadata["finish_reason"] == "tool_calls"
    assert sum(1 for c in chunks if c.usage_metadata) == 1


def test_web_search_answers_with_citations(emu: Any) -> None:
    llm = v2().bind_tools([web_search(kind="actual_info_web_search")], tool_choice="web_search")
    answer = llm.invoke("Найди в интернете новости про ключевую ставку")
    citations = [
        annotation
        for block in answer.content
        if isinstance(block, dict) and block.get("type") == "text"
        for annotation in block.get("annotations", [])
    ]
    assert citations and all(c["type"] == "citation" and c["url"] for c in citations)
    assert answer.additional_kwargs["tools_state_id"]


def test_generated_image_is_a_block_that_downloads(emu: Any) -> None:
    llm = v2()
    answer = llm.bind_tools(["image_generate"], tool_choice="image_generate").invoke(
        "Нарисуй логотип банка"
    )
    [image] = [b for b in answer.content if isinstance(b, dict) and b["type"] == "image"]
    assert image["mime_type"] == "image/jpeg"
    assert llm.download_file(image["file_id"])[:2] == b"\xff\xd8"
    # The generated image goes back in the history as a file id and the API accepts it.
    follow_up = llm.invoke([HumanMessage("Нарисуй логотип банка"), answer, HumanMessage("Спасибо")])
    assert follow_up.text


def test_streamed_builtin_reports_its_execution(emu: Any) -> None:
    llm = v2().bind_tools(["code_interpreter"], tool_choice="code_interpreter")
    chunks = list(llm.stream("Посчитай кодом 17 * 23"))
    total = sum(chunks[1:], chunks[0])
    kinds = [b["type"] for b in total.content if isinstance(b, dict)]
    assert kinds[:2] == ["server_tool_call", "server_tool_result"]
    assert total.text


class Ticket(BaseModel):
    """A support ticket."""

    topic: str
    urgent: bool


def test_native_json_schema_and_regex(emu: Any) -> None:
    llm = v2()
    ticket = llm.with_structured_output(Ticket).invoke("Карта украдена, срочно!")
    assert isinstance(ticket, Ticket)
    code = llm.with_structured_output(r"[A-Z]{3}-\d{4}", method="regex").invoke("Код заявки?")
    assert isinstance(code, str) and len(code) == 8
    entries = [e for e in emu.request_log if e["path"].endswith("/v2/chat/completions")]
    formats = [e["body"]["model_options"]["response_format"]["type"] for e in entries]
    assert formats == ["json_schema", "regex"]


def test_one_instance_across_event_loops(emu: Any) -> None:
    llm = v2()
    for _ in range(2):
        assert asyncio.run(llm.ainvoke("Привет")).text


@pytest.mark.parametrize("tool_choice", ["none", "auto"])
def test_tool_config_modes_reach_the_server(emu: Any, tool_choice: str) -> None:
    barrier = threading.Barrier(1)
    llm = v2().bind_tools(parallel_tools(barrier), tool_choice=tool_choice)
    message = llm.invoke(QUESTION)
    assert bool(message.tool_calls) is (tool_choice == "auto")
    [entry] = [e for e in emu.request_log if e["path"].endswith("/v2/chat/completions")]
    assert entry["body"]["tool_config"] == {"mode": tool_choice}


def _kinds(content: Any) -> list[str]:
    """Content item kinds, without the execution records only streams carry."""
    kinds = [item["type"] if isinstance(item, dict) else "str" for item in content]
    return [kind for kind in kinds if not kind.startswith("server_tool")]


@pytest.mark.parametrize("stop", [None, ["NEVER-APPEARS-XYZ"]])
@pytest.mark.parametrize("tool", ["image_generate", "web_search"])
def test_builtin_answer_has_the_same_shape_streamed_and_invoked(
    emu: Any, tool: str, stop: list[str] | None
) -> None:
    prompt = {"image_generate": "Нарисуй логотип", "web_search": "Найди в интернете новости"}[tool]
    llm = v2(stop=stop).bind_tools([tool], tool_choice=tool)
    invoked = llm.invoke(prompt)
    chunks = list(llm.stream(prompt))
    streamed = sum(chunks[1:], chunks[0])
    assert streamed.text == invoked.text
    streamed_kinds = _kinds(streamed.content)
    invoked_kinds = _kinds(invoked.content)
    # Streams deliver text in several pieces; the block kinds and their order are the same.
    assert [k for k in streamed_kinds if k != "str"] == [k for k in invoked_kinds if k != "str"]
