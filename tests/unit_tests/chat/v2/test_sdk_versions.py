"""v2 answers read the same under every supported gigachat SDK (0.2.3 and 0.2.4a1 model ids apart).

gigachat 0.2.3 keeps a ``function_call`` part's ``id`` as an extra attribute; 0.2.4a1 declares
it as ``id_``. CI runs this module under both (``.ci/run``): the call ids the API sends must
reach ``tool_calls`` either way, because the tool results go back under them.
"""

from __future__ import annotations

from typing import Any

from langchain_gigachat_ext.chat.v2.response import V2ChunkConverter, v2_chat_result
from langchain_gigachat_ext.client.sdk import (
    ChatCompletionChunk,
    ChatCompletionResponse,
    ChatFunctionCall,
    function_call_id,
)

TWO_CALLS: dict[str, Any] = {
    "model": "GigaChat-2-Max",
    "created_at": 1,
    "finish_reason": "function_call",
    "messages": [
        {
            "role": "assistant",
            "tools_state_id": "state-1",
            "content": [
                {"function_call": {"id": "call_a", "name": "get_weather", "arguments": {}}},
                {"function_call": {"id": "call_b", "name": "get_rate", "arguments": {}}},
            ],
        }
    ],
}


def _same(name: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return name, args


def test_function_call_id_reads_the_wire_id() -> None:
    call = ChatFunctionCall.model_validate({"id": "call_a", "name": "f", "arguments": {}})
    assert function_call_id(call) == "call_a"
    assert function_call_id(ChatFunctionCall.model_validate({"name": "f", "arguments": {}})) is None


def test_wire_ids_reach_the_tool_calls() -> None:
    result = v2_chat_result(ChatCompletionResponse.model_validate(TWO_CALLS), _same)
    message = result.generations[0].message
    assert [call["id"] for call in message.tool_calls] == ["call_a", "call_b"]  # type: ignore[attr-defined]


def test_streamed_wire_ids_reach_the_tool_call_chunks() -> None:
    chunk = ChatCompletionChunk.model_validate(TWO_CALLS)
    generation = V2ChunkConverter(_same, stream_usage=True)(chunk)
    assert generation is not None
    ids = [call["id"] for call in generation.message.tool_call_chunks]  # type: ignore[attr-defined]
    assert ids == ["call_a", "call_b"]
