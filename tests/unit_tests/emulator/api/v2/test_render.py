"""A brain reply rendered as a v2 body and as named SSE events (with logprobs when asked)."""

from __future__ import annotations

import uuid
from typing import Any

from langchain_gigachat_ext.emulator.api.v2.render import (
    CompletionV2,
    response_body,
    sse_named,
    stream_events,
    usage_v2,
    uuid7,
)
from langchain_gigachat_ext.emulator.brain.builtins import ToolUse
from langchain_gigachat_ext.emulator.brain.core import Reply
from langchain_gigachat_ext.emulator.brain.logprobs import token_logprobs


def completion(reply: Reply, **fields: Any) -> CompletionV2:
    return CompletionV2(reply=reply, model_version="GigaChat-2:1", created_at=7, **fields)


def test_body_of_a_text_answer() -> None:
    body = response_body(completion(Reply(content="Hi", prompt_tokens=3, completion_tokens=1)))
    assert body == {
        "model": "GigaChat-2:1",
        "created_at": 7,
        "messages": [{"role": "assistant", "content": [{"text": "Hi"}]}],
        "finish_reason": "stop",
        "usage": usage_v2(3, 1, 0),
    }


def test_body_of_several_calls_with_reasoning() -> None:
    calls = ({"name": "a", "arguments": {}}, {"name": "b", "arguments": {"x": 1}})
    reply = Reply(function_calls=calls, finish_reason="function_call", reasoning_content="why")
    body = response_body(completion(reply, tool_state_id="s", call_ids=("1", "2")))
    assert body["messages"] == [
        {"role": "reasoning", "content": [{"text": "why"}]},
        {
            "role": "assistant",
            "tool_state_id": "s",
            "content": [
                {"function_call": {"id": "1", "name": "a", "arguments": {}}},
                {"function_call": {"id": "2", "name": "b", "arguments": {"x": 1}}},
            ],
        },
    ]


def test_body_of_builtin_answers() -> None:
    image = Reply(content="Done", tool_use=ToolUse("image_generate", image=True))
    parts = response_body(completion(image, image_file_id="f1"))["messages"][0]["content"]
    assert parts == [
        {"files": [{"id": "f1", "mime": "image/jpeg", "target": "image"}]},
        {"text": "Done"},
    ]
    search = Reply(content="Found [sources=[1]]", tool_use=ToolUse("web_search", (("u", "t"),)))
    part = response_body(completion(search))["messages"][0]["content"][0]
    assert part["inline_data"] == {"images": [], "sources": {"1": {"url": "u", "title": "t"}}}


def test_stream_of_a_builtin_text_answer() -> None:
    reply = Reply(
        content="a b c",
        chunks=("a ", "b c"),
        tool_use=ToolUse("web_search", (("u", "t"),)),
        completion_tokens=3,
    )
    events = stream_events(completion(reply, tool_state_id="s"))
    assert [name for name, _ in events] == [
        "response.tool.completed",
        "response.message.delta",
        "response.message.delta",
        "response.message.done",
    ]
    tool = events[0][1]["messages"][0]
    assert tool == {
        "role": "reasoning",
        "content": [{"tool_execution": {"name": "web_search", "status": "success"}}],
    }
    first, last = events[1][1]["messages"][0], events[2][1]["messages"][0]
    assert first == {"role": "assistant", "tool_state_id": "s", "content": [{"text": "a "}]}
    assert last["content"][0]["inline_data"]["sources"] == {"1": {"url": "u", "title": "t"}}
    assert events[3][1] == {
        "model": "GigaChat-2:1",
        "created_at": 7,
        "finish_reason": "stop",
        "usage": usage_v2(0, 3, 0),
    }


def test_stream_of_a_call_is_one_done_event() -> None:
    reply = Reply(function_call={"name": "a", "arguments": {}}, finish_reason="function_call")
    events = stream_events(completion(reply, tool_state_id="s"))
    assert events == [
        (
            "response.message.done",
            {
                "model": "GigaChat-2:1",
                "created_at": 7,
                "messages": [
                    {
                        "role": "assistant",
                        "tool_state_id": "s",
                        "content": [{"function_call": {"name": "a", "arguments": {}}}],
                    }
                ],
                "finish_reason": "function_call",
                "usage": usage_v2(0, 0, 0),
            },
        )
    ]


def test_named_event_framing_and_uuid7() -> None:
    assert sse_named("response.message.done", {"a": "б"}) == (
        'event: response.message.done\ndata: {"a":"б"}\n\n'.encode()
    )
    first, second = uuid.UUID(uuid7()), uuid.UUID(uuid7())
    assert first.version == 7
    assert first.variant == uuid.RFC_4122
    assert first != second


def _completion(reply: Reply, top: int | None) -> CompletionV2:
    return CompletionV2(reply=reply, model_version="GigaChat:1", created_at=1, top_logprobs=top)


def test_body_and_done_event_carry_logprobs_only_when_asked() -> None:
    reply = Reply(content="Hello there, friend.", completion_tokens=5, chunks=("Hello ", "there."))
    assert "logprobs" not in response_body(_completion(reply, None))
    assert all("logprobs" not in data for _, data in stream_events(_completion(reply, None)))
    body = response_body(_completion(reply, 2))
    assert body["logprobs"] == token_logprobs("Hello there, friend.", 2)
    events = stream_events(_completion(reply, 2))
    assert [name for name, data in events if "logprobs" in data] == ["response.message.done"]
    assert events[-1][1]["logprobs"] == body["logprobs"]
