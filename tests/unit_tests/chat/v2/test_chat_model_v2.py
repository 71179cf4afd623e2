"""ChatGigaChat(api_version="v2") against recorded v2 traffic served by httpx.MockTransport.

Where a recording shows the request the SDK's own test sent, the same LangChain input must give
the same JSON body (so what we send is what the real API was seen to accept).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from pydantic import BaseModel, Field

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.errors import GigaChatInvalidInputError, GigaChatMalformedResponseError
from tests.recorded import interactions
from tests.unit_tests.chat.test_chat_model import Handler, make_llm

V2_PATH = "/api/v2/chat/completions"


def _chat_interactions(cassette: str) -> list[dict[str, Any]]:
    return [i for i in interactions(cassette) if V2_PATH in i["request"]["uri"]]


def replay(cassette: str) -> Handler:
    """Serve the cassette's v2 answers in order (any other path is a test failure)."""
    answers = _chat_interactions(cassette)

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == V2_PATH, request.url
        response = answers.pop(0)["response"]
        headers = {
            key: values[0]
            for key, values in response["headers"].items()
            if key.lower() not in {"content-length", "transfer-encoding", "content-encoding"}
        }
        body = response["body"]["string"].encode()
        return httpx.Response(response["status"]["code"], headers=headers, content=body)

    return handler


def recorded_requests(cassette: str) -> list[dict[str, Any]]:
    return [json.loads(i["request"]["body"]) for i in _chat_interactions(cassette)]


def v2_llm(cassette: str, **kwargs: Any) -> tuple[Any, list[httpx.Request]]:
    return make_llm(replay(cassette), api_version="v2", model="GigaChat-3-Ultra", **kwargs)


def test_invoke_sends_the_recorded_body_and_reads_usage() -> None:
    llm, seen = v2_llm("test_primary_chat_create_simple")
    message = llm.invoke("Say 'Hello' and nothing else")
    assert json.loads(seen[0].content) == recorded_requests("test_primary_chat_create_simple")[0]
    assert message.content == "Hello"
    assert message.usage_metadata == {
        "input_tokens": 19,
        "output_tokens": 2,
        "total_tokens": 21,
        "input_token_details": {"cache_read": 0},
    }
    meta = message.response_metadata
    assert (meta["model_provider"], meta["model_name"]) == (
        "gigachat",
        "GigaChat-3-Ultra:32.3.18.5",
    )
    assert (meta["finish_reason"], meta["gigachat_finish_reason"]) == ("stop", "stop")
    assert meta["request_id"] == "6793f98b-435a-4a6b-a956-f495c7606f70"


async def test_async_invoke_reads_the_same_answer() -> None:
    llm, _ = v2_llm("test_primary_achat_create_simple")
    message = await llm.ainvoke("Say 'Hello' and nothing else")
    assert message.content
    assert message.usage_metadata is not None and message.usage_metadata["input_tokens"] > 0


def test_stream_reads_named_events_without_done_sentinel() -> None:
    llm, seen = v2_llm("test_primary_chat_stream_simple")
    chunks = list(llm.stream("Count from 1 to 3"))
    assert json.loads(seen[0].content) == recorded_requests("test_primary_chat_stream_simple")[0]
    assert seen[0].headers["accept"] == "text/event-stream"
    total = sum(chunks[1:], chunks[0])
    assert isinstance(total, AIMessageChunk)
    assert total.content == "1, 2, 3"
    assert total.usage_metadata is not None and total.usage_metadata["total_tokens"] == 27
    assert sum(1 for c in chunks if c.usage_metadata) == 1
    assert chunks[-1].chunk_position == "last"
    assert total.response_metadata["finish_reason"] == "stop"


async def test_astream_reads_named_events() -> None:
    llm, _ = v2_llm("test_primary_achat_stream_simple")
    chunks = [chunk async for chunk in llm.astream("Count from 1 to 3")]
    total = sum(chunks[1:], chunks[0])
    assert total.content and total.response_metadata["finish_reason"] == "stop"


class _OrderStatus(BaseModel):
    """Get delivery status for an order."""

    order_id: str = Field(description="Order identifier.")


