"""Generated-image markup in answers → image content blocks (text kept exactly)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langchain_gigachat_ext.attachments.output import (
    generated_image_blocks,
    generated_image_content,
    render_generated_image,
    split_generated_images,
    with_generated_images,
)


def _img(file_id: str) -> dict[str, Any]:
    return {"type": "image", "file_id": file_id, "mime_type": "image/jpeg"}


CASES: list[tuple[str, str, list[Any] | None]] = [
    ("no markup", "Just text.", None),
    ("html without fuse is left alone", '<img src="https://e.com/a.png"/> hi', None),
    ("fuse without src is left alone", '<img fuse="true"/> hi', None),
    ("tag then text", '<img src="f1" fuse="true"/> A cat.', [_img("f1"), " A cat."]),
    ("text then tag", 'Here: <img src="f1" fuse="true"/>', ["Here: ", _img("f1")]),
    ("attribute order, single quotes", "<img fuse='true' src='f2'>", [_img("f2")]),
    ("upper case", '<IMG SRC="f3" FUSE="TRUE"/>', [_img("f3")]),
    (
        "two images",
        'a <img src="f1" fuse="true"/> b <img src="f2" fuse="true"/> c',
        ["a ", _img("f1"), " b ", _img("f2"), " c"],
    ),
    (
        "adjacent images, a plain tag kept as text",
        '<img src="f1" fuse="true"/><img src="f2" fuse="true"/><img src="x.png">',
        [_img("f1"), _img("f2"), '<img src="x.png">'],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_generated_image_content(text: str, expected: list[Any] | None) -> None:
    assert generated_image_content(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain",
        f"  a {render_generated_image('f1')}\n b {render_generated_image('f2')}{render_generated_image('f3')} ",
    ],
)
def test_no_text_is_lost(text: str) -> None:
    pieces = split_generated_images(text)
    assert all(piece != "" for piece in pieces)
    rendered = "".join(
        piece if isinstance(piece, str) else render_generated_image(piece["file_id"])
        for piece in pieces
    )
    assert rendered == text


def test_generated_image_blocks_are_standard_blocks() -> None:
    assert generated_image_blocks('Here: <img src="f1" fuse="true"/>') == [
        {"type": "text", "text": "Here: "},
        _img("f1"),
    ]
    assert generated_image_blocks("plain") is None


def test_with_generated_images_rewrites_ai_messages_only() -> None:
    ai = with_generated_images(AIMessage('<img src="f1" fuse="true"/> Done'))
    assert ai.content == [_img("f1"), " Done"]
    assert ai.text == " Done"
    assert ai.content_blocks == [_img("f1"), {"type": "text", "text": " Done"}]
    human = HumanMessage('<img src="f1" fuse="true"/>')
    assert with_generated_images(human).content == '<img src="f1" fuse="true"/>'


def test_render_round_trips() -> None:
    assert generated_image_blocks(render_generated_image("abc")) == [_img("abc")]
