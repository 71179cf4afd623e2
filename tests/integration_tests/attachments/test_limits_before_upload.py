"""On the emulator: nothing is uploaded for a call that breaks a limit, a failed upload leaves no
file of its call behind, image bombs and unparseable URLs are refused before any request."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.errors import (
    GigaChatInvalidInputError,
    GigaChatServerError,
    GigaChatUnsafeURLError,
)
from tests.integration_tests.attachments.conftest import make_image
from tests.unit_tests.attachments.samples import bomb_gif


def _image_block(data: bytes, mime: str = "image/png") -> dict[str, Any]:
    return {"type": "image", "base64": base64.b64encode(data).decode(), "mime_type": mime}


def _distinct_images(count: int) -> list[dict[str, Any]]:
    return [_image_block(make_image("PNG", (n * 20, 0, 0))) for n in range(count)]


def _one_message(blocks: list[dict[str, Any]]) -> list[BaseMessage]:
    return [HumanMessage([{"type": "text", "text": "Compare them."}, *blocks])]


def _a_turn_each(blocks: list[dict[str, Any]]) -> list[BaseMessage]:
    history: list[BaseMessage] = []
    for number, block in enumerate(blocks):
        history += [HumanMessage([{"type": "text", "text": f"Look #{number}"}, block])]
        history += [AIMessage("Seen.")]
    return [*history, HumanMessage("Which was reddest?")]


HISTORIES = {
    "eleven images in one message": _one_message(_distinct_images(11)),
    "eleven images across the history": _a_turn_each(_distinct_images(11)),
    # One distinct file, attached eleven times: only the message layout tells it is too many.
    "the same image in eleven turns": _a_turn_each(_distinct_images(1) * 11),
}


async def _invoke(llm: ChatGigaChat, messages: list[BaseMessage], mode: str) -> Any:
    if mode == "sync":
        return llm.invoke(messages)
    try:
        return await llm.ainvoke(messages)
    finally:
        await _stragglers()


async def _stragglers() -> None:
    """Wait for every other task of the loop: an upload still running after the call raised
    would otherwise land after the test's checks."""
    others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    await asyncio.gather(*others, return_exceptions=True)


MODES = pytest.mark.parametrize("mode", ["sync", "async"])


def _model(emu: Any, **kwargs: Any) -> ChatGigaChat:
    return ChatGigaChat(**emu.client_kwargs(), model="GigaChat-2-Max", max_retries=0, **kwargs)


def _requests(emu: Any, method: str, path_end: str) -> list[dict[str, Any]]:
    return [e for e in emu.request_log if e["method"] == method and e["path"].endswith(path_end)]


@MODES
@pytest.mark.parametrize("messages", list(HISTORIES.values()), ids=list(HISTORIES))
async def test_a_call_over_the_image_limit_uploads_nothing(
    emu: Any, mode: str, messages: list[BaseMessage]
) -> None:
    with pytest.raises(GigaChatInvalidInputError, match="11 images"):
        await _invoke(_model(emu), messages, mode)
    assert _requests(emu, "POST", "/files") == []
    assert emu.state.files.all() == []
    assert emu.request_log == []  # not even a token was asked for


@MODES
async def test_a_refused_file_after_good_ones_uploads_nothing(emu: Any, mode: str) -> None:
    blocks = [*_distinct_images(2), _image_block(b"<html>no image</html>", "text/html")]
    with pytest.raises(GigaChatInvalidInputError, match="does not accept text/html"):
        await _invoke(_model(emu), _one_message(blocks), mode)
    assert emu.request_log == []


def test_a_failed_upload_deletes_the_files_of_its_call(emu: Any) -> None:
    armed = False

    def fail_the_next_upload(response: httpx.Response) -> None:
        nonlocal armed
        request = response.request
        if armed and request.method == "POST" and request.url.path.endswith("/files"):
            armed = False
            emu.faults.fail_first(1, status=500)

    client = httpx.Client(event_hooks={"response": [fail_the_next_upload]})
    llm = _model(emu, http_client=client)
    first, second, third = _distinct_images(3)
    llm.invoke(_one_message([first]))  # uploaded, and reused by the next call
    (kept,) = emu.state.files.all()
    armed = True  # the next call uploads `second`, then the upload of `third` fails
    with pytest.raises(GigaChatServerError):
        llm.invoke(_one_message([first, second, third]))
    assert len(_requests(emu, "POST", "/files")) == 3
    (deleted,) = _requests(emu, "POST", "/delete")  # the Files API deletes with POST
    assert kept.id not in deleted["path"]
    assert emu.state.files.all() == [kept]
    assert llm.attachment_uploader.uploaded_file_ids == [kept.id]
    client.close()