def test_function_round_trip_matches_the_recorded_requests() -> None:
    cassette = "test_primary_chat_function_tool_roundtrip"
    recorded = recorded_requests(cassette)
    spec = recorded[0]["tools"][0]["functions"]["specifications"][0]
    tool = {
        "name": spec["name"],
        "description": spec["description"],
        "parameters": spec["parameters"],
        "return_parameters": spec["return_parameters"],
    }
    llm, seen = v2_llm(cassette)
    history: list[Any] = [HumanMessage("Check order A-1024 and answer naturally.")]
    call = llm.bind_tools([tool], tool_choice="get_order_status").invoke(history)
    assert json.loads(seen[0].content) == recorded[0]
    assert call.response_metadata["finish_reason"] == "tool_calls"
    assert [(c["name"], c["args"]) for c in call.tool_calls] == [
        ("get_order_status", {"order_id": "A-1024"})
    ]
    assert call.additional_kwargs["tools_state_id"] == "019e8373-dc9a-7883-af60-ebb20b79e1e1"
    result = {"order_id": "A-1024", "status": "packed", "eta": "tomorrow"}
    history += [call, ToolMessage(json.dumps(result), tool_call_id=call.tool_calls[0]["id"])]
    answer = llm.bind_tools([tool]).invoke(history)
    assert json.loads(seen[1].content) == recorded[1]
    assert "packed" in answer.text


def test_builtin_tools_surface_citations_and_generated_files() -> None:
    cassette = "test_primary_chat_builtin_tools"
    recorded = recorded_requests(cassette)
    llm, seen = v2_llm(cassette)
    search = llm.bind_tools(
        [{"web_search": {"type": "actual_info_web_search"}}], tool_choice="web_search"
    ).invoke("What is new in the latest stable Python release?")
    assert json.loads(seen[0].content) == recorded[0]
    [text_block] = [b for b in search.content if isinstance(b, dict) and b["type"] == "text"]
    citations = text_block["annotations"]
    assert citations and all(c["type"] == "citation" and c["url"] for c in citations)
    assert "[sources=" in search.text

    code = llm.bind_tools(["code_interpreter"], tool_choice="auto").invoke(
        "Calculate the sum of the first 20 prime numbers. Use code."
    )
    assert json.loads(seen[1].content) == recorded[1]
    assert "639" in code.content

    llm.bind_tools(["url_content_extraction"], tool_choice="url_content_extraction").invoke(
        "Read https://docs.python.org/3/library/pathlib.html and list three use cases for pathlib."
    )
    assert json.loads(seen[2].content) == recorded[2]

    image = llm.bind_tools(["image_generate"], tool_choice="image_generate").invoke(
        "Create a simple square icon concept for a Python SDK release."
    )
    assert json.loads(seen[3].content) == recorded[3]
    [picture] = [b for b in image.content if isinstance(b, dict) and b["type"] == "image"]
    assert picture["file_id"] == "f4b17167-3fa4-40aa-80c6-c737ee40d961"
    assert picture["mime_type"] == "image/jpeg"
    assert image.text.endswith("has been created.")


class StructuredAnswer(BaseModel):
    """Structured answer returned by response_format=json_schema."""

    answer: str
    n: int = Field(ge=0, le=10)


def test_native_json_schema_sends_the_schema_as_given() -> None:
    cassette = "test_primary_chat_parse_json_schema"
    llm, seen = v2_llm(cassette)
    structured = llm.with_structured_output(StructuredAnswer, strict=True)
    result = structured.invoke('Return {"answer":"ok","n":3} exactly.')
    assert json.loads(seen[0].content) == recorded_requests(cassette)[0]
    assert result == StructuredAnswer(answer="ok", n=3)


def test_regex_method_constrains_and_checks_the_answer() -> None:
    cassette = "test_primary_chat_regex_format"
    llm, seen = v2_llm(cassette)
    code = llm.with_structured_output(r"[A-Z]{3}-\d{4}", method="regex").invoke(
        "Generate one support ticket code."
    )
    assert json.loads(seen[0].content) == recorded_requests(cassette)[0]
    assert code == "TKT-2023"


def _sse(*events: tuple[str, dict[str, Any]]) -> Handler:
    body = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return handler


def _json(body: dict[str, Any]) -> Handler:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    return handler


TWO_CALLS = {
    "model": "GigaChat-2-Max:2.0",
    "messages": [
        {
            "role": "assistant",
            "tool_state_id": "st-1",
            "content": [
                {"function_call": {"name": "get_weather", "arguments": {"city": "Moscow"}}},
                {"function_call": {"name": "get_weather", "arguments": {"city": "Kazan"}}},
            ],
        }
    ],
    "finish_reason": "function_call",
    "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15},
}


def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"sunny in {city}"


