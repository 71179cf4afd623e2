"""Hostile input fails before any request; malformed server output fails as a typed error."""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_gigachat_ext import (
    ChatGigaChat,
    GigaChatInvalidInputError,
    GigaChatMalformedResponseError,
    GigaChatStreamInterruptedError,
)
from tests.integration_tests.faults.helpers import chat_entries, chat_model, send, stub_server

_BAD_SCHEMA = {
    "type": "function",
    "function": {
        "name": "lookup",
        "description": "Look something up.",
        "parameters": {"type": "object", "properties": {"q": {"$ref": "https://x.test/q"}}},
    },
}


def _nested_tool(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"x": schema}}
    return {"name": "deep", "description": "A deep tool.", "parameters": schema}


BAD_CALLS: dict[str, Callable[[ChatGigaChat], Any]] = {
    "empty message list": lambda llm: llm.invoke([]),
    "unsupported content block": lambda llm: llm.invoke(
        [HumanMessage(content=[{"type": "hologram", "data": "..."}])]
    ),
    "schema the compiler cannot express": lambda llm: llm.bind_tools([_BAD_SCHEMA]).invoke("hi"),
    "unknown type in structured output": lambda llm: llm.with_structured_output(
        {"title": "T", "description": "d", "type": "object", "properties": {"a": {"type": "x"}}}
    ).invoke("hi"),
    "temperature above 2": lambda llm: llm.invoke("hi", temperature=2.5),
    "negative temperature": lambda llm: llm.invoke("hi", temperature=-0.1),
    "top_p above 1": lambda llm: llm.invoke("hi", top_p=1.5),
    "zero repetition_penalty": lambda llm: llm.invoke("hi", repetition_penalty=0),
    "zero max_tokens": lambda llm: llm.invoke("hi", max_tokens=0),
    "fractional max_tokens": lambda llm: llm.invoke("hi", max_tokens=2.5),
    "unknown invoke kwarg": lambda llm: llm.invoke("hi", temprature=0.5),
    # issue 24 items 4 and 5: typed errors at bind time or in the call plan, nothing sent
    "tool schema 250 levels deep": lambda llm: llm.bind_tools([_nested_tool(250)]).invoke("hi"),
    "structured output 250 levels deep": lambda llm: llm.with_structured_output(
        {**_nested_tool(250)["parameters"], "title": "Deep", "description": "d"},
        method="json_schema",
    ).invoke("hi"),
    "tool parameters a string": lambda llm: llm.bind_tools(
        [{"name": "f", "description": "d", "parameters": "oops"}]
    ).invoke("hi"),
    "stop=5": lambda llm: llm.invoke("hi", stop=5),
    "stop list with a number": lambda llm: llm.invoke("hi", stop=["ok", 5]),
    "stop=5 in stream": lambda llm: list(llm.stream("hi", stop=5)),
    "stop list with a number in stream": lambda llm: list(llm.stream("hi", stop=[None])),
    "temperature string": lambda llm: llm.invoke("hi", temperature="hot"),
    "session_id number": lambda llm: llm.invoke("hi", session_id=42),
    "session_id number in stream": lambda llm: list(llm.stream("hi", session_id=42)),
}


@pytest.mark.parametrize("call", BAD_CALLS.values(), ids=list(BAD_CALLS))
def test_bad_input_is_rejected_before_any_request(emu: Any, call: Callable[..., Any]) -> None:
    llm = chat_model(emu)
    with pytest.raises(GigaChatInvalidInputError) as caught:
        call(llm)
    assert str(caught.value).strip()
    assert chat_entries(emu) == []


@pytest.mark.parametrize("stop", [5, ["ok", 5]], ids=["int", "list-with-int"])
async def test_bad_stop_in_async_calls_is_rejected_before_any_request(emu: Any, stop: Any) -> None:
    llm = chat_model(emu)
    with pytest.raises(GigaChatInvalidInputError, match="stop"):
        await llm.ainvoke("hi", stop=stop)
    with pytest.raises(GigaChatInvalidInputError, match="stop"):
        async for _ in llm.astream("hi", stop=stop):
            pass
    assert chat_entries(emu) == []


@pytest.mark.parametrize("field", ["temperature", "top_p", "repetition_penalty", "max_tokens"])
async def test_bad_model_field_is_rejected_before_any_request(emu: Any, field: str) -> None:
    llm = chat_model(emu, **{field: -1})
    with pytest.raises(GigaChatInvalidInputError, match=field):
        await llm.ainvoke("hi")
    assert chat_entries(emu) == []


REQUEST_ID = "stub-request-1"

_GOOD_CHUNK = {
    "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hello"}}],
    "created": 1,
    "model": "GigaChat-2",
    "object": "chat.completion",
}

