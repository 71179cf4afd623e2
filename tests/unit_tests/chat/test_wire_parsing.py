"""v1 response parsing without SDK models: shape validation, SSE splitting, chunk building."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pydantic
import pytest
from gigachat.models.chat import ChatCompletion, ChatCompletionChunk
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_gigachat_ext.chat.v1.response import (
    FINISH_REASONS,
    WireChunk,
    WireCompletion,
    chat_result,
    chunk_from_stream,
    text_chunk,
)
from langchain_gigachat_ext.chat.v1.schema import parse_chunk, parse_completion
from langchain_gigachat_ext.chat.v1.wire import SseReader, x_headers
from langchain_gigachat_ext.errors import GigaChatMalformedResponseError

IDS = {"x-request-id": "req-1", "x-session-id": "ses-1", "x-client-id": None}

CHUNK = {
    "choices": [{"delta": {"content": "Hi", "role": "assistant"}, "index": 0}],
    "created": 1,
    "model": "GigaChat:2.0",
    "object": "chat.completion",
}
FINAL = {
    "choices": [{"delta": {"content": ""}, "index": 0, "finish_reason": "stop"}],
    "created": 1,
    "model": "GigaChat:2.0",
    "object": "chat.completion",
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
}
COMPLETION = {
    "choices": [
        {"message": {"role": "assistant", "content": "Hello"}, "index": 0, "finish_reason": "stop"}
    ],
    "created": 1,
    "model": "GigaChat:2.0",
    "object": "chat.completion",
    "usage": {
        "prompt_tokens": 3,
        "completion_tokens": 2,
        "total_tokens": 5,
        "precached_prompt_tokens": 1,
    },
}


def _without(data: dict[str, Any], *path: str | int) -> dict[str, Any]:
    copy = json.loads(json.dumps(data))
    target: Any = copy
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return copy


def _with(data: dict[str, Any], value: Any, *path: str | int) -> dict[str, Any]:
    copy = json.loads(json.dumps(data))
    target: Any = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


# The SDK's models are the reference: every body must be accepted or rejected by both alike.
CHUNK_CASES = [
    CHUNK,
    FINAL,
    _without(CHUNK, "created"),
    _without(CHUNK, "model"),
    _without(CHUNK, "choices", 0, "index"),
    _without(CHUNK, "choices", 0, "delta"),
    _with(CHUNK, "many", "choices"),
    _with(CHUNK, 5, "choices", 0, "delta", "content"),
    _with(CHUNK, "robot", "choices", 0, "delta", "role"),
    _with(CHUNK, {"name": "f", "arguments": {"a": 1}}, "choices", 0, "delta", "function_call"),
    _with(CHUNK, {"arguments": {}}, "choices", 0, "delta", "function_call"),
    _with(CHUNK, {"name": "f", "arguments": "{}"}, "choices", 0, "delta", "function_call"),
    _with(FINAL, {"prompt_tokens": 1}, "usage"),
    _with(CHUNK, "7", "created"),
]


def _accepts(validate: Callable[[str], object], raw: str) -> bool:
    try:
        validate(raw)
    except pydantic.ValidationError:
        return False
    return True


@pytest.mark.parametrize("body", CHUNK_CASES)
def test_chunk_validation_agrees_with_the_sdk_model(body: dict[str, Any]) -> None:
    raw = json.dumps(body)
    assert _accepts(parse_chunk, raw) == _accepts(ChatCompletionChunk.model_validate_json, raw)


COMPLETION_CASES = [
    COMPLETION,
    _without(COMPLETION, "usage"),
    _without(COMPLETION, "object"),
    _without(COMPLETION, "choices", 0, "message", "role"),
    _without(COMPLETION, "choices", 0, "message", "content"),
    _with(COMPLETION, None, "choices", 0, "message", "content"),
    _with(COMPLETION, "x", "usage", "total_tokens"),
    _with(COMPLETION, [], "choices"),
]


@pytest.mark.parametrize("body", COMPLETION_CASES)
def test_completion_validation_agrees_with_the_sdk_model(body: dict[str, Any]) -> None:
    raw = json.dumps(body)
    assert _accepts(parse_completion, raw) == _accepts(ChatCompletion.model_validate_json, raw)


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'{"choices": 1}'])
def test_non_completion_bodies_raise_validation_errors(raw: bytes) -> None:
    with pytest.raises(pydantic.ValidationError):
        parse_completion(raw)


def _sse(*events: dict[str, Any] | str, newline: bytes = b"\n") -> bytes:
    lines = [
        b"data: " + (event.encode() if isinstance(event, str) else json.dumps(event).encode())
        for event in events
    ]
    return b"".join(line + newline + newline for line in lines)


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
@pytest.mark.parametrize("piece", [1, 7, 10_000])
def test_sse_reader_splits_any_byte_boundaries(newline: bytes, piece: int) -> None:
    body = _sse(CHUNK, FINAL, "[DONE]", newline=newline)
    reader = SseReader(IDS)
    chunks: list[WireChunk] = []
    for start in range(0, len(body), piece):
        chunks += reader.feed(body[start : start + piece])
    chunks += reader.flush()
    reader.check_complete()
    assert [chunk.data for chunk in chunks] == [
        parse_chunk(json.dumps(CHUNK)),
        parse_chunk(json.dumps(FINAL)),
    ]
    assert all(chunk.x_headers is IDS for chunk in chunks)


def test_sse_reader_ignores_comments_and_other_fields() -> None:
    reader = SseReader(IDS)
    body = b": keep-alive\nevent: message\nid: 3\n\n" + _sse(CHUNK)
    assert len(list(reader.feed(body))) == 1


def test_sse_reader_reads_a_last_line_without_line_end() -> None:
    reader = SseReader(IDS)
    assert list(reader.feed(b"data: " + json.dumps(FINAL).encode())) == []
    assert len(list(reader.flush())) == 1
    reader.check_complete()


@pytest.mark.parametrize(
    ("body", "complete"),
    [
        (_sse(CHUNK), False),
        (_sse(CHUNK, "[DONE]"), True),
        (_sse(CHUNK, FINAL), True),
        (b"", False),
    ],
)
def test_sse_reader_notices_a_cut_stream(body: bytes, complete: bool) -> None:
    reader = SseReader(IDS)
    list(reader.feed(body))
    list(reader.flush())
    if complete:
        reader.check_complete()
    else:
        with pytest.raises(httpx.RemoteProtocolError):
            reader.check_complete()


def test_chunks_before_a_malformed_line_are_delivered_first() -> None:
    chunks = SseReader(IDS).feed(_sse(CHUNK, "{truncated", "[DONE]"))
    assert next(chunks).data["choices"][0]["delta"]["content"] == "Hi"
    with pytest.raises(GigaChatMalformedResponseError):
        next(chunks)


@pytest.mark.parametrize(
    "line", [b'data: {"choices": [{"delta": {"content":', b"data: [1]", b"data: \xff\xfe"]
)
def test_malformed_chunk_is_a_typed_error_with_the_request_id(line: bytes) -> None:
    with pytest.raises(GigaChatMalformedResponseError) as caught:
        SseReader(IDS).parse(line)
    assert caught.value.request_id == "req-1"
    assert isinstance(caught.value.__cause__, pydantic.ValidationError)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([], {"x-request-id": None, "x-session-id": None, "x-client-id": None}),
        (
            [("X-Request-Id", "r"), ("x-session-id", "s"), ("Content-Type", "a/b")],
            {"x-request-id": "r", "x-session-id": "s", "x-client-id": None},
        ),
        (
            [("x-client-id", "c"), ("x-client-id", "d")],
            {"x-request-id": None, "x-session-id": None, "x-client-id": "c"},
        ),
    ],
)
def test_x_headers(raw: list[tuple[str, str]], expected: dict[str, str | None]) -> None:
    assert x_headers(httpx.Response(200, headers=raw)) == expected


def _assert_built_as_validated(built: ChatGenerationChunk, expected: ChatGenerationChunk) -> None:
    assert built == expected
    assert built.message.model_dump() == expected.message.model_dump()
    for made, validated in ((built, expected), (built.message, expected.message)):
        assert type(made) is type(validated)
        assert made.__pydantic_fields_set__ == validated.__pydantic_fields_set__
        assert made.__pydantic_extra__ == validated.__pydantic_extra__
        assert made.__pydantic_private__ == validated.__pydantic_private__
        assert made.model_dump(exclude_unset=True) == validated.model_dump(exclude_unset=True)


@pytest.mark.parametrize(("text", "chunk_id"), [("Hi", "gigachat-1"), ("", None), ("é", "x")])
def test_text_chunk_equals_the_validated_construction(text: str, chunk_id: str | None) -> None:
    expected = ChatGenerationChunk(
        message=AIMessageChunk(
            content=text, id=chunk_id, response_metadata={"model_provider": "gigachat"}
        )
    )
    built = text_chunk(text, chunk_id)
    assert built.text == text
    _assert_built_as_validated(built, expected)


FINAL_USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


def _final_choice(finish_reason: str, **delta: str) -> dict[str, Any]:
    return {"delta": delta, "index": 0, "finish_reason": finish_reason}


@pytest.mark.parametrize(
    ("choice", "usage", "stream_usage", "ids", "usage_metadata"),
    [
        (
            _final_choice("stop", content=""),
            FINAL_USAGE,
            True,
            IDS,
            {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5},
        ),
        (_final_choice("length", content="end."), FINAL_USAGE, False, IDS, None),
        (_final_choice("blacklist"), None, True, {}, None),
        (
            _final_choice("stop", content="é"),
            {**FINAL_USAGE, "precached_prompt_tokens": 1},
            True,
            {"x-request-id": "r", "x-session-id": None, "x-client-id": "c"},
            {
                "input_tokens": 3,
                "output_tokens": 2,
                "total_tokens": 5,
                "input_token_details": {"cache_read": 1},
            },
        ),
    ],
)
def test_final_text_chunk_equals_the_validated_construction(
    choice: dict[str, Any],
    usage: dict[str, int] | None,
    stream_usage: bool,
    ids: dict[str, str | None],
    usage_metadata: dict[str, Any] | None,
) -> None:
    data = parse_chunk(json.dumps({**FINAL, "choices": [choice], "usage": usage}))
    built = chunk_from_stream(WireChunk(data, ids), _identity, stream_usage=stream_usage)
    finish_reason = choice["finish_reason"]
    request_id = ids.get("x-request-id")
    metadata = {"model_provider": "gigachat", "model_name": "GigaChat:2.0"}
    metadata |= {
        "finish_reason": FINISH_REASONS[finish_reason],
        "gigachat_finish_reason": finish_reason,
    }
    metadata |= {key[2:].replace("-", "_"): value for key, value in ids.items() if value}
    expected = ChatGenerationChunk(
        message=AIMessageChunk(
            content=choice["delta"].get("content", ""),
            additional_kwargs={},
            tool_call_chunks=[],
            usage_metadata=usage_metadata,
            response_metadata=metadata,
            id=f"gigachat-{request_id}" if request_id else None,
            chunk_position="last",
        ),
        generation_info={"finish_reason": FINISH_REASONS[finish_reason]},
    )
    assert built is not None
    _assert_built_as_validated(built, expected)


def test_final_text_chunks_share_no_mutable_state() -> None:
    first, second = (
        chunk_from_stream(
            WireChunk(parse_chunk(json.dumps(FINAL)), IDS), _identity, stream_usage=True
        )
        for _ in range(2)
    )
    assert first is not None
    assert second is not None
    first.message.response_metadata["x"] = 1
    assert first.message.usage_metadata is not None
    first.message.usage_metadata["input_tokens"] = 99
    first.message.tool_call_chunks.append({"name": "f", "args": "", "id": None, "index": 0})
    assert first.generation_info is not None
    first.generation_info["y"] = 2
    assert "x" not in second.message.response_metadata
    assert second.message.usage_metadata == {
        "input_tokens": 3,
        "output_tokens": 2,
        "total_tokens": 5,
    }
    assert second.message.tool_call_chunks == []
    assert second.generation_info == {"finish_reason": "stop"}


def test_text_chunks_share_no_mutable_state() -> None:
    first, second = text_chunk("a", None), text_chunk("b", None)
    first.message.response_metadata["x"] = 1
    first.message.additional_kwargs["y"] = 2
    first.message.tool_call_chunks.append({"name": "f", "args": "", "id": None, "index": 0})
    assert second.message.response_metadata == {"model_provider": "gigachat"}
    assert second.message.additional_kwargs == {}
    assert second.message.tool_call_chunks == []
    assert text_chunk("c", None).message.tool_call_chunks == []
    first.message.id = "changed"  # pydantic records an assignment in the instance's own set
    first.message.name = "named"
    assert "name" not in second.message.__pydantic_fields_set__
    assert second.message.id is None


def _identity(name: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return name, args


def test_plain_and_final_chunks_aggregate_to_the_invoke_message() -> None:
    parts = [
        chunk_from_stream(
            WireChunk(parse_chunk(json.dumps(body)), IDS), _identity, stream_usage=True
        )
        for body in (CHUNK, _with(CHUNK, "!", "choices", 0, "delta", "content"), FINAL)
    ]
    assert all(part is not None for part in parts)
    merged = parts[0] + parts[1] + parts[2]  # type: ignore[operator]
    message = merged.message
    assert message.content == "Hi!"
    assert message.id == "gigachat-req-1"
    assert message.usage_metadata == {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.response_metadata["request_id"] == "req-1"


def test_chat_result_reads_the_validated_dict() -> None:
    result = chat_result(WireCompletion(parse_completion(json.dumps(COMPLETION)), IDS), _identity)
    message = result.generations[0].message
    assert message.content == "Hello"
    assert message.usage_metadata == {
        "input_tokens": 3,
        "output_tokens": 2,
        "total_tokens": 5,
        "input_token_details": {"cache_read": 1},
    }
    assert result.llm_output == {
        "model_name": "GigaChat:2.0",
        "token_usage": {
            "prompt_tokens": 3,
            "completion_tokens": 2,
            "total_tokens": 5,
            "precached_prompt_tokens": 1,
        },
    }


def test_chat_result_fills_missing_precached_tokens_like_the_sdk() -> None:
    body = _without(COMPLETION, "usage", "precached_prompt_tokens")
    result = chat_result(WireCompletion(parse_completion(json.dumps(body)), IDS), _identity)
    assert result.llm_output is not None
    assert result.llm_output["token_usage"]["precached_prompt_tokens"] is None
    assert "input_token_details" not in (result.generations[0].message.usage_metadata or {})