def test_several_function_calls_become_several_tool_calls_and_go_back_grouped() -> None:
    llm, seen = make_llm(_json(TWO_CALLS), api_version="v2")
    bound = llm.bind_tools([get_weather])
    message = bound.invoke("Weather in Moscow and Kazan?")
    assert [c["args"]["city"] for c in message.tool_calls] == ["Moscow", "Kazan"]
    assert [c["id"] for c in message.tool_calls] == ["call_st-1_0", "call_st-1_1"]
    history = [
        HumanMessage("Weather in Moscow and Kazan?"),
        message,
        ToolMessage("sunny", tool_call_id="call_st-1_1"),
        ToolMessage("rain", tool_call_id="call_st-1_0"),
    ]
    bound.invoke(history)
    sent = json.loads(seen[1].content)["messages"]
    assert sent[1] == {
        "role": "assistant",
        "tools_state_id": "st-1",
        "content": [
            {"function_call": {"name": "get_weather", "arguments": {"city": "Kazan"}}},
            {"function_call": {"name": "get_weather", "arguments": {"city": "Moscow"}}},
        ],
    }
    assert sent[2:] == [
        {
            "role": "tool",
            "tools_state_id": "st-1",
            "content": [{"function_result": {"name": "get_weather", "result": {"result": r}}}],
        }
        for r in ("sunny", "rain")
    ]


def test_streamed_calls_and_tool_events_aggregate() -> None:
    handler = _sse(
        (
            "response.tool.completed",
            {"tool_execution": {"name": "web_search", "status": "success"}},
        ),
        ("response.message.delta", {"messages": TWO_CALLS["messages"]}),
        (
            "response.message.done",
            {"finish_reason": "function_call", "usage": TWO_CALLS["usage"]},
        ),
    )
    llm, _ = make_llm(handler, api_version="v2")
    chunks = list(llm.bind_tools([get_weather, "web_search"]).stream("Weather?"))
    total = sum(chunks[1:], chunks[0])
    assert [c["args"] for c in total.tool_calls] == [{"city": "Moscow"}, {"city": "Kazan"}]
    assert [c["id"] for c in total.tool_calls] == ["call_st-1_0", "call_st-1_1"]
    kinds = [b["type"] for b in total.content if isinstance(b, dict)]
    assert kinds == ["server_tool_call", "server_tool_result"]
    assert total.response_metadata["finish_reason"] == "tool_calls"


def test_stream_cut_before_done_event_is_an_error() -> None:
    handler = _sse(("response.message.delta", {"messages": [{"content": [{"text": "Hi"}]}]}))
    llm, _ = make_llm(handler, api_version="v2")
    with pytest.raises(Exception, match=r"response\.message\.done|interrupted"):
        list(llm.stream("Hi"))


def test_malformed_v2_body_is_a_typed_error() -> None:
    llm, _ = make_llm(_json({"messages": "nope"}), api_version="v2")
    with pytest.raises(GigaChatMalformedResponseError):
        llm.invoke("Hi")


def test_user_function_named_like_a_builtin_is_renamed_on_the_wire() -> None:
    def web_search(query: str) -> str:
        """Search our intranet."""
        return query

    answer = {
        "messages": [
            {
                "role": "assistant",
                "tool_state_id": "s",
                "content": [
                    {"function_call": {"name": "user_web_search", "arguments": {"query": "x"}}}
                ],
            }
        ],
        "finish_reason": "function_call",
    }
    llm, seen = make_llm(_json(answer), api_version="v2")
    message = llm.bind_tools([web_search, "web_search"]).invoke("find x")
    tools = json.loads(seen[0].content)["tools"]
    assert tools[0] == {"web_search": {}}
    assert tools[1]["functions"]["specifications"][0]["name"] == "user_web_search"
    assert message.tool_calls[0]["name"] == "web_search"


@pytest.mark.parametrize(
    ("kwargs", "bind", "match"),
    [
        ({}, {"tools": ["web_search"]}, "need the v2 chat API"),
        ({"top_logprobs": 3}, None, "need the v2 chat API"),
    ],
)
def test_v2_features_on_v1_fail_before_sending(
    kwargs: dict[str, Any], bind: dict[str, Any] | None, match: str
) -> None:
    llm, seen = make_llm(_json({}), **kwargs)
    with pytest.raises(GigaChatInvalidInputError, match=match):
        runnable = llm.bind_tools(**bind) if bind else llm
        runnable.invoke("Hi")
    assert seen == []


def test_regex_on_v1_fails_before_sending() -> None:
    llm, seen = make_llm(_json({}))
    with pytest.raises(GigaChatInvalidInputError, match="v2"):
        llm.with_structured_output("[0-9]+", method="regex").invoke("Hi")
    assert seen == []