async def test_a_failed_parallel_upload_leaves_no_file_of_its_call(emu: Any) -> None:
    llm = _model(emu)
    first, second, third = _distinct_images(3)
    await llm.ainvoke(_one_message([first]))
    (kept,) = emu.state.files.all()
    emu.faults.fail_first(1, status=500)  # one of the two parallel uploads fails
    with pytest.raises(GigaChatServerError):
        await _invoke(llm, _one_message([first, second, third]), "async")
    assert emu.state.files.all() == [kept]
    assert llm.attachment_uploader.uploaded_file_ids == [kept.id]


# --- image bombs -------------------------------------------------------------------------------
@MODES
async def test_an_image_bomb_is_refused_before_anything_is_sent(emu: Any, mode: str) -> None:
    bomb = _image_block(bomb_gif(20_000, 20_000), "image/gif")  # 400 Mpx in a few dozen bytes
    with pytest.raises(GigaChatInvalidInputError, match="too large to convert"):
        await _invoke(_model(emu), _one_message([bomb]), mode)
    small_budget = _model(emu, max_converted_image_pixels=50 * 50)
    gif = _image_block(make_image("GIF", "green", size=(51, 50)), "image/gif")
    with pytest.raises(GigaChatInvalidInputError, match="max_converted_image_pixels"):
        await _invoke(small_budget, _one_message([gif]), mode)
    with pytest.raises(GigaChatInvalidInputError, match="2,550 pixels"):
        small_budget.upload_file(make_image("GIF", size=(51, 50)), filename="a.gif")
    assert emu.request_log == []


# --- URLs that cannot be parsed ----------------------------------------------------------------
@MODES
@pytest.mark.parametrize(
    ("url", "allow_private", "error", "detail"),
    [
        ("http://0177.0.0.1/cat.png", False, GigaChatUnsafeURLError, "means 127.0.0.1"),
        ("http://0x7f.1/cat.png", False, GigaChatUnsafeURLError, "means 127.0.0.1"),
        ("http://2130706433/cat.png", False, GigaChatUnsafeURLError, "means 127.0.0.1"),
        ("http://0177.0.0.1/cat.png", True, GigaChatInvalidInputError, "write the host"),
        ("http://[::1/cat.png", False, GigaChatInvalidInputError, "cannot be parsed"),
        ("http://example.com:99999/a.png", False, GigaChatInvalidInputError, "port 99999"),
    ],
)
async def test_unparseable_or_disguised_urls_are_refused_before_any_request(
    emu: Any, mode: str, url: str, allow_private: bool, *, error: type[Exception], detail: str
) -> None:
    llm = _model(emu, allow_private_attachment_urls=allow_private)
    blocks = [*_distinct_images(1), {"type": "image_url", "image_url": {"url": url}}]
    with pytest.raises(error, match=detail):
        await _invoke(llm, _one_message(blocks), mode)
    assert emu.request_log == []


def test_a_repaired_history_with_uploads_warns_once(emu: Any) -> None:
    """The limits dry run normalises the history too, but only the request itself warns."""
    import warnings

    from langchain_gigachat_ext.messages import HistoryRepairWarning

    unanswered = AIMessage(
        "", tool_calls=[{"name": "lookup", "args": {}, "id": "c1", "type": "tool_call"}]
    )
    history = [HumanMessage("Find it."), unanswered, *_one_message(_distinct_images(1))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _model(emu).invoke(history)
    repairs = [w for w in caught if issubclass(w.category, HistoryRepairWarning)]
    assert len(repairs) == 1, [str(w.message) for w in repairs]
    assert len(_requests(emu, "POST", "/files")) == 1