MALFORMED_JSON: dict[str, bytes] = {
    "truncated JSON": b'{"choices": [{"index": 0, "message": {"role": "assist',
    "not JSON": b"<html>502 Bad Gateway</html>",
    "JSON array": b"[1, 2, 3]",
    "missing fields": json.dumps({"object": "chat.completion"}).encode(),
    "empty choices": json.dumps(
        {
            "choices": [],
            "created": 1,
            "model": "GigaChat-2",
            "object": "chat.completion",
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    ).encode(),
}


def _stub_model(origin: str, **overrides: Any) -> ChatGigaChat:
    return ChatGigaChat(
        base_url=f"{origin}/api/v1",
        access_token="stub-token",
        max_retries=2,
        retry_backoff_factor=0.01,
        **overrides,
    )


@pytest.mark.parametrize("body", MALFORMED_JSON.values(), ids=list(MALFORMED_JSON))
async def test_malformed_completion_is_a_typed_error_naming_the_request(body: bytes) -> None:
    calls: list[int] = []

    def respond(handler: BaseHTTPRequestHandler) -> None:
        calls.append(1)
        send(handler, body)

    with stub_server(respond) as origin:
        llm = _stub_model(origin)
        with pytest.raises(GigaChatMalformedResponseError) as caught:
            llm.invoke("hi")
        with pytest.raises(GigaChatMalformedResponseError):
            await llm.ainvoke("hi")

    assert REQUEST_ID in str(caught.value)
    assert caught.value.request_id == REQUEST_ID
    assert "errors.pydantic.dev" not in str(caught.value)  # no raw pydantic dump
    assert len(calls) == 2  # not retried


def _sse(*lines: str) -> bytes:
    return "".join(f"{line}\n\n" for line in lines).encode()


MALFORMED_STREAMS: dict[str, tuple[bytes, str]] = {
    "bad SSE line first": (_sse("data: {not json", "data: [DONE]"), "malformed"),
    "chunk missing fields": (_sse('data: {"choices": "nope"}', "data: [DONE]"), "malformed"),
    "JSON answer to a stream request": (b'{"choices": []}', "malformed"),
    "bad SSE line after output": (
        _sse(f"data: {json.dumps(_GOOD_CHUNK)}", "data: {truncated", "data: [DONE]"),
        "interrupted",
    ),
    "ends cleanly without final chunk or DONE": (
        _sse(f"data: {json.dumps(_GOOD_CHUNK)}"),
        "interrupted",
    ),
}


@pytest.mark.parametrize(
    ("body", "outcome"), MALFORMED_STREAMS.values(), ids=list(MALFORMED_STREAMS)
)
@pytest.mark.parametrize("asynchronous", [False, True])
async def test_malformed_stream_is_a_typed_error(
    body: bytes, outcome: str, asynchronous: bool
) -> None:
    content_type = "application/json" if body.startswith(b"{") else "text/event-stream"

    def respond(handler: BaseHTTPRequestHandler) -> None:
        send(handler, body, content_type=content_type)

    parts: list[str] = []
    with stub_server(respond) as origin:
        llm = _stub_model(origin)
        with pytest.raises(Exception) as caught:
            if asynchronous:
                async for chunk in llm.astream("hi"):
                    parts.append(str(chunk.content))
            else:
                for chunk in llm.stream("hi"):
                    parts.append(str(chunk.content))

    error = caught.value
    if outcome == "malformed":
        assert isinstance(error, GigaChatMalformedResponseError)
        assert REQUEST_ID in str(error)
        assert parts == []
    else:
        assert isinstance(error, GigaChatStreamInterruptedError)
        assert error.partial_text == "".join(parts) == "Hello"


# --- issue 24 item 8: partial_text is exactly what the caller received -------------------------

_MARKUP_TEXT = "To show a picture use <img src=... in the answer, then describe it in words please."


async def _received(
    llm: ChatGigaChat, asynchronous: bool, **kwargs: Any
) -> tuple[str, BaseException | None]:
    parts: list[str] = []
    try:
        if asynchronous:
            async for chunk in llm.astream("hi", **kwargs):
                parts.append(chunk.text)
        else:
            for chunk in llm.stream("hi", **kwargs):
                parts.append(chunk.text)
    except Exception as error:
        return "".join(parts), error
    return "".join(parts), None


@pytest.mark.parametrize("asynchronous", [False, True])
@pytest.mark.parametrize("cut_after", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("stop", [None, ["describe it"]], ids=["no-stop", "stop"])
async def test_partial_text_after_a_cut_is_what_was_delivered(
    emu: Any, asynchronous: bool, cut_after: int, stop: list[str] | None
) -> None:
    """The image-markup filter holds back ``<img``; the stop filter holds a possible sequence."""
    emu.script.reply_text(_MARKUP_TEXT, cut_after=cut_after)

    received, error = await _received(chat_model(emu, max_retries=0), asynchronous, stop=stop)

    assert isinstance(error, GigaChatStreamInterruptedError)
    assert error.partial_text == received
    assert error.received_chars == len(received)
    assert _MARKUP_TEXT.startswith(received)
