"""v1 on the wire: one-shot answers and stream events parsed into the SDK's models, and the
result builder that turns both into LangChain messages."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pydantic
import pytest

from langchain_gigachat_ext.chat.sse import SseDecoder, SseEvent
from langchain_gigachat_ext.chat.v1.response import chat_result, chunk_from_stream
from langchain_gigachat_ext.chat.v1.wire import ChunkParser, parse_completion
from langchain_gigachat_ext.chat.wire import x_headers
from langchain_gigachat_ext.client.sdk import ChatCompletionChunkV1, errors
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


def _with(data: dict[str, Any], value: Any, *path: str | int) -> dict[str, Any]:
    copy = json.loads(json.dumps(data))
    target: Any = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


def _without(data: dict[str, Any], *path: str | int) -> dict[str, Any]:
    copy = json.loads(json.dumps(data))
    target: Any = copy
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return copy


def _response(body: bytes | dict[str, Any], status: int = 200) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"x-request-id": "req-1", "x-session-id": "ses-1", "content-type": "application/json"}
    request = httpx.Request("POST", "https://gigachat.test/api/v1/chat/completions")
    return httpx.Response(status, content=content, headers=headers, request=request)


def _completion(body: dict[str, Any]) -> Any:
    return parse_completion(_response(body))


def _parsed_chunk(body: dict[str, Any]) -> ChatCompletionChunkV1:
    chunk = ChunkParser(dict(IDS)).parse(SseEvent("", json.dumps(body)))
    assert chunk is not None
    return chunk


def _sse(*events: dict[str, Any] | str) -> bytes:
    return b"".join(
        b"data: " + (e.encode() if isinstance(e, str) else json.dumps(e).encode()) + b"\n\n"
        for e in events
    )


def _read(body: bytes) -> list[ChatCompletionChunkV1]:
    parser = ChunkParser(dict(IDS))
    decoder = SseDecoder()
    events = decoder.feed(body) + decoder.close()
    chunks = [chunk for event in events if (chunk := parser.parse(event)) is not None]
    parser.check_complete()
    return chunks


def test_completion_is_the_sdk_model_with_the_response_ids() -> None:
    completion = _completion(COMPLETION)
    assert completion.choices[0].message.content == "Hello"
    assert completion.x_headers == {
        "x-request-id": "req-1",
        "x-session-id": "ses-1",
        "x-client-id": None,
    }


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"choices": 1}',
        json.dumps({**COMPLETION, "choices": []}).encode(),
        json.dumps(_without(COMPLETION, "usage")).encode(),
    ],
)
def test_a_malformed_completion_is_a_typed_error_with_the_request_id(raw: bytes) -> None:
    with pytest.raises(GigaChatMalformedResponseError) as caught:
        parse_completion(_response(raw))
    assert caught.value.request_id == "req-1"


def test_an_error_status_raises_the_sdks_typed_error() -> None:
    with pytest.raises(errors.AuthenticationError):
        parse_completion(_response({"status": 401, "message": "Unauthorized"}, status=401))


@pytest.mark.parametrize(
    ("body", "complete"),
    [
        (_sse(CHUNK), False),
        (_sse(CHUNK, "[DONE]"), True),
        (_sse(CHUNK, FINAL), True),
        (b"", False),
        (b"data: " + json.dumps(FINAL).encode(), True),  # last event without its blank line
    ],
)
def test_a_stream_is_complete_after_done_or_a_finish_reason(body: bytes, complete: bool) -> None:
    if complete:
        _read(body)
    else:
        with pytest.raises(httpx.RemoteProtocolError):
            _read(body)


def test_stream_chunks_carry_the_stream_ids() -> None:
    chunks = _read(_sse(CHUNK, FINAL, "[DONE]"))
    assert [chunk.choices[0].delta.content for chunk in chunks] == ["Hi", ""]
    assert all(chunk.x_headers == IDS for chunk in chunks)


@pytest.mark.parametrize(
    "data",
    ['{"choices": [{"delta": {"content":', "[1]", "\ufffd", json.dumps(_without(CHUNK, "model"))],
)
def test_malformed_chunk_is_a_typed_error_with_the_request_id(data: str) -> None:
    with pytest.raises(GigaChatMalformedResponseError) as caught:
        ChunkParser(dict(IDS)).parse(SseEvent("", data))
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


def test_a_text_chunk_is_the_public_construction() -> None:
    built = chunk_from_stream(_parsed_chunk(CHUNK), _identity, stream_usage=True)
    assert built is not None
    assert (
        built.message.model_dump()
        == built.message.model_validate(built.message.model_dump()).model_dump()
    )
    assert built.message.content == "Hi"
    assert built.message.id == "gigachat-req-1"
    assert built.message.response_metadata == {"model_provider": "gigachat"}


@pytest.mark.parametrize("stream_usage", [True, False])
def test_the_final_chunk_reports_finish_reason_and_usage(stream_usage: bool) -> None:
    built = chunk_from_stream(_parsed_chunk(FINAL), _identity, stream_usage=stream_usage)
    assert built is not None
    assert built.message.chunk_position == "last"  # type: ignore[union-attr]
    assert built.generation_info == {"finish_reason": "stop"}
    usage = {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5} if stream_usage else None
    assert built.message.usage_metadata == usage  # type: ignore[union-attr]
    assert built.message.response_metadata["gigachat_finish_reason"] == "stop"


def test_a_chunk_without_choices_carries_nothing() -> None:
    assert (
        chunk_from_stream(_parsed_chunk({**CHUNK, "choices": []}), _identity, stream_usage=True)
        is None
    )


def _identity(name: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return name, args


def test_plain_and_final_chunks_aggregate_to_the_invoke_message() -> None:
    parts = [
        chunk_from_stream(_parsed_chunk(body), _identity, stream_usage=True)
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


def test_chat_result_reads_the_sdk_completion() -> None:
    result = chat_result(_completion(COMPLETION), _identity)
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
    result = chat_result(_completion(body), _identity)
    assert result.llm_output is not None
    assert result.llm_output["token_usage"]["precached_prompt_tokens"] is None
    assert "input_token_details" not in (result.generations[0].message.usage_metadata or {})
