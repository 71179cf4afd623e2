"""The official ``gigachat`` SDK against the emulator: every endpoint it offers."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from gigachat import GigaChat
from gigachat.exceptions import AuthenticationError, NotFoundError
from gigachat.models import Chat, Messages, MessagesRole

from langchain_gigachat_ext.emulator import GigaChatEmulator

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture
def client(emu: GigaChatEmulator) -> Iterator[GigaChat]:
    with GigaChat(**emu.client_kwargs(), model="GigaChat", verify_ssl_certs=False) as sdk:
        yield sdk


def _payload(text: str = "hello world") -> Chat:
    return Chat(messages=[Messages(role=MessagesRole.USER, content=text)], model="GigaChat")


def test_chat(client: GigaChat) -> None:
    completion = client.chat(_payload())
    assert completion.choices[0].message.content.startswith("echo hello world")
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == "GigaChat:2.0.28.2"
    assert completion.object_ == "chat.completion"
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert completion.x_headers is not None
    assert completion.x_headers["x-request-id"]


def test_stream(client: GigaChat) -> None:
    chunks = list(client.stream(_payload()))
    text = "".join(chunk.choices[0].delta.content for chunk in chunks)
    assert text.startswith("echo hello world")
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(chunk.choices[0].delta.role is None for chunk in chunks[1:])
    assert chunks[-1].choices[0].finish_reason == "stop"


async def test_achat_and_astream(emu: GigaChatEmulator) -> None:
    async with GigaChat(**emu.client_kwargs(), model="GigaChat") as sdk:
        completion = await sdk.achat(_payload("async call"))
        assert "async call" in completion.choices[0].message.content
        parts = [chunk.choices[0].delta.content async for chunk in sdk.astream(_payload("s"))]
        assert "".join(parts).startswith("echo s")


def test_function_call_round_trip(client: GigaChat) -> None:
    emu_call = client.chat(
        {
            "model": "GigaChat",
            "messages": [{"role": "user", "content": "weather?"}],
            "functions": [{"name": "weather", "parameters": {"type": "object", "properties": {}}}],
            "function_call": {"name": "weather"},
        }
    )
    message = emu_call.choices[0].message
    assert emu_call.choices[0].finish_reason == "function_call"
    assert message.function_call is not None
    assert message.function_call.name == "weather"
    assert isinstance(message.function_call.arguments, dict)
    assert message.functions_state_id


def test_embeddings(client: GigaChat) -> None:
    result = client.embeddings(["First text", "Second text"])
    assert [item.index for item in result.data] == [0, 1]
    assert all(len(item.embedding) == 1024 for item in result.data)
    assert result.data[0].usage.prompt_tokens == 2


def test_tokens_count(client: GigaChat) -> None:
    counts = client.tokens_count(["Hello, world!"], model="GigaChat")
    assert counts[0].characters == len("Hello, world!")
    assert counts[0].tokens == 2


def test_models(client: GigaChat) -> None:
    ids = [model.id_ for model in client.get_models().data]
    assert ids[:2] == ["GigaChat", "GigaChat-2"]
    assert "Embeddings" in ids
    assert client.get_model("GigaChat").owned_by == "salutedevices"
    with pytest.raises(NotFoundError):
        client.get_model("NonExistentModel")


def test_files(client: GigaChat, tmp_path: Path) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    with image.open("rb") as handle:
        uploaded = client.upload_file(handle)
    assert uploaded.bytes_ == len(PNG)
    assert uploaded.purpose == "general"
    assert client.get_file(uploaded.id_).filename == "dot.png"
    assert [f.id_ for f in client.get_files().data] == [uploaded.id_]
    assert base64.b64decode(client.get_image(uploaded.id_).content) == PNG
    assert client.delete_file(uploaded.id_).deleted is True
    assert client.get_files().data == []


def test_balance(client: GigaChat) -> None:
    usages = {entry.usage for entry in client.get_balance().balance}
    assert {"GigaChat", "embeddings"} <= usages


def test_password_auth(emu: GigaChatEmulator) -> None:
    with GigaChat(
        base_url=emu.base_url, user=emu.user, password=emu.password, model="GigaChat"
    ) as sdk:
        assert sdk.get_models().data
    assert any(entry["path"] == "/api/v1/token" for entry in emu.request_log)


def test_bad_credentials_raise_authentication_error(emu: GigaChatEmulator) -> None:
    with (
        GigaChat(base_url=emu.base_url, auth_url=emu.auth_url, credentials="d3Jvbmc=") as sdk,
        pytest.raises(AuthenticationError),
    ):
        sdk.get_models()


def test_reauth_after_unauthorized(emu: GigaChatEmulator, client: GigaChat) -> None:
    emu.faults.unauthorized_after = 1
    client.get_models()
    client.get_models()  # 401 on the cached token -> SDK fetches a new one and retries once
    oauth_calls = [entry for entry in emu.request_log if entry["oauth"]]
    assert len(oauth_calls) == 2
    assert [e["status"] for e in emu.request_log if not e["oauth"]] == [200, 401, 200]
