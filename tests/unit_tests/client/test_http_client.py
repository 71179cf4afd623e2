"""``http_client`` / ``http_async_client``: validation, exclusion from output, and the relay.

The user's client carries every API and OAuth request (its transport and hooks see them), with
the model's base URL and timeouts; the model never closes it; an async one keeps to one loop.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
import warnings
from typing import Any

import httpx
import pytest
from langchain_core.load import dumpd, dumps
from pydantic import ValidationError

from langchain_gigachat_ext import ChatGigaChat, GigaChatEmbeddings
from langchain_gigachat_ext.client import config as _config
from langchain_gigachat_ext.client.config import InsecureTLSWarning
from langchain_gigachat_ext.errors import GigaChatHTTPClientError
from tests.unit_tests.client.fake_gigachat import (
    AUTH_URL,
    BASE_URL,
    CREDENTIALS,
    WORDS,
    FakeGigaChat,
)

CONNECTION = {"base_url": BASE_URL, "auth_url": AUTH_URL, "credentials": CREDENTIALS}
MODELS = [ChatGigaChat, GigaChatEmbeddings]


def _sync_client(api: FakeGigaChat, **kwargs: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(api.handle), **kwargs)


def _async_client(api: FakeGigaChat, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(api.ahandle), **kwargs)


# --- fields --------------------------------------------------------------------------------------
@pytest.mark.parametrize("model", MODELS)
def test_each_field_takes_only_its_kind_of_client(model: type[Any]) -> None:
    with pytest.raises(ValidationError, match="http_client"):
        model(**CONNECTION, http_client=httpx.AsyncClient())
    with pytest.raises(ValidationError, match="http_async_client"):
        model(**CONNECTION, http_async_client=httpx.Client())


TLS_SETTINGS: dict[str, Any] = {
    "cert_file": "/c.pem",
    "key_file": "/k.pem",
    "key_file_password": "secret",
    "ca_bundle_file": "/ca.pem",
    "ssl_context": ssl.create_default_context(),
    "verify_ssl_certs": False,
}


@pytest.mark.parametrize("name", list(TLS_SETTINGS))
@pytest.mark.parametrize("client_field", ["http_client", "http_async_client"])
def test_a_user_client_owns_tls(
    name: str, client_field: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_config, "_warned_insecure", threading.Event())
    client = httpx.Client() if client_field == "http_client" else httpx.AsyncClient()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValidationError, match=f"own TLS, so {name}"):
            ChatGigaChat(**CONNECTION, **{client_field: client, name: TLS_SETTINGS[name]})
    # The clash is reported alone: no "verification disabled" warning for a refused model.
    assert not [w for w in caught if issubclass(w.category, InsecureTLSWarning)]


def test_tls_settings_from_the_environment_clash_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIGACHAT_CA_BUNDLE_FILE", "/etc/ssl/ca.pem")
    with pytest.raises(ValidationError, match="env GIGACHAT_CA_BUNDLE_FILE"):
        GigaChatEmbeddings(**CONNECTION, http_client=httpx.Client())


@pytest.mark.parametrize("model", MODELS)
def test_user_clients_stay_out_of_repr_and_serialisation(model: type[Any]) -> None:
    sync_client, async_client = httpx.Client(), httpx.AsyncClient()
    instance = model(**CONNECTION, http_client=sync_client, http_async_client=async_client)
    assert instance.http_client is sync_client
    assert instance.http_async_client is async_client
    rendered = [repr(instance), str(instance), instance.model_dump_json()]
    if model is ChatGigaChat:
        rendered += [dumps(instance), json.dumps(dumpd(instance))]
    for text in rendered:
        assert "http_client" not in text
        assert "http_async_client" not in text
        assert "httpx" not in text
    assert not {"http_client", "http_async_client"} & set(instance.model_dump())


# --- the relay -----------------------------------------------------------------------------------
def test_invoke_and_oauth_go_through_the_users_client() -> None:
    api = FakeGigaChat()
    hooked: list[str] = []
    client = _sync_client(api, event_hooks={"request": [lambda r: hooked.append(r.url.path)]})
    llm = ChatGigaChat(**CONNECTION, http_client=client, timeout=12.5, connect_timeout=3.5)

    assert llm.invoke("Hi").content == "".join(WORDS)
    assert llm.invoke("Hi again").content

    assert api.paths() == [AUTH_URL, *[f"{BASE_URL}/chat/completions"] * 2]
    assert hooked == ["/api/v2/oauth", "/api/v1/chat/completions", "/api/v1/chat/completions"]
    chat = api.requests[1]
    assert chat.headers["authorization"] == "Bearer token-1"
    assert json.loads(chat.content)["messages"] == [{"role": "user", "content": "Hi"}]
    # The model's timeouts ride on each request, whatever the user's client defaults to.
    assert chat.extensions["timeout"] == {"connect": 3.5, "read": 12.5, "write": 12.5, "pool": 12.5}


def test_the_users_default_headers_and_params_apply_below_the_requests_own() -> None:
    api = FakeGigaChat()
    client = _sync_client(
        api,
        headers={"X-Gateway-Key": "corp-42", "Authorization": "Basic user-default"},
        params={"tenant": "t1"},
    )
    ChatGigaChat(**CONNECTION, http_client=client).invoke("Hi")
    oauth, chat = api.requests
    for request in (oauth, chat):
        assert request.headers["x-gateway-key"] == "corp-42"
        assert request.url.params["tenant"] == "t1"
    assert oauth.headers["authorization"] == f"Basic {CREDENTIALS}"
    assert chat.headers["authorization"] == "Bearer token-1"


def test_stream_goes_through_the_users_client_and_closes_its_response() -> None:
    api = FakeGigaChat()
    closed: list[httpx.Response] = []

    class Tracking(httpx.MockTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            answer = super().handle_request(request)
            return httpx.Response(
                answer.status_code,
                headers=answer.headers,
                stream=_Closing(answer, closed),
                extensions=answer.extensions,
            )

    llm = ChatGigaChat(**CONNECTION, http_client=httpx.Client(transport=Tracking(api.handle)))

    assert [str(c.content) for c in llm.stream("Hi") if c.content] == WORDS
    stream = llm.stream("Hi")
    next(stream)
    stream.close()  # abandoned after the first chunk

    assert api.paths() == [AUTH_URL, *[f"{BASE_URL}/chat/completions"] * 2]
    assert len(closed) == 3  # every response, the abandoned stream's included


class _Closing(httpx.SyncByteStream):
    def __init__(self, answer: httpx.Response, closed: list[httpx.Response]) -> None:
        self._answer, self._closed = answer, closed

    def __iter__(self) -> Any:
        return iter([self._answer.content])

    def close(self) -> None:
        self._closed.append(self._answer)


def test_a_hook_that_reads_compressed_bodies_does_not_break_the_call() -> None:
    """httpx tells hooks to ``read()`` a body they inspect; the model then gets it decoded."""
    api = FakeGigaChat(gzip=True)
    bodies: list[dict[str, Any]] = []

    def inspect(response: httpx.Response) -> None:
        response.read()
        bodies.append(response.json())

    llm = ChatGigaChat(
        **CONNECTION, http_client=_sync_client(api, event_hooks={"response": [inspect]})
    )
    assert llm.invoke("Hi").content == "".join(WORDS)
    assert sorted(bodies[0]) == ["access_token", "expires_at"]
    assert bodies[1]["choices"][0]["message"]["content"] == "".join(WORDS)


def test_embeddings_go_through_the_users_client() -> None:
    api = FakeGigaChat()
    embeddings = GigaChatEmbeddings(**CONNECTION, http_client=_sync_client(api))
    assert embeddings.embed_documents(["a", "bbb"]) == [[1.0, 1.0], [3.0, 1.0]]
    assert api.paths() == [AUTH_URL, f"{BASE_URL}/embeddings"]


def test_the_model_never_closes_the_users_client_and_refuses_a_closed_one() -> None:
    api = FakeGigaChat()
    client = _sync_client(api)
    llm = ChatGigaChat(**CONNECTION, http_client=client, max_retries=2)
    llm.invoke("Hi")
    llm.transport.close()
    assert not client.is_closed
    assert llm.invoke("Hi").content  # the model's own wrapper is rebuilt around the same client

    client.close()
    with pytest.raises(GigaChatHTTPClientError, match="http_client given to this model is closed"):
        llm.invoke("Hi")
    assert len(api.requests) == 3  # nothing sent (and nothing retried) once it was closed


async def test_async_calls_go_through_the_users_async_client() -> None:
    api = FakeGigaChat()
    llm = ChatGigaChat(**CONNECTION, http_async_client=_async_client(api))
    embeddings = GigaChatEmbeddings(**CONNECTION, http_async_client=llm.http_async_client)

    assert (await llm.ainvoke("Hi")).content == "".join(WORDS)
    assert [str(c.content) async for c in llm.astream("Hi") if c.content] == WORDS
    assert await embeddings.aembed_query("abc") == [3.0, 1.0]

    assert api.paths() == [
        AUTH_URL,
        f"{BASE_URL}/chat/completions",
        f"{BASE_URL}/chat/completions",
        AUTH_URL,  # each model has its own token
        f"{BASE_URL}/embeddings",
    ]


def test_sync_calls_keep_the_models_own_client_when_only_an_async_one_is_given() -> None:
    api = FakeGigaChat()
    llm = ChatGigaChat(**CONNECTION, http_async_client=_async_client(api))
    assert asyncio.run(llm.ainvoke("Hi")).content
    sync_client = llm.transport.sync_http()
    assert str(sync_client.base_url) == f"{BASE_URL}/"
    assert len(api.requests) == 2


def test_the_users_async_client_refuses_a_second_event_loop() -> None:
    api = FakeGigaChat()
    llm = ChatGigaChat(**CONNECTION, http_async_client=_async_client(api))
    assert asyncio.run(llm.ainvoke("Hi")).content
    sent = len(api.requests)

    with pytest.raises(GigaChatHTTPClientError, match="first used on another event loop"):
        asyncio.run(llm.ainvoke("Hi"))

    async def stream() -> list[Any]:
        return [chunk async for chunk in llm.astream("Hi")]

    with pytest.raises(GigaChatHTTPClientError):
        asyncio.run(stream())
    assert len(api.requests) == sent  # refused before anything was sent
