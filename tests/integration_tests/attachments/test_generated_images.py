"""Images the model generates (v1 ``<img src fuse>`` markup) as content blocks, invoked and streamed.

The emulator's v1 brain does not generate images itself, so the answer carrying the markup is
scripted; the file it names is a real upload, so downloading it runs through the Files API.
The scripted text is streamed a few words per SSE chunk, which cuts the tag in two.
"""

from __future__ import annotations

from functools import reduce
from operator import add
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.attachments import render_generated_image
from tests.integration_tests.attachments.conftest import make_image


@pytest.fixture
def llm(emu: Any) -> ChatGigaChat:
    return ChatGigaChat(**emu.client_kwargs(), model="GigaChat-2-Max", max_retries=0)


@pytest.fixture
def generated(llm: ChatGigaChat) -> str:
    """The id of a stored JPEG standing in for a generated image."""
    return llm.upload_file(make_image("JPEG"), filename="gen.jpg").id_


def _answer(file_id: str) -> str:
    return f"Вот ваш кот: {render_generated_image(file_id)} Надеюсь, понравится."


def _expected(file_id: str) -> list[Any]:
    return [
        "Вот ваш кот: ",
        {"type": "image", "file_id": file_id, "mime_type": "image/jpeg"},
        " Надеюсь, понравится.",
    ]


def test_invoke_turns_markup_into_an_image_block(
    emu: Any, llm: ChatGigaChat, generated: str
) -> None:
    emu.script.reply_text(_answer(generated))
    answer = llm.invoke("Нарисуй кота")
    assert answer.content == _expected(generated)
    assert answer.content_blocks[1] == _expected(generated)[1]
    assert llm.download_file(generated)[:3] == b"\xff\xd8\xff"


def test_stream_turns_split_markup_into_an_image_block(
    emu: Any, llm: ChatGigaChat, generated: str
) -> None:
    emu.script.reply_text(_answer(generated))
    emu.script.reply_text(_answer(generated))
    chunks = list(llm.stream("Нарисуй кота"))
    assert all("<img" not in chunk.text and "fuse" not in chunk.text for chunk in chunks)
    with_image = [chunk for chunk in chunks if isinstance(chunk.content, list)]
    assert len(with_image) == 1
    assert with_image[0].content[0] == _expected(generated)[1]
    streamed = reduce(add, chunks)
    assert streamed.content == _expected(generated)
    assert streamed.content == llm.invoke("Нарисуй кота").content


async def test_astream_turns_split_markup_into_an_image_block(
    emu: Any, llm: ChatGigaChat, generated: str
) -> None:
    emu.script.reply_text(_answer(generated))
    chunks: list[AIMessageChunk] = [chunk async for chunk in llm.astream("Нарисуй кота")]
    assert reduce(add, chunks).content == _expected(generated)
    assert chunks[-1].usage_metadata is not None