def test_top_logprobs_and_reasoning_go_under_model_options() -> None:
    body = {
        "messages": [{"role": "assistant", "content": [{"text": "ok"}]}],
        "logprobs": [{"chosen": {"token": "ok", "token_id": 1, "logprob": -0.1}}],
    }
    llm, seen = make_llm(
        _json(body),
        api_version="v2",
        top_logprobs=2,
        reasoning_effort="high",
        temperature=0,
        profanity_check=True,
    )
    message = llm.invoke("Hi")
    sent = json.loads(seen[0].content)
    assert sent["model_options"] == {
        "temperature": 0.001,
        "reasoning": {"effort": "high"},
        "top_logprobs": 2,
    }
    assert sent["disable_filter"] is False
    assert message.response_metadata["logprobs"][0]["chosen"]["token"] == "ok"
    assert isinstance(message, AIMessage)


def test_v1_tool_named_like_a_builtin_can_be_forced() -> None:
    def web_search(query: str) -> str:
        """Search the bank's intranet."""
        return query

    answer = {
        "choices": [
            {
                "message": {
                    "role": "assistant",
                    "content": "",
                    "function_call": {"name": "web_search", "arguments": {"query": "x"}},
                },
                "index": 0,
                "finish_reason": "function_call",
            }
        ],
        "created": 1,
        "model": "GigaChat:2",
        "object": "chat.completion",
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    llm, seen = make_llm(_json(answer))
    message = llm.bind_tools([web_search], tool_choice="web_search").invoke("find x")
    assert json.loads(seen[0].content)["function_call"] == {"name": "web_search"}
    assert message.tool_calls[0]["name"] == "web_search"


def test_v2_name_of_both_a_builtin_and_a_function_is_ambiguous() -> None:
    def web_search(query: str) -> str:
        """Search the bank's intranet."""
        return query

    llm, seen = make_llm(_json({}), api_version="v2")
    with pytest.raises(GigaChatInvalidInputError, match="ambiguous"):
        llm.bind_tools([web_search, "web_search"], tool_choice="web_search")
    assert seen == []


def test_streamed_state_id_is_sent_once_so_it_survives_aggregation() -> None:
    handler = _sse(
        (
            "response.message.delta",
            {"messages": [{"role": "assistant", "content": [{"text": "ok"}]}]},
        ),
        ("response.message.delta", {"messages": TWO_CALLS["messages"]}),
        ("response.message.done", {"finish_reason": "function_call", "usage": TWO_CALLS["usage"]}),
    )
    llm, _ = make_llm(handler, api_version="v2")
    chunks = list(llm.bind_tools([get_weather]).stream("Weather?"))
    total = sum(chunks[1:], chunks[0])
    assert total.additional_kwargs["tools_state_id"] == "st-1"
    assert len(total.tool_calls) == 2


def test_v2_json_schema_is_not_limited_by_the_v1_compiler() -> None:
    schema = {
        "title": "Code",
        "type": "object",
        "properties": {"code": {"type": "string", "not": {"const": "X"}}},
        "required": ["code"],
    }
    body = {"messages": [{"role": "assistant", "content": [{"text": '{"code": "A"}'}]}]}
    llm, seen = make_llm(_json(body), api_version="v2")
    result = llm.with_structured_output(schema, method="json_schema").invoke("code?")
    assert result == {"code": "A"}
    sent = json.loads(seen[0].content)["model_options"]["response_format"]
    assert sent == {"type": "json_schema", "schema": schema}


@pytest.mark.parametrize(
    ("message", "finish", "expected"),
    [
        pytest.param(
            {
                "role": "assistant",
                "content": [],
                "function_call": {"name": "get_weather", "arguments": {"city": "Omsk"}},
            },
            "function_call",
            {"city": "Omsk"},
            id="message-level call",
        ),
        pytest.param(
            {
                "role": "assistant",
                "content": [
                    {"function_call": {"name": "get_weather", "arguments": '{"city": "Omsk"}'}}
                ],
            },
            "function_call",
            {"city": "Omsk"},
            id="JSON-object string arguments",
        ),
    ],
)
def test_v2_calls_in_every_modelled_place_are_read(
    message: dict[str, Any], finish: str, expected: dict[str, Any]
) -> None:
    llm, _ = make_llm(_json({"messages": [message], "finish_reason": finish}), api_version="v2")
    answer = llm.bind_tools([get_weather]).invoke("Weather in Omsk?")
    assert [call["args"] for call in answer.tool_calls] == [expected]


@pytest.mark.parametrize(
    "body",
    [
        {
            "messages": [
                {
                    "role": "assistant",
                    "content": [{"function_call": {"name": "f", "arguments": "not json"}}],
                }
            ]
        },
        {
            "messages": [{"role": "assistant", "content": [{"text": ""}]}],
            "finish_reason": "function_call",
        },
    ],
    ids=["non-object arguments", "function_call finish without a call"],
)
def test_v2_malformed_calls_are_typed_errors(body: dict[str, Any]) -> None:
    llm, _ = make_llm(_json(body), api_version="v2")
    with pytest.raises(GigaChatMalformedResponseError):
        llm.invoke("Hi")


@pytest.mark.parametrize("bad", [["web_search", "nope"], [{"type": "function"}]])
def test_per_call_builtin_tools_are_validated(bad: list[Any]) -> None:
    llm, seen = make_llm(_json({}), api_version="v2")
    with pytest.raises(GigaChatInvalidInputError):
        llm.invoke("Hi", builtin_tools=bad)
    assert seen == []


def test_top_logprobs_must_be_a_positive_integer_not_a_bool() -> None:
    llm, seen = make_llm(_json({}), api_version="v2")
    with pytest.raises(GigaChatInvalidInputError, match="top_logprobs"):
        llm.invoke("Hi", top_logprobs=True)
    assert seen == []
    with pytest.raises(ValueError, match="top_logprobs"):
        ChatGigaChat(api_version="v2", top_logprobs=True)


def test_stop_applies_to_answers_with_blocks() -> None:
    body = {
        "messages": [
            {
                "role": "assistant",
                "content": [
                    {
                        "text": "Rates rose. STOP here",
                        "inline_data": {"sources": {"1": {"url": "https://cbr.example/1"}}},
                    },
                    {"text": " and more"},
                ],
            }
        ]
    }
    llm, _ = make_llm(_json(body), api_version="v2")
    answer = llm.invoke("News?", stop=["STOP"])
    assert answer.text == "Rates rose. "
    assert answer.response_metadata["finish_reason"] == "stop"


@pytest.mark.parametrize(
    "bad", [{"bogus": 1}, {"temperature": 7}, {"top_logprobs": 2}], ids=["unknown", "range", "v2"]
)
def test_bad_arguments_fail_before_any_upload(bad: dict[str, Any]) -> None:
    image = {"type": "image", "base64": "iVBORw0KGgo=", "mime_type": "image/png"}
    llm, seen = make_llm(_json({}))
    with pytest.raises(GigaChatInvalidInputError):
        llm.invoke([HumanMessage([{"type": "text", "text": "What is it?"}, image])], **bad)
    assert seen == [], "nothing (not even the upload) may be sent for a call that will fail"


def test_regex_with_a_named_group_in_the_common_dialect() -> None:
    body = {"messages": [{"role": "assistant", "content": [{"text": "ABC-1234"}]}]}
    llm, seen = make_llm(_json(body), api_version="v2")
    pattern = r"(?<code>[A-Z]{3})-\d{4}"
    assert llm.with_structured_output(pattern, method="regex").invoke("code?") == "ABC-1234"
    assert json.loads(seen[0].content)["model_options"]["response_format"]["regex"] == pattern


def test_stream_with_stop_and_blocks_keeps_text_order_and_cuts() -> None:
    cited = {
        "text": " more [sources=[1]]",
        "inline_data": {"sources": {"1": {"url": "https://cbr.example/1"}}},
    }
    handler = _sse(
        (
            "response.message.delta",
            {"messages": [{"role": "assistant", "content": [{"text": "Rates rose"}]}]},
        ),
        ("response.message.delta", {"messages": [{"role": "assistant", "content": [cited]}]}),
        (
            "response.message.delta",
            {"messages": [{"role": "assistant", "content": [{"text": " STOP tail"}]}]},
        ),
        ("response.message.done", {"finish_reason": "stop"}),
    )
    llm, _ = make_llm(handler, api_version="v2")
    chunks = list(llm.stream("News?", stop=["NEVER-APPEARS"]))
    total = sum(chunks[1:], chunks[0])
    assert total.text == "Rates rose more [sources=[1]] STOP tail"
    chunks = list(llm.stream("News?", stop=["STOP"]))
    total = sum(chunks[1:], chunks[0])
    assert total.text == "Rates rose more [sources=[1]] "
    assert total.response_metadata["finish_reason"] == "stop"
