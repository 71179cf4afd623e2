"""Tools, tool_choice and structured output where agents break: on the emulator, through HTTP."""

from __future__ import annotations

import json
import warnings
from typing import Any, Literal

import pytest
from langchain.agents import create_agent
from langchain.agents.structured_output import ProviderStrategy, ToolStrategy
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel, Field

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.tools.binding import DISPATCHER_NAME
from tests.integration_tests.backend import connection_kwargs


@tool
def get_exchange_rate(currency: str) -> str:
    """Курс валюты к рублю по коду ISO, например USD или EUR."""
    return json.dumps({"currency": currency, "rate_rub": 92.5})


@tool
def calculate(expression: str) -> str:
    """Вычислить арифметическое выражение, например 1500 * 92.5."""
    return "138750"


class RateAnswer(BaseModel):
    """Ответ о курсе валюты."""

    currency: str = Field(description="ISO code of the currency")
    rate_rub: float = Field(description="Rate in roubles")


class Card(BaseModel):
    kind: Literal["card"] = "card"
    last4: str


class Loan(BaseModel):
    kind: Literal["loan"] = "loan"
    amount: int = Field(ge=1)


class Request(BaseModel):
    """A customer's request about one product."""

    customer: str
    product: Card | Loan
    priority: int | None = None


def llm(**kwargs: Any) -> ChatGigaChat:
    return ChatGigaChat(**connection_kwargs(), **kwargs)


@pytest.mark.parametrize(
    "tool_choice",
    ["any", "required", True, {"type": "function", "function": {"name": "calculate"}}, "calculate"],
)
def test_tool_choice_forms_guarantee_a_call(emu: Any, tool_choice: Any) -> None:
    model = llm().bind_tools([get_exchange_rate, calculate], tool_choice=tool_choice)
    message = model.invoke("Привет!")
    assert len(message.tool_calls) == 1
    call = message.tool_calls[0]
    chosen = {"get_exchange_rate": get_exchange_rate, "calculate": calculate}[call["name"]]
    chosen.tool_call_schema.model_validate(call["args"])  # its own schema, required fields too
    sent = next(e for e in emu.request_log if e["path"].endswith("/chat/completions"))
    names = [f["name"] for f in sent["body"]["functions"]]
    assert "required" not in names and "any" not in names
    if tool_choice in ("any", "required", True):
        assert sent["body"]["function_call"] == {"name": DISPATCHER_NAME}
    else:
        assert sent["body"]["function_call"] == {"name": "calculate"}


def test_tool_choice_none_and_auto(emu: Any) -> None:
    assert llm().bind_tools([calculate], tool_choice="none").invoke("2+2?").tool_calls == []
    auto = llm().bind_tools([calculate, get_exchange_rate]).invoke("Сколько будет 1500 * 92.5?")
    assert auto.tool_calls and auto.tool_calls[0]["name"] == "calculate"


def test_three_tool_call_openai_history_replays(emu: Any) -> None:
    history = [
        HumanMessage("Курсы USD, EUR и CNY?"),
        AIMessage(
            "",
            tool_calls=[
                {
                    "name": "get_exchange_rate",
                    "args": {"currency": c},
                    "id": f"call_{c}",
                    "type": "tool_call",
                }
                for c in ("USD", "EUR", "CNY")
            ],
        ),
        ToolMessage('{"rate_rub": 12.7}', tool_call_id="call_CNY"),
        ToolMessage("92.5", tool_call_id="call_USD"),
        ToolMessage("Ошибка: нет данных", tool_call_id="call_EUR", status="error"),
    ]
    answer = llm().bind_tools([get_exchange_rate]).invoke(history)
    assert answer.text
    sent = emu.request_log[-1]["body"]["messages"]
    roles = [m["role"] for m in sent]
    assert roles == [
        "user",
        "assistant",
        "function",
        "assistant",
        "function",
        "assistant",
        "function",
    ]
    assert [json.loads(m["content"]) for m in sent if m["role"] == "function"] == [
        {"rate_rub": 12.7},
        {"result": 92.5},
        {"error": "Ошибка: нет данных"},
    ]


