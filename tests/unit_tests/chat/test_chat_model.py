"""ChatGigaChat against the SDK boundary: real recorded bodies served by httpx.MockTransport."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.load import dumpd, dumps
from langchain_core.messages import AIMessageChunk, HumanMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import tool

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.errors import (
    GigaChatInvalidInputError,
    GigaChatNotFoundError,
    GigaChatRateLimitError,
)
from tests.recorded import api_response, recorded_dir

Handler = Callable[[httpx.Request], httpx.Response]
BASE = "https://gigachat.test/api/v1"


def make_llm(handler: Handler, **kwargs: Any) -> tuple[ChatGigaChat, list[httpx.Request]]:
    """A model whose HTTP goes to ``handler`` (sync and async), recording requests."""
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    llm = ChatGigaChat(
        access_token="pre-issued-token",
        base_url=BASE,
        max_retries=1,
        retry_backoff_factor=0.0,
        http_client=httpx.Client(transport=httpx.MockTransport(record)),
        http_async_client=httpx.AsyncClient(transport=httpx.MockTransport(record)),
        **kwargs,
    )
    return llm, seen


def recorded(cassette: str) -> Handler:
    status, headers, body = api_response(cassette, "/chat/completions")
    headers = {
        k: v for k, v in headers.items() if k.lower() not in {"content-length", "transfer-encoding"}
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, content=body.encode())

    return handler


def test_invoke_parses_recorded_completion() -> None:
    llm, seen = make_llm(recorded("test_chat_simple"))
    message = llm.invoke("Hello")
    assert message.content
    assert message.usage_metadata == {
        "input_tokens": 17,
        "output_tokens": 3,
        "total_tokens": 20,
        "input_token_details": {"cache_read": 2},
    }
    meta = message.response_metadata
    assert meta["model_provider"] == "gigachat"
    assert meta["model_name"] == "GigaChat:2.0.28.2"
    assert meta["finish_reason"] == "stop"
    assert meta["request_id"]
    body = json.loads(seen[0].content)
    assert body == {"model": "GigaChat-2", "messages": [{"role": "user", "content": "Hello"}]}
    assert seen[0].headers["authorization"] == "Bearer pre-issued-token"


def test_stream_parses_recorded_sse() -> None:
    llm, seen = make_llm(recorded("test_stream_simple"))
    chunks = list(llm.stream("Count"))
    assert len(chunks) > 2, "streaming must deliver several chunks, not one message"
    assert sum(1 for c in chunks if c.usage_metadata and c.usage_metadata["input_tokens"]) == 1
    total = sum(chunks[1:], chunks[0])
    assert isinstance(total, AIMessageChunk)
    assert total.usage_metadata is not None and total.usage_metadata["output_tokens"] == 42
    assert total.response_metadata["finish_reason"] == "stop"
    assert chunks[-1].chunk_position == "last"
    assert json.loads(seen[0].content)["stream"] is True


async def test_async_paths() -> None:
    llm, _ = make_llm(recorded("test_chat_simple"))
    assert (await llm.ainvoke("Hi")).content == llm.invoke("Hi").content
    streaming, _ = make_llm(recorded("test_stream_simple"))
    chunks = [chunk async for chunk in streaming.astream("Count")]
    assert len(chunks) > 2
    assert "".join(c.text for c in chunks) == "".join(c.text for c in streaming.stream("Count"))


def test_function_call_fixture_becomes_tool_call() -> None:
    body = (recorded_dir() / "data" / "chat_completion_function.json").read_text()

    @tool
    def fc(location: str, num_days: int) -> str:
        """Weather forecast."""
        return "ok"

    llm, seen = make_llm(lambda _: httpx.Response(200, json=json.loads(body)))
    message = llm.bind_tools([fc], tool_choice="fc").invoke("Погода в Москве")
    assert message.tool_calls[0]["name"] == "fc"
    assert message.tool_calls[0]["args"] == {"location": "Москва", "num_days": 0}
    assert message.response_metadata["finish_reason"] == "tool_calls"
    sent = json.loads(seen[0].content)
    assert sent["function_call"] == {"name": "fc"}
    assert sent["functions"][0]["parameters"]["required"] == ["location", "num_days"]


def test_not_found_is_typed_with_server_message() -> None:
    status, headers, body = api_response("test_chat_model_not_found", "/chat/completions")
    llm, _ = make_llm(lambda _: httpx.Response(status, headers=headers, content=body.encode()))
    with pytest.raises(GigaChatNotFoundError, match="No such model") as caught:
        llm.invoke("Hi")
    assert caught.value.request_id


def test_rate_limit_is_retried_then_raised_with_retry_after() -> None:
    def limited(_: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429, headers={"Retry-After": "0"}, json={"status": 429, "message": "Too many requests"}
        )

    llm, seen = make_llm(limited)
    with pytest.raises(GigaChatRateLimitError):
        llm.invoke("Hi")
    assert len(seen) == 2  # first attempt + max_retries=1


def test_unknown_call_kwargs_are_rejected_before_sending() -> None:
    llm, seen = make_llm(recorded("test_chat_simple"))
    with pytest.raises(GigaChatInvalidInputError, match="frequency_penalty"):
        llm.invoke("Hi", frequency_penalty=1.0)
    assert seen == []


def test_unknown_constructor_kwargs_are_rejected() -> None:
    with pytest.raises(ValueError, match="not_a_field"):
        ChatGigaChat(not_a_field=1)  # type: ignore[call-arg]


def test_thread_id_becomes_stable_session_header() -> None:
    llm, seen = make_llm(recorded("test_chat_simple"))
    config: RunnableConfig = {
        "configurable": {"thread_id": "t-1"},
        "metadata": {"thread_id": "t-1"},
    }
    llm.invoke([HumanMessage("a")], config=config)
    llm.invoke([HumanMessage("b")], config=config)
    llm.invoke([HumanMessage("c")], session_id="explicit")
    sessions = [request.headers.get("x-session-id") for request in seen]
    assert sessions[0] == sessions[1] and sessions[0] and "t-1" not in sessions[0]
    assert sessions[2] == "explicit"


def test_stop_is_applied_to_invoke() -> None:
    llm, _ = make_llm(recorded("test_chat_simple"))
    full = llm.invoke("Hi").content
    assert isinstance(full, str) and len(full) > 2
    cut = llm.invoke("Hi", stop=[full[2:]]).content
    assert cut == full[:2]


def test_secrets_masked_everywhere() -> None:
    llm = ChatGigaChat(credentials="top-secret-key", password="pw-secret", user="u", base_url=BASE)
    for text in (repr(llm), str(llm), json.dumps(dumpd(llm)), dumps(llm)):
        assert "top-secret-key" not in text
        assert "pw-secret" not in text
    assert dumpd(llm)["kwargs"]["credentials"] == {
        "lc": 1,
        "type": "secret",
        "id": ["GIGACHAT_CREDENTIALS"],
    }


def test_env_is_reflected_on_the_object(monkeypatch: pytest.MonkeyPatch) -> None:
    from langchain_gigachat_ext.client import config as _config

    monkeypatch.setattr(_config, "_warned_insecure", threading.Event())
    monkeypatch.setenv("GIGACHAT_CREDENTIALS", "from-env")
    monkeypatch.setenv("GIGACHAT_VERIFY_SSL_CERTS", "false")
    monkeypatch.setenv("GIGACHAT_MAX_RETRIES", "5")
    with pytest.warns(_config.InsecureTLSWarning, match="verify_ssl_certs=False"):
        llm = ChatGigaChat()
    assert llm.credentials is not None and llm.credentials.get_secret_value() == "from-env"
    assert llm.verify_ssl_certs is False
    assert llm.max_retries == 5
    assert llm.model == "GigaChat-2"


def test_ls_params_and_profile() -> None:
    llm = ChatGigaChat(model="GigaChat-2-Max", temperature=0.3, max_tokens=50)
    params = llm._get_ls_params(stop=["x"])
    assert params["ls_provider"] == "gigachat"
    assert params["ls_model_name"] == "GigaChat-2-Max"
    assert params["ls_stop"] == ["x"]
    assert llm._get_ls_params(model="GigaChat-2")["ls_model_name"] == "GigaChat-2"
    assert llm.profile is not None
    assert llm.profile["image_inputs"] is True
    assert llm.profile["structured_output"] is True
