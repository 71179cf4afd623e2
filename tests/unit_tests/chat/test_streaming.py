"""Stream assembly: bounded delivered-text tail, markup-free fast path, no-tools plan."""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_gigachat_ext.chat.sse import SseEvent
from langchain_gigachat_ext.chat.streaming import PARTIAL_TEXT_LIMIT, StreamAssembler, TextTail
from langchain_gigachat_ext.chat.v1.wire import ChunkParser
from langchain_gigachat_ext.client.sdk import ChatCompletionChunkV1
from langchain_gigachat_ext.errors import GigaChatStreamInterruptedError
from langchain_gigachat_ext.tools.binding import NO_TOOLS, ToolPlan, plan_tools

IDS = {"x-request-id": "req-1", "x-session-id": None, "x-client-id": None}


def _raw(text: str, *, final: bool = False) -> ChatCompletionChunkV1:
    choice: dict[str, Any] = {"delta": {"content": text}, "index": 0}
    body: dict[str, Any] = {"choices": [choice], "created": 1, "model": "m", "object": "o"}
    if final:
        choice["finish_reason"] = "stop"
        body["usage"] = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    chunk = ChunkParser(dict(IDS)).parse(SseEvent("", json.dumps(body)))
    assert chunk is not None
    return chunk


@pytest.mark.parametrize(
    ("parts", "limit", "text", "total"),
    [
        ([], 4, "", 0),
        (["ab", "c"], 4, "abc", 3),
        (["Hello, ", "world"], 4, "orld", 12),
        (["x"] * 100, 10, "x" * 10, 100),
        (["abc", "", "def"], 0, "", 6),
        (["0123456789"] * 3, 25, ("0123456789" * 3)[-25:], 30),
    ],
)
def test_text_tail(parts: list[str], limit: int, text: str, total: int) -> None:
    tail = TextTail(limit)
    for part in parts:
        tail.append(part)
    assert (tail.text, tail.total) == (text, total)


def test_text_tail_memory_is_bounded() -> None:
    tail = TextTail(8)
    for index in range(10_000):
        tail.append(f"{index:05d}")
        assert tail._size <= 2 * 8 + 5
    assert tail.text == "0999809999"[-8:]
    assert tail.total == 50_000


def test_assembler_keeps_a_bounded_tail_and_counts_everything() -> None:
    assembler = StreamAssembler(None, NO_TOOLS, usage=True)
    word = "w " * 10
    for _ in range(2_000):
        assembler.feed(_raw(word))
    assert assembler.received_chars == 2_000 * len(word)
    assert len(assembler.text) == PARTIAL_TEXT_LIMIT
    error = GigaChatStreamInterruptedError("cut", partial_text="", request_id=None)
    assembler.fill(error)
    assert error.partial_text == assembler.text
    assert error.received_chars == 2_000 * len(word)


@pytest.mark.parametrize(
    ("given", "assigned_text", "assigned_count", "expected"),
    [
        (None, None, None, 3),  # defaults to the length of partial_text
        (None, "abcdef", None, 6),  # follows a later partial_text assignment
        (10, None, None, 10),
        (None, "abcdef", 100, 100),  # an explicit count wins (StreamAssembler.fill)
    ],
)
def test_interrupted_error_received_chars(
    given: int | None, assigned_text: str | None, assigned_count: int | None, expected: int
) -> None:
    error = GigaChatStreamInterruptedError(
        "cut", partial_text="abc", request_id=None, received_chars=given
    )
    if assigned_text is not None:
        error.partial_text = assigned_text
    if assigned_count is not None:
        error.received_chars = assigned_count
    assert error.received_chars == expected


TEXTS = [
    ["Hello", " world", ""],
    ["a < b", " and more", ""],
    ['Look: <img src="f1" ', 'fuse="true"/> done', ""],
    ["", "", ""],
]


@pytest.mark.parametrize("texts", TEXTS)
def test_markup_free_fast_path_matches_the_image_filter(texts: list[str]) -> None:
    """The assembler skips the image filter until a "<" appears; the output is the same."""
    assembler = StreamAssembler(None, NO_TOOLS, usage=True)
    reference = StreamAssembler(None, NO_TOOLS, usage=True)
    ours: list[Any] = []
    theirs: list[Any] = []
    for index, text in enumerate(texts):
        final = index == len(texts) - 1
        ours += [c.message.content for c in assembler.feed(_raw(text, final=final))]
        # Reference: every delivered chunk goes through the image filter.
        reference._markup = True
        theirs += [c.message.content for c in reference.feed(_raw(text, final=final))]
    assert ours == theirs


def test_plain_calls_share_the_no_tools_plan() -> None:
    plan = plan_tools(
        tool_set=None, tool_choice=None, functions=None, function_call=None, response_format=None
    )
    assert plan is NO_TOOLS
    assert plan == ToolPlan()
    assert plan.wire_name("my tool") == ToolPlan().wire_name("my tool")


def test_text_tail_keeps_few_pieces_of_many_tiny_chunks() -> None:
    import tracemalloc

    from langchain_gigachat_ext.chat.streaming import MAX_TAIL_PARTS

    tail = TextTail()
    tracemalloc.start()
    try:
        for index in range(PARTIAL_TEXT_LIMIT):  # two characters a chunk, each its own object
            tail.append(f"{index % 100:02d}")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(tail._parts) <= MAX_TAIL_PARTS + 1
    assert peak < 64 * 1024  # thousands of one-character strings would cost ~400 KiB
    assert len(tail.text) == PARTIAL_TEXT_LIMIT
    assert tail.text.endswith("9091")  # the last two chunks: 8190 and 8191
    assert tail.total == 2 * PARTIAL_TEXT_LIMIT
