"""One model used from many event loops keeps no client, socket or loop of a finished loop."""

from __future__ import annotations

import asyncio
import gc
import weakref
from pathlib import Path
from typing import Any

import pytest

from langchain_gigachat_ext import ChatGigaChat, GigaChatEmbeddings

RUNS = 60
"""``asyncio.run`` calls per test: each one a new event loop."""


def _open_descriptors() -> int:
    return len(list(Path("/proc/self/fd").iterdir()))


@pytest.fixture
def model(request: pytest.FixtureRequest, emu: Any) -> Any:
    kind = request.param
    if kind == "chat":
        return ChatGigaChat(**emu.client_kwargs())
    return GigaChatEmbeddings(**emu.client_kwargs())


async def _call(model: Any) -> None:
    if isinstance(model, ChatGigaChat):
        await model.ainvoke("Hi")
    else:
        await model.aembed_query("Hi")


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count descriptors")
@pytest.mark.parametrize("model", ["chat", "embeddings"], indirect=True)
def test_descriptors_and_loops_stay_bounded_over_many_asyncio_runs(model: Any) -> None:
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

    async def once() -> None:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        await _call(model)

    asyncio.run(once())  # warm up: imports, token, first client
    gc.collect()
    before = _open_descriptors()
    for _ in range(RUNS):
        asyncio.run(once())
    gc.collect()

    assert _open_descriptors() - before < 5
    assert model.transport.open_loops == 0  # each loop's client was closed with its loop
    assert sum(ref() is not None for ref in loops) == 0  # no finished loop is kept alive


def test_a_loop_closed_without_shutting_down_is_dropped_on_next_use(emu: Any) -> None:
    llm = ChatGigaChat(**emu.client_kwargs())
    loop = asyncio.new_event_loop()
    loop.run_until_complete(llm.ainvoke("Hi"))
    loop.close()  # no shutdown_asyncgens: the client is found dead on the next use
    dead = weakref.ref(loop)
    del loop
    asyncio.run(llm.ainvoke("Hi"))
    gc.collect()
    assert dead() is None
    assert llm.transport.open_loops == 0
