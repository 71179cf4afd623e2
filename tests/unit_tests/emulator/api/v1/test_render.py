"""A brain reply rendered as a v1 completion body and as ``data:`` chunks."""

from __future__ import annotations

from langchain_gigachat_ext.emulator.api.v1.render import (
    Completion,
    completion_body,
    stream_chunks,
)
from langchain_gigachat_ext.emulator.brain.core import Reply


def _completion(reply: Reply) -> Completion:
    return Completion(
        reply=reply,
        model_version="GigaChat:2.0.28.2",
        created=1,
        precached_tokens=1,
        functions_state_id="sid",
    )


def test_completion_body_shape() -> None:
    body = completion_body(_completion(Reply(content="Hi", prompt_tokens=3, completion_tokens=1)))
    assert body == {
        "choices": [
            {"message": {"content": "Hi", "role": "assistant"}, "index": 0, "finish_reason": "stop"}
        ],
        "created": 1,
        "model": "GigaChat:2.0.28.2",
        "object": "chat.completion",
        "usage": {
            "prompt_tokens": 3,
            "completion_tokens": 1,
            "total_tokens": 4,
            "precached_prompt_tokens": 1,
        },
    }


def test_stream_chunks_text() -> None:
    chunks = stream_chunks(
        _completion(Reply(content="a b", chunks=("a ", "b"), finish_reason="length"))
    )
    assert [c["choices"][0]["delta"] for c in chunks] == [
        {"content": "a ", "role": "assistant"},
        {"content": "b"},
        {"content": ""},
    ]
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"
    assert "usage" in chunks[-1]
    assert all("usage" not in c for c in chunks[:-1])


def test_stream_chunks_reasoning_then_function_call() -> None:
    call = {"name": "f", "arguments": {"x": 1}}
    chunks = stream_chunks(
        _completion(Reply(function_call=call, reasoning_content="r", finish_reason="function_call"))
    )
    assert chunks[0]["choices"][0]["delta"] == {
        "content": "",
        "role": "assistant",
        "reasoning_content": "r",
    }
    last = chunks[-1]["choices"][0]
    assert last["delta"] == {"content": "", "function_call": call, "functions_state_id": "sid"}
    assert last["finish_reason"] == "function_call"
    assert len(chunks) == 2


def test_stream_chunks_empty_reply_still_has_role() -> None:
    (only,) = stream_chunks(_completion(Reply()))
    assert only["choices"][0]["delta"] == {"content": "", "role": "assistant"}
