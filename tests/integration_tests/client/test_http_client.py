"""A user's httpx client carries the model's API and OAuth requests to the emulator.

Its transport (a counting ``httpx.HTTPTransport`` subclass) and its event hooks see every
request the emulator logs, for invoke, stream, embeddings and the Files API, and every answer is
closed afterwards; an async client keeps to the event loop it was first used on.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from langchain_gigachat_ext import ChatGigaChat, GigaChatEmbeddings
from langchain_gigachat_ext.errors import GigaChatHTTPClientError
from tests.integration_tests.attachments.conftest import make_pdf
from tests.integration_tests.client.counting import AsyncCountingTransport, CountingTransport
from tests.integration_tests.faults.helpers import wait_until


def _logged_paths(emu: Any) -> Counter[str]:
    return Counter(str(entry["path"]) for entry in list(emu.request_log))


def _expected(emu: Any, *, tokens: int, **api_calls: int) -> Counter[str]:
    base = httpx.URL(emu.base_url).path.rstrip("/")
    paths = Counter({httpx.URL(emu.auth_url).path: tokens})
    for path, count in api_calls.items():
        paths[f"{base}/{path}"] = count
    return paths


def test_sync_calls_go_through_the_users_client(emu: Any) -> None:
    transport = CountingTransport()
    hooked: Counter[str] = Counter()

    def hook(request: httpx.Request) -> None:
        hooked[request.url.path] += 1

    with httpx.Client(transport=transport, event_hooks={"request": [hook]}) as client:
        llm = ChatGigaChat(**emu.client_kwargs(), http_client=client)
        embeddings = GigaChatEmbeddings(**emu.client_kwargs(), http_client=client)

        assert llm.invoke("Hi").content
        assert "".join(str(chunk.content) for chunk in llm.stream("Hi"))
        assert len(embeddings.embed_documents(["one", "two"])) == 2
        card = llm.upload_file(make_pdf(), filename="doc.pdf")
        assert [f.id_ for f in llm.list_files()] == [card.id_]
        assert llm.delete_file(card.id_) is True

    expected = _expected(  # one token per model; upload and list both go to /files
        emu, tokens=2, **{"chat/completions": 2, "embeddings": 1, "files": 2}
    )
    expected[f"{httpx.URL(emu.base_url).path}/files/{card.id_}/delete"] = 1
    assert transport.ledger.paths == expected
    assert hooked == expected
    assert wait_until(lambda: _logged_paths(emu) == expected)  # streams are logged at their end
    assert transport.ledger.open_answers == 0


async def test_async_calls_go_through_the_users_async_client(emu: Any) -> None:
    transport = AsyncCountingTransport()
    async with httpx.AsyncClient(transport=transport) as client:
        llm = ChatGigaChat(**emu.client_kwargs(), http_async_client=client)
        embeddings = GigaChatEmbeddings(**emu.client_kwargs(), http_async_client=client)

        assert (await llm.ainvoke("Hi")).content
        assert [chunk async for chunk in llm.astream("Hi")]
        assert len(await embeddings.aembed_query("one")) > 0
        card = await llm.aupload_file(make_pdf(), filename="doc.pdf")
        assert await llm.adelete_file(card.id_) is True

    expected = _expected(emu, tokens=2, **{"chat/completions": 2, "embeddings": 1, "files": 1})
    expected[f"{httpx.URL(emu.base_url).path}/files/{card.id_}/delete"] = 1
    assert transport.ledger.paths == expected
    assert await asyncio.to_thread(wait_until, lambda: _logged_paths(emu) == expected)
    assert transport.ledger.open_answers == 0


def test_the_users_async_client_refuses_another_event_loop(emu: Any) -> None:
    transport = AsyncCountingTransport()
    llm = ChatGigaChat(
        **emu.client_kwargs(), http_async_client=httpx.AsyncClient(transport=transport)
    )
    assert asyncio.run(llm.ainvoke("Hi")).content
    sent = sum(transport.ledger.paths.values())

    with pytest.raises(GigaChatHTTPClientError, match="another event loop"):
        asyncio.run(llm.ainvoke("Hi"))
    assert sum(transport.ledger.paths.values()) == sent
    assert len(emu.request_log) == sent


def test_without_user_clients_each_event_loop_gets_the_models_own(emu: Any) -> None:
    llm = ChatGigaChat(**emu.client_kwargs())
    answers = [str(asyncio.run(llm.ainvoke("Hi")).content) for _ in range(2)]
    assert answers[0] == answers[1]
