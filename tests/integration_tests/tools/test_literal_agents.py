"""Agents that hold with a model that takes schemas literally (issue 22), on both emulator
behaviours (``helpful`` and ``literal``) or, in live mode, on the real API.

Every check validates what came back against the caller's own schema: a tool call's arguments
against that tool's ``args_schema``, a structured answer against the pydantic model.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import pytest
from langchain.agents import create_agent
from langchain.agents.structured_output import ProviderStrategy, ToolStrategy
from langchain_core.messages import ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from tests.integration_tests.tools.conftest import Backend


@tool
def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"In {city}: +21 C, sunny."


@tool
def add(a: int, b: int) -> int:
    """Add two whole numbers."""
    return a + b


@tool
def get_time(timezone: str) -> str:
    """Current time in an IANA timezone such as Europe/Moscow."""
    return "12:00"


TOOLS = [get_weather, add, get_time]
BY_NAME = {t.name: t for t in TOOLS}


class Report(BaseModel):
    """The final report for the user."""

    city: str = Field(description="The city the user asked about")
    summary: str = Field(description="One sentence about the weather there")


class Card(BaseModel):
    """Payment by card."""

    kind: Literal["card"] = "card"
    last4: str = Field(description="Last four digits of the card")


class Cash(BaseModel):
    """Payment in cash."""

    kind: Literal["cash"] = "cash"
    currency: str = Field(description="ISO currency code")


class Payment(BaseModel):
    """A payment the user describes."""

    amount: int
    method: Card | Cash


def _valid_call(call: dict[str, Any]) -> None:
    tool_obj = BY_NAME[call["name"]]
    tool_obj.tool_call_schema.model_validate(call["args"])  # type: ignore[union-attr]


@pytest.mark.parametrize("stream", [False, True])
def test_any_among_three_tools_validates(backend: Backend, stream: bool) -> None:
    model = backend.llm().bind_tools(TOOLS, tool_choice="any")
    prompt = "What is the weather in Kazan?"
    if stream:
        full = None
        for chunk in model.stream(prompt):
            full = chunk if full is None else full + chunk
        message: Any = full
    else:
        message = model.invoke(prompt)
    assert len(message.tool_calls) == 1, message
    assert not message.invalid_tool_calls
    _valid_call(message.tool_calls[0])


def test_create_agent_three_tools_tool_strategy(backend: Backend) -> None:
    agent = create_agent(backend.llm(), TOOLS, response_format=ToolStrategy(Report))
    result = agent.invoke(
        {"messages": [("user", "What is the weather in Kazan? Give me a report.")]},
        {"recursion_limit": 16},
    )
    assert isinstance(result["structured_response"], Report)
    for message in result["messages"]:
        for call in getattr(message, "tool_calls", []):
            if call["name"] in BY_NAME:
                _valid_call(call)


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_create_agent_three_tools_provider_strategy(backend: Backend, api_version: str) -> None:
    agent = create_agent(
        backend.llm(api_version=api_version), TOOLS, response_format=ProviderStrategy(Report)
    )
    result = agent.invoke(
        {"messages": [("user", "What is the weather in Kazan? Give me a report.")]},
        {"recursion_limit": 16},
    )
    assert isinstance(result["structured_response"], Report)


@pytest.mark.parametrize(
    ("api_version", "method"),
    [
        ("v1", "function_calling"),
        ("v1", "json_schema"),
        ("v2", "function_calling"),
        ("v2", "json_schema"),
    ],
)
def test_card_or_cash_payment_validates(backend: Backend, api_version: str, method: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runnable = backend.llm(api_version=api_version).with_structured_output(
            Payment, method=method
        )
    payment = runnable.invoke("I paid 300 roubles in cash, currency RUB.")
    assert isinstance(payment, Payment)
    assert isinstance(payment.method, (Card, Cash))


def test_union_variants_are_separate_functions_with_their_own_required(backend: Backend) -> None:
    if backend.emu is None:
        pytest.skip("inspects the request log")
    backend.llm().bind_tools([Payment], tool_choice="Payment").invoke("300 roubles by card 1234")
    sent = backend.chat_requests()[0]["body"]
    dispatcher = sent["functions"][0]["parameters"]["properties"]
    card = dispatcher["Payment_card"]["properties"]["method"]
    cash = dispatcher["Payment_cash"]["properties"]["method"]
    assert card["required"] == ["last4"] and cash["required"] == ["currency"]
    assert "anyOf" not in str(sent) and "Only when" not in str(sent)


def test_tool_messages_follow_valid_calls_only(backend: Backend) -> None:
    agent = create_agent(backend.llm(), TOOLS)
    result = agent.invoke({"messages": [("user", "What is 2 plus 3?")]}, {"recursion_limit": 12})
    errors = [m for m in result["messages"] if isinstance(m, ToolMessage) and m.status == "error"]
    assert errors == []