def test_create_agent_with_two_tools_and_tool_strategy(emu: Any) -> None:
    agent = create_agent(
        llm(),
        [get_exchange_rate, calculate],
        system_prompt="Ты помощник банка. Для курса вызывай get_exchange_rate.",
        response_format=ToolStrategy(RateAnswer),
        checkpointer=InMemorySaver(),
    )
    result = agent.invoke(
        {"messages": [("user", "Какой курс USD к рублю?")]},
        {"configurable": {"thread_id": "agent-1"}, "recursion_limit": 12},
    )
    structured = result["structured_response"]
    assert isinstance(structured, RateAnswer)
    tool_names = [m.name for m in result["messages"] if isinstance(m, ToolMessage)]
    assert "get_exchange_rate" in tool_names
    sessions = {e["session_id"] for e in emu.request_log if e["path"].endswith("/chat/completions")}
    assert len(sessions) == 1, "one thread → one X-Session-ID for prompt caching"


def test_create_agent_provider_strategy(emu: Any) -> None:
    model = llm()
    assert model.profile and model.profile["structured_output"]
    agent = create_agent(model, [get_exchange_rate], response_format=ProviderStrategy(RateAnswer))
    result = agent.invoke({"messages": [("user", "Какой курс EUR?")]}, {"recursion_limit": 12})
    assert isinstance(result["structured_response"], RateAnswer)
    formats = [
        e["body"].get("response_format")
        for e in emu.request_log
        if e["path"].endswith("/chat/completions")
    ]
    assert any(f and f["type"] == "json_schema" and "schema" in f for f in formats)


@pytest.mark.parametrize("method", ["function_calling", "json_schema", "json_mode"])
def test_union_schema_structured_output(emu: Any, method: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runnable = llm().with_structured_output(Request, method=method)
        parsed = runnable.invoke("Клиент Иван просит кредит на 100000 рублей")
    assert isinstance(parsed, Request)
    assert isinstance(parsed.product, (Card, Loan))


def test_union_schema_is_split_into_variants_not_rejected(emu: Any) -> None:
    message = llm().bind_tools([Request], tool_choice="Request").invoke("Иван, карта 1234")
    assert message.tool_calls[0]["name"] == "Request"
    Request.model_validate(message.tool_calls[0]["args"])
    first = next(e for e in emu.request_log if e["path"].endswith("/chat/completions"))
    function = first["body"]["functions"][0]
    assert "anyOf" not in json.dumps(function) and "$ref" not in json.dumps(function)
    variants = function["parameters"]["properties"]
    assert variants["Request_card"]["properties"]["product"]["required"] == ["last4"]
    assert variants["Request_loan"]["properties"]["product"]["required"] == ["amount"]


def test_include_raw_and_streaming_structured_output(emu: Any) -> None:
    raw = llm().with_structured_output(RateAnswer, include_raw=True).invoke("Курс USD?")
    assert isinstance(raw["parsed"], RateAnswer) and raw["parsing_error"] is None
    chunks = list(
        llm().with_structured_output(RateAnswer, method="json_schema").stream("Курс USD?")
    )
    assert chunks and all(isinstance(c, RateAnswer) for c in chunks)


def test_textual_tool_call_markup_is_recovered(emu: Any) -> None:
    emu.script.reply_text(
        '<tool_calls><invoke name="get_exchange_rate"><parameter name="currency">USD</parameter></invoke></tool_calls>'
    )
    message = llm().bind_tools([get_exchange_rate]).invoke("Курс доллара?")
    assert message.tool_calls == [
        {
            "name": "get_exchange_rate",
            "args": {"currency": "USD"},
            "id": "call_text_0",
            "type": "tool_call",
        }
    ]
    assert "<invoke" not in message.text


def test_functions_state_id_round_trips(emu: Any) -> None:
    model = llm().bind_tools([get_exchange_rate], tool_choice="get_exchange_rate")
    first = model.invoke("Курс USD?")
    state_id = first.additional_kwargs.get("functions_state_id")
    assert state_id and first.tool_calls[0]["id"] == f"call_{state_id}"
    follow = [
        HumanMessage("Курс USD?"),
        first,
        ToolMessage("92.5", tool_call_id=first.tool_calls[0]["id"]),
    ]
    llm().bind_tools([get_exchange_rate]).invoke(follow)
    assistant = emu.request_log[-1]["body"]["messages"][1]
    assert assistant["functions_state_id"] == state_id
