"""Generated-image markup in answers → standard image content blocks."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langchain_gigachat_ext._attachment_output import (
    generated_image_blocks,
    render_generated_image,
    with_generated_images,
)


def _img(file_id: str) -> dict[str, Any]:
    return {"type": "image", "file_id": file_id, "mime_type": "image/jpeg"}


CASES: list[tuple[str, str, list[dict[str, Any]] | None]] = [
    ("no markup", "Just text.", None),
    ("html without fuse is left alone", '<img src="https://e.com/a.png"/> hi', None),
    (
        "tag then text",
        '<img src="f1" fuse="true"/> A cat.',
        [_img("f1"), {"type": "text", "text": "A cat."}],
    ),
    (
        "text then tag",
        'Here: <img src="f1" fuse="true"/>',
        [{"type": "text", "text": "Here:"}, _img("f1")],
    ),
    ("attribute order, single quotes", "<img fuse='true' src='f2'>", [_img("f2")]),
    (
        "two images",
        'a <img src="f1" fuse="true"/> b <img src="f2" fuse="true"/> c',
        [
            {"type": "text", "text": "a"},
            _img("f1"),
            {"type": "text", "text": "b"},
            _img("f2"),
            {"type": "text", "text": "c"},
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_generated_image_blocks(text: str, expected: list[dict[str, Any]] | None) -> None:
    assert generated_image_blocks(text) == expected


def test_with_generated_images_rewrites_ai_messages_only() -> None:
    ai = with_generated_images(AIMessage('<img src="f1" fuse="true"/> Done'))
    assert ai.content == [_img("f1"), {"type": "text", "text": "Done"}]
    assert ai.text == "Done"
    human = HumanMessage('<img src="f1" fuse="true"/>')
    assert with_generated_images(human).content == '<img src="f1" fuse="true"/>'


def test_render_round_trips() -> None:
    assert generated_image_blocks(render_generated_image("abc")) == [_img("abc")]
