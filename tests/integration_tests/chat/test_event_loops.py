"""One ``ChatGigaChat`` instance answers from several event loops (``asyncio.run`` twice, Jupyter)."""

from __future__ import annotations

import asyncio

from langchain_gigachat_ext import ChatGigaChat
from tests.integration_tests.backend import connection_kwargs


async def test_one_instance_answers_from_two_event_loops() -> None:
    llm = ChatGigaChat(**connection_kwargs(), model="GigaChat-2")
    assert (await llm.ainvoke("Привет!")).text

    async def stream() -> str:
        return "".join([chunk.text async for chunk in llm.astream("Посчитай до трёх")])

    def in_new_loops() -> list[str]:
        return [asyncio.run(llm.ainvoke("Привет!")).text for _ in range(2)] + [
            asyncio.run(stream())
        ]

    assert all(await asyncio.to_thread(in_new_loops))
