"""Deep copies and unpickled models answer calls on the emulator, each with a token of its own.

An access token is process state: it is not in the pickled bytes, and the emulator's request log
shows each copy fetching its own (one OAuth request per copy, none more for the original).
"""

from __future__ import annotations

import asyncio
import copy
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from langchain_gigachat_ext import ChatGigaChat, GigaChatEmbeddings
from tests.integration_tests.faults.helpers import oauth_entries


def _pickled(model: Any) -> Any:
    return pickle.loads(pickle.dumps(model))  # noqa: S301 - our own bytes


COPIES = {"deepcopy": copy.deepcopy, "pickle": _pickled}


def _ask(model: Any) -> str:
    if isinstance(model, GigaChatEmbeddings):
        return str(model.embed_query("Hi")[:4])
    return str(model.invoke("Hi").content)


async def _aask(model: Any) -> str:
    if isinstance(model, GigaChatEmbeddings):
        return str((await model.aembed_query("Hi"))[:4])
    return str((await model.ainvoke("Hi")).content)


@pytest.mark.parametrize("make_copy", list(COPIES.values()), ids=list(COPIES))
@pytest.mark.parametrize("model", [ChatGigaChat, GigaChatEmbeddings])
def test_a_copy_of_a_used_model_answers_with_its_own_token(
    emu: Any, model: type[Any], make_copy: Any
) -> None:
    original = model(**emu.client_kwargs())
    answer = _ask(original)
    token = original.transport.tokens.current()
    assert token is not None
    assert token.value.encode() not in pickle.dumps(original)

    twin = make_copy(original)
    assert twin.transport.tokens.current() is None
    assert _ask(twin) == answer
    assert len(oauth_entries(emu)) == 2  # the copy fetched its own token

    assert _ask(original) == answer
    assert len(oauth_entries(emu)) == 2  # the original still has its own
    assert twin.transport.tokens.current() != original.transport.tokens.current()


@pytest.mark.parametrize("make_copy", list(COPIES.values()), ids=list(COPIES))
@pytest.mark.parametrize("model", [ChatGigaChat, GigaChatEmbeddings])
def test_a_copy_made_in_one_event_loop_answers_in_another(
    emu: Any, model: type[Any], make_copy: Any
) -> None:
    original = model(**emu.client_kwargs())

    async def use_and_copy() -> tuple[str, Any]:
        return await _aask(original), make_copy(original)

    answer, twin = asyncio.run(use_and_copy())
    assert asyncio.run(_aask(twin)) == answer
    assert asyncio.run(_aask(original)) == answer
    assert len(oauth_entries(emu)) == 2


def _answer_in_worker(pickled: bytes) -> str:
    return _ask(pickle.loads(pickled))  # noqa: S301 - bytes from the test process


def test_a_pickled_model_answers_in_another_process(emu: Any) -> None:
    llm = ChatGigaChat(**emu.client_kwargs())
    answer = _ask(llm)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        assert pool.submit(_answer_in_worker, pickle.dumps(llm)).result(timeout=60) == answer
    assert len(oauth_entries(emu)) == 2
