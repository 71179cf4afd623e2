"""Splitting several images of one message, request limits, tool-returned files."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langchain_gigachat_ext._catalog import MAX_ATTACHMENT_BYTES_PER_REQUEST
from langchain_gigachat_ext.attachments.layout import (
    AttachmentInfo,
    arrange_attachments,
    check_request_limits,
    dedupe_attachments,
    move_tool_attachments,
    split_attachments,
)
from langchain_gigachat_ext.errors import GigaChatInvalidInputError

INFO = {
    **{f"i{n}": AttachmentInfo("image", 100) for n in range(1, 13)},
    "doc": AttachmentInfo("document", 5),
    "aud": AttachmentInfo("audio", 7),
    "aud2": AttachmentInfo("audio", 7),
    "doc2": AttachmentInfo("document", 5),
}


def _user(text: str, *ids: str) -> dict[str, Any]:
    return {"role": "user", "content": text, "attachments": list(ids)}


SPLITS: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]] = [
    ("one image unchanged", [_user("q", "i1")], [_user("q", "i1")]),
    ("no attachments", [{"role": "user", "content": "q"}], [{"role": "user", "content": "q"}]),
    (
        "two images",
        [_user("q", "i1", "i2")],
        [_user("q", "i1"), _user("(image 2 of 2)", "i2")],
    ),
    (
        "three images, a document stays with the text",
        [_user("q", "i1", "doc", "i2", "i3")],
        [_user("q", "i1", "doc"), _user("(image 2 of 3)", "i2"), _user("(image 3 of 3)", "i3")],
    ),
    (
        "two documents: only the first is read per message",
        [_user("q", "doc", "aud", "doc2")],
        [_user("q", "doc", "aud"), _user("(document 2 of 2)", "doc2")],
    ),
    (
        "images and documents, extras in their original order",
        [_user("q", "i1", "doc", "i2", "doc2", "i3")],
        [
            _user("q", "i1", "doc"),
            _user("(image 2 of 3)", "i2"),
            _user("(document 2 of 2)", "doc2"),
            _user("(image 3 of 3)", "i3"),
        ],
    ),
    ("audio is not limited per message", [_user("q", "aud", "aud2")], [_user("q", "aud", "aud2")]),
    (
        "unknown ids are not counted as images",
        [_user("q", "i1", "x-unknown")],
        [_user("q", "i1", "x-unknown")],
    ),
    (
        "only the offending message is split",
        [_user("a", "i1"), {"role": "assistant", "content": "ok"}, _user("b", "i2", "i3")],
        [
            _user("a", "i1"),
            {"role": "assistant", "content": "ok"},
            _user("b", "i2"),
            _user("(image 2 of 2)", "i3"),
        ],
    ),
]


@pytest.mark.parametrize(("given", "expected"), [s[1:] for s in SPLITS], ids=[s[0] for s in SPLITS])
def test_split_attachments(given: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert split_attachments(given, INFO) == expected


DEDUPES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]] = [
    ("no repeats", [_user("q", "i1", "doc")], [_user("q", "i1", "doc")]),
    (
        "a repeat keeps the first position",
        [_user("q", "doc", "i1", "doc")],
        [_user("q", "doc", "i1")],
    ),
    ("three of one image", [_user("q", "i1", "i1", "i1")], [_user("q", "i1")]),
    (
        "repeats across messages are kept (each message attaches it)",
        [_user("a", "i1"), {"role": "assistant", "content": "ok"}, _user("b", "i1")],
        [_user("a", "i1"), {"role": "assistant", "content": "ok"}, _user("b", "i1")],
    ),
]


@pytest.mark.parametrize(
    ("given", "expected"), [d[1:] for d in DEDUPES], ids=[d[0] for d in DEDUPES]
)
def test_dedupe_attachments(given: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert dedupe_attachments(given) == expected


def test_repeated_image_is_neither_split_nor_counted_twice() -> None:
    # Ten distinct images, each message repeating its image: ten, not twenty.
    messages = [_user(f"q{n}", f"i{n}", f"i{n}") for n in range(1, 11)]
    arranged = arrange_attachments(messages, INFO)
    assert arranged == [_user(f"q{n}", f"i{n}") for n in range(1, 11)]
    with pytest.raises(GigaChatInvalidInputError, match="11 images"):
        arrange_attachments([*messages, _user("q11", "i11", "i11")], INFO)


@pytest.mark.parametrize(
    ("count", "fails"),
    [(10, False), (11, True)],
)
def test_image_count_limit(count: int, fails: bool) -> None:
    messages = [_user("q", *(f"i{n}" for n in range(1, count + 1)))]
    if fails:
        with pytest.raises(GigaChatInvalidInputError, match=r"11 images.*at most 10"):
            arrange_attachments(messages, INFO)
    else:
        assert len(arrange_attachments(messages, INFO)) == count


@pytest.mark.parametrize(
    ("sizes", "fails"),
    [
        ((MAX_ATTACHMENT_BYTES_PER_REQUEST - 1, 0), False),
        ((MAX_ATTACHMENT_BYTES_PER_REQUEST // 2, MAX_ATTACHMENT_BYTES_PER_REQUEST // 2), True),
    ],
)
def test_total_size_limit(sizes: tuple[int, int], fails: bool) -> None:
    info = {"a": AttachmentInfo("image", sizes[0]), "b": AttachmentInfo("audio", sizes[1])}
    messages = [_user("q", "a"), _user("r", "b")]
    if fails:
        with pytest.raises(GigaChatInvalidInputError, match="Send fewer or smaller"):
            check_request_limits(messages, info)
    else:
        check_request_limits(messages, info)


def test_documents_do_not_count_towards_the_size_limit() -> None:
    info = {"d": AttachmentInfo("document", MAX_ATTACHMENT_BYTES_PER_REQUEST * 2)}
    check_request_limits([_user("q", "d")], info)


def test_tool_files_move_into_a_following_user_message() -> None:
    image = {"type": "image", "base64": "AAAA", "mime_type": "image/png"}
    messages = [
        HumanMessage("draw"),
        AIMessage(
            "",
            tool_calls=[{"name": "a", "args": {}, "id": "1"}, {"name": "b", "args": {}, "id": "2"}],
        ),
        ToolMessage([{"type": "text", "text": "done"}, image], tool_call_id="1", name="a"),
        ToolMessage("plain", tool_call_id="2", name="b"),
        HumanMessage("thanks"),
    ]
    moved = move_tool_attachments(messages)
    assert [type(m).__name__ for m in moved] == [
        "HumanMessage",
        "AIMessage",
        "ToolMessage",
        "ToolMessage",
        "HumanMessage",
        "HumanMessage",
    ]
    assert moved[2].content == [
        {"type": "text", "text": "done"},
        {
            "type": "text",
            "text": "The tool returned 1 attachment(s); they follow in the next message.",
        },
    ]
    assert moved[4].content == [{"type": "text", "text": "Attachments returned by tool a:"}, image]
    assert messages[2].content == [{"type": "text", "text": "done"}, image]  # not mutated


def test_tool_without_files_is_untouched() -> None:
    messages = [ToolMessage("x", tool_call_id="1")]
    assert move_tool_attachments(messages) == messages
