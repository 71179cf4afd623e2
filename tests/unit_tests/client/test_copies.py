"""``copy.deepcopy``, ``copy.copy`` and ``pickle`` of both models: configuration copies, state does not.

The copy keeps every field, builds its own transport (clients, token) on first use, and answers
calls; injected httpx clients are shared by deep copies and refuse to pickle.
"""

from __future__ import annotations

import asyncio
import copy
import pickle
import ssl
from typing import Any

import httpx
import pytest

from langchain_gigachat_ext import ChatGigaChat, GigaChatEmbeddings
from langchain_gigachat_ext.client.local import Lazy
from langchain_gigachat_ext.errors import GigaChatPickleError
from tests.unit_tests.client.fake_gigachat import AUTH_URL, BASE_URL, CREDENTIALS, FakeGigaChat

MODELS = [ChatGigaChat, GigaChatEmbeddings]
SETTINGS: dict[str, Any] = {
    "base_url": BASE_URL,
    "auth_url": AUTH_URL,
    "credentials": CREDENTIALS,
    "scope": "GIGACHAT_API_B2B",
    "timeout": 33.0,
    "max_retries": 4,
}


def _pickled(model: Any) -> Any:
    return pickle.loads(pickle.dumps(model))  # noqa: S301 - our own bytes


COPIES = {"deepcopy": copy.deepcopy, "pickle": _pickled}


@pytest.mark.parametrize("make_copy", list(COPIES.values()), ids=list(COPIES))
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("used", [False, True], ids=["fresh", "used"])
def test_a_copy_keeps_the_configuration_and_builds_its_own_transport(
    model: type[Any], make_copy: Any, used: bool
) -> None:
    original = model(**SETTINGS)
    if used:  # an open client and a fetched token: the state that used to break copying
        original.transport.sync_http()
        fake_oauth = httpx.Client(transport=httpx.MockTransport(FakeGigaChat().handle))
        original.transport.tokens.get(fake_oauth)
        assert original.transport.tokens.current() is not None

    twin = make_copy(original)

    assert type(twin) is model
    assert twin.model_dump() == original.model_dump()
    assert twin.credentials.get_secret_value() == CREDENTIALS
    assert twin.transport is not original.transport
    assert twin.transport.sync_http() is not original.transport.sync_http()
    assert twin.transport.http_settings == original.transport.http_settings
    assert twin.transport.tokens.current() is None  # no token crossed over


@pytest.mark.parametrize("model", MODELS)
def test_a_shallow_copy_with_changes_sends_where_the_changes_say(model: type[Any]) -> None:
    original = model(**SETTINGS)
    original.transport.sync_http()
    moved = original.model_copy(update={"base_url": "https://elsewhere.test/api/v1"})
    assert moved.transport.http_settings.base_url == "https://elsewhere.test/api/v1"
    assert original.transport.http_settings.base_url == BASE_URL
    assert copy.copy(original).transport is not original.transport


@pytest.mark.parametrize("make_copy", [copy.copy, copy.deepcopy, _pickled, None])
@pytest.mark.parametrize("model", MODELS)
def test_no_per_process_holder_is_shared_with_a_copy(model: type[Any], make_copy: Any) -> None:
    original = model(**SETTINGS)
    twin = original.model_copy() if make_copy is None else make_copy(original)
    holders = [
        name for name in model.__private_attributes__ if isinstance(getattr(original, name), Lazy)
    ]
    assert "_transport" in holders
    for name in holders:
        assert getattr(twin, name) is not getattr(original, name), name


def test_a_deep_copy_shares_the_users_client_and_fetches_its_own_token() -> None:
    api = FakeGigaChat()
    client = httpx.Client(transport=httpx.MockTransport(api.handle))
    llm = ChatGigaChat(**SETTINGS, http_client=client)
    first = llm.invoke("Hi")

    for twin in (copy.deepcopy(llm), llm.model_copy(deep=True)):
        assert twin.http_client is client
        assert twin.invoke("Hi").content == first.content

    assert llm.invoke("Hi").content == first.content  # the original keeps its token
    assert api.paths().count(AUTH_URL) == 3
    assert [
        r.headers["authorization"] for r in api.requests if r.url.path.endswith("/completions")
    ] == [
        "Bearer token-1",
        "Bearer token-2",
        "Bearer token-3",
        "Bearer token-1",
    ]


def test_deep_copies_of_embeddings_answer_through_the_shared_client() -> None:
    api = FakeGigaChat()
    embeddings = GigaChatEmbeddings(
        **SETTINGS, http_client=httpx.Client(transport=httpx.MockTransport(api.handle))
    )
    assert embeddings.embed_query("ab") == [2.0, 1.0]
    twin = copy.deepcopy(embeddings)
    assert twin.embed_documents(["abc", "a"]) == [[3.0, 1.0], [1.0, 1.0]]
    assert api.paths().count(AUTH_URL) == 2


def test_a_deep_copy_shares_the_users_async_client_and_its_event_loop() -> None:
    api = FakeGigaChat()
    llm = ChatGigaChat(
        **SETTINGS, http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(api.ahandle))
    )

    async def both() -> list[str]:
        twin = copy.deepcopy(llm)
        assert twin.http_async_client is llm.http_async_client
        return [str((await m.ainvoke("Hi")).content) for m in (llm, twin)]

    first, second = asyncio.run(both())
    assert first == second


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("http_client", httpx.Client()),
        ("http_async_client", httpx.AsyncClient()),
        ("ssl_context", ssl.create_default_context()),
    ],
)
def test_live_objects_refuse_to_pickle_with_a_clear_error(
    model: type[Any], field: str, value: Any
) -> None:
    instance = model(base_url=BASE_URL, access_token="x", **{field: value})
    with pytest.raises(GigaChatPickleError, match=f"with {field} cannot be pickled") as caught:
        pickle.dumps(instance)
    assert isinstance(caught.value, TypeError)  # what pickle raises for any unpicklable object
    assert getattr(copy.deepcopy(instance), field) is value
