"""An APM tracer that wraps ``BaseChatModel``'s entry points sees every ``ChatGigaChat`` call.

Tracers such as dd-trace patch ``BaseChatModel.generate``/``agenerate``/``stream``/``astream`` on
the class. A model that overrides ``invoke``/``stream`` to skip those methods hides its calls from
them; so does one that skips a subclass's ``generate``. These tests install such a tracer and
run every way of calling the model against the emulator (or the live API).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import LLMResult
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_gigachat_ext import ChatGigaChat
from tests.integration_tests.backend import connection_kwargs


@tool
def get_exchange_rate(currency: str) -> float:
    """Курс валюты к рублю по коду ISO, например USD."""
    return 92.5


class Ticket(BaseModel):
    """Заявка клиента."""

    topic: str
    urgent: bool


class Tracer:
    """Wraps the four entry points on ``BaseChatModel`` itself and records each call."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, str]] = []
        """(entry point, class of the model) per traced call."""
        self.texts: list[str] = []
        """What each traced call returned, as text (a stream's chunks joined)."""
        for name, wrap in (
            ("generate", self._wrap_generate),
            ("agenerate", self._wrap_agenerate),
            ("stream", self._wrap_stream),
            ("astream", self._wrap_astream),
        ):
            monkeypatch.setattr(BaseChatModel, name, wrap(name, getattr(BaseChatModel, name)))

    def _record(self, name: str, model: BaseChatModel) -> None:
        self.calls.append((name, type(model).__name__))

    def _wrap_generate(self, name: str, original: Callable[..., LLMResult]) -> Callable[..., Any]:
        @functools.wraps(original)
        def generate(model: BaseChatModel, *args: Any, **kwargs: Any) -> LLMResult:
            self._record(name, model)
            result = original(model, *args, **kwargs)
            self.texts.extend(gens[0].text for gens in result.generations)
            return result

        return generate

    def _wrap_agenerate(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        async def agenerate(model: BaseChatModel, *args: Any, **kwargs: Any) -> LLMResult:
            self._record(name, model)
            result: LLMResult = await original(model, *args, **kwargs)
            self.texts.extend(gens[0].text for gens in result.generations)
            return result

        return agenerate

    def _wrap_stream(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def stream(model: BaseChatModel, *args: Any, **kwargs: Any) -> Iterator[Any]:
            self._record(name, model)
            text = ""
            for chunk in original(model, *args, **kwargs):
                text += chunk.text
                yield chunk
            self.texts.append(text)

        return stream

    def _wrap_astream(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        async def astream(model: BaseChatModel, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            self._record(name, model)
            text = ""
            async for chunk in original(model, *args, **kwargs):
                text += chunk.text
                yield chunk
            self.texts.append(text)

        return astream


@pytest.fixture
def tracer(monkeypatch: pytest.MonkeyPatch) -> Tracer:
    return Tracer(monkeypatch)


@pytest.fixture
def llm() -> ChatGigaChat:
    return ChatGigaChat(**connection_kwargs(), model="GigaChat-2")


def _joined(chunks: list[AIMessageChunk]) -> str:
    return "".join(chunk.text for chunk in chunks)


async def test_every_plain_call_is_traced_once_with_its_answer(
    tracer: Tracer, llm: ChatGigaChat
) -> None:
    answers = [
        llm.invoke("Привет!").text,
        (await llm.ainvoke("Привет!")).text,
        *[message.text for message in llm.batch(["Раз", "Два"])],
        *[message.text for message in await llm.abatch(["Три", "Четыре"])],
        _joined(list(llm.stream("Посчитай до трёх"))),
        _joined([chunk async for chunk in llm.astream("Посчитай до трёх")]),
    ]
    assert sorted(tracer.calls) == sorted(
        [("generate", "ChatGigaChat")] * 3
        + [("agenerate", "ChatGigaChat")] * 3
        + [("stream", "ChatGigaChat"), ("astream", "ChatGigaChat")]
    )
    assert all(answers)
    assert sorted(tracer.texts) == sorted(answers)


async def test_tool_and_structured_output_chains_are_traced(
    tracer: Tracer, llm: ChatGigaChat
) -> None:
    with_tools = llm.bind_tools([get_exchange_rate], tool_choice="any")
    called = with_tools.invoke("Курс доллара?")
    assert isinstance(called, AIMessage) and called.tool_calls
    assert (await with_tools.ainvoke("Курс доллара?")).tool_calls
    streamed = list(with_tools.stream("Курс доллара?"))
    assert sum(streamed[1:], streamed[0]).tool_calls
    structured = llm.with_structured_output(Ticket)
    assert isinstance(structured.invoke("Карта украдена, срочно!"), Ticket)
    assert isinstance(await structured.ainvoke("Карта украдена, срочно!"), Ticket)
    assert [chunk async for chunk in structured.astream("Карта украдена, срочно!")]
    assert tracer.calls == [
        ("generate", "ChatGigaChat"),
        ("agenerate", "ChatGigaChat"),
        ("stream", "ChatGigaChat"),
        ("generate", "ChatGigaChat"),
        ("agenerate", "ChatGigaChat"),
        ("astream", "ChatGigaChat"),
    ]


class CountingChat(ChatGigaChat):
    """A user's subclass that overrides ``generate``/``agenerate`` to see every call."""

    def generate(self, messages: list[list[BaseMessage]], *args: Any, **kwargs: Any) -> LLMResult:
        """Count, then generate as usual."""
        GENERATED.append(len(messages))
        return super().generate(messages, *args, **kwargs)

    async def agenerate(
        self, messages: list[list[BaseMessage]], *args: Any, **kwargs: Any
    ) -> LLMResult:
        """Count, then generate as usual."""
        GENERATED.append(len(messages))
        return await super().agenerate(messages, *args, **kwargs)


GENERATED: list[int] = []
"""Prompts per ``CountingChat.generate``/``agenerate`` call."""


async def test_a_subclass_that_overrides_generate_is_honoured(tracer: Tracer) -> None:
    GENERATED.clear()
    llm = CountingChat(**connection_kwargs(), model="GigaChat-2")
    assert llm.invoke("Привет!").text
    assert (await llm.ainvoke("Привет!")).text
    assert llm.with_structured_output(Ticket).invoke("Карта украдена!")
    assert GENERATED == [1, 1, 1]
    assert tracer.calls == [
        ("generate", "CountingChat"),
        ("agenerate", "CountingChat"),
        ("generate", "CountingChat"),
    ]
