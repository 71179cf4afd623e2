"""Generated-image markup in streams: cut anywhere, the result equals the invoked answer."""

from __future__ import annotations

import json
from functools import reduce
from operator import add
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from langchain_gigachat_ext.attachments.output import (
    ContentPart,
    render_generated_image,
    split_generated_images,
    with_generated_images,
)
from langchain_gigachat_ext.attachments.stream import GeneratedImageFilter, GeneratedImageStream
from tests.unit_tests.chat.test_chat_model import make_llm

TAG = render_generated_image("0b9d4c7e-1f2a-4c3b-9d8e-7f6a5b4c3d2e")

TEXTS = {
    "plain": "Just text, no markup.",
    "tag first": f"{TAG} Вот ваш кот.",
    "tag last": f"Вот ваш кот: {TAG}",
    "tag alone": TAG,
    "two tags and text": f"a {TAG} b <img src='f2' fuse='true'> c",
    "adjacent tags": f"{TAG}{TAG}",
    "plain html is text": 'See <img src="x.png"> and a < b > c <imgx> <i>',
    "upper case tag": 'X <IMG SRC="f9" FUSE="TRUE"/> y',
    "unfinished tag at the end": 'text <img src="f1" fuse="tr',
    "lone angle brackets": "1 < 2 and 3 > 2 <",
}


def _join(parts: list[ContentPart]) -> list[ContentPart]:
    out: list[ContentPart] = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] += part
        elif part != "":
            out.append(part)
    return out


def _filtered(pieces: list[str]) -> list[ContentPart]:
    images = GeneratedImageFilter()
    out: list[ContentPart] = []
    for piece in pieces:
        out += images.feed(piece)
    return _join(out + images.flush())


def _splits(text: str) -> list[list[str]]:
    """Every two-piece cut, and one character at a time."""
    return [[text[:i], text[i:]] for i in range(len(text) + 1)] + [list(text)]


@pytest.mark.parametrize("name", list(TEXTS))
def test_filter_matches_the_whole_text_split_at_every_position(name: str) -> None:
    text = TEXTS[name]
    expected = split_generated_images(text)
    for pieces in _splits(text):
        assert _filtered(pieces) == expected, pieces


@pytest.mark.parametrize(
    ("fed", "released"),
    [
        ("Here: <", ["Here: "]),
        ("Here: <im", ["Here: "]),
        ('Here: <img src="f1" ', ["Here: "]),
        ("Here: <imgx", ["Here: <imgx"]),
        ("Here: <b", ["Here: <b"]),
        ("a > b", ["a > b"]),
        ('<img src="x.png">', ['<img src="x.png">']),
    ],
)
def test_filter_holds_back_only_a_possible_tag(fed: str, released: list[ContentPart]) -> None:
    assert GeneratedImageFilter().feed(fed) == released


def test_held_tail_is_bounded() -> None:
    images = GeneratedImageFilter(max_held=16)
    assert images.feed('<img src="') == []
    long_attr = "x" * 20
    assert images.feed(long_attr) == [f'<img src="{long_attr}']
    assert images.feed('" fuse="true"/>') == ['" fuse="true"/>']
    assert images.flush() == []


def _stream(pieces: list[str]) -> list[AIMessageChunk]:
    images = GeneratedImageStream()
    out: list[AIMessageChunk] = []
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        chunk = ChatGenerationChunk(
            message=AIMessageChunk(
                content=piece,
                id="run-1",
                response_metadata={"model_provider": "gigachat"},
                chunk_position="last" if last else None,
            )
        )
        for emitted in images.apply(chunk):
            assert isinstance(emitted.message, AIMessageChunk)
            out.append(emitted.message)
    return out


@pytest.mark.parametrize("name", list(TEXTS))
def test_concatenated_chunks_equal_the_invoked_message(name: str) -> None:
    text = TEXTS[name]
    invoked = with_generated_images(AIMessage(text)).content
    for pieces in _splits(text):
        chunks = _stream(pieces)
        merged: AIMessageChunk = reduce(add, chunks)
        assert merged.content == invoked, pieces
        for chunk in chunks:
            if isinstance(chunk.content, list):
                assert isinstance(chunk.content[0], dict), "a list chunk starts with an image"
            else:
                assert chunk.content or chunk.chunk_position == "last", "no empty chunks"


def test_content_lists_pass_through() -> None:
    parts = [{"type": "text", "text": TAG}]
    chunk = ChatGenerationChunk(message=AIMessageChunk(content=parts))  # type: ignore[arg-type]
    assert GeneratedImageStream().apply(chunk) == [chunk]


def _sse(pieces: list[str]) -> bytes:
    events = []
    for index, piece in enumerate(pieces):
        choice: dict[str, Any] = {"delta": {"content": piece}, "index": 0}
        if index == 0:
            choice["delta"]["role"] = "assistant"
        events.append(
            {
                "choices": [choice],
                "created": 1,
                "model": "GigaChat-2-Max:2.0.28.2",
                "object": "chat.completion",
            }
        )
    events.append(
        {
            "choices": [{"delta": {"content": ""}, "index": 0, "finish_reason": "stop"}],
            "created": 1,
            "model": "GigaChat-2-Max:2.0.28.2",
            "object": "chat.completion",
            "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
        }
    )
    lines = [f"data: {json.dumps(event, ensure_ascii=False)}\n\n" for event in events]
    return ("".join(lines) + "data: [DONE]\n\n").encode()


def test_model_stream_and_invoke_agree() -> None:
    text = f"Вот ваш кот: {TAG} Надеюсь, нравится."
    cut = text.index("fuse")
    pieces = [text[:5], text[5:cut], text[cut:]]

    def handler(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content).get("stream"):
            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=_sse(pieces)
            )
        body = {
            "choices": [
                {
                    "message": {"content": text, "role": "assistant"},
                    "index": 0,
                    "finish_reason": "stop",
                }
            ],
            "created": 1,
            "model": "GigaChat-2-Max:2.0.28.2",
            "object": "chat.completion",
            "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
        }
        return httpx.Response(200, json=body)

    llm, _ = make_llm(handler, model="GigaChat-2-Max")
    chunks = list(llm.stream("Нарисуй кота"))
    assert all(TAG not in chunk.text for chunk in chunks)
    streamed = reduce(add, chunks)
    invoked = llm.invoke("Нарисуй кота")
    assert streamed.content == invoked.content
    assert streamed.content_blocks == [
        {"type": "text", "text": "Вот ваш кот: "},
        {"type": "image", "file_id": TAG.split('"')[1], "mime_type": "image/jpeg"},
        {"type": "text", "text": " Надеюсь, нравится."},
    ]
