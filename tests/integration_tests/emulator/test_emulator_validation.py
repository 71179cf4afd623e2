"""Bad input gets the real error status and ``{"status", "message"}`` body."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from langchain_gigachat_ext._catalog import MAX_EMBEDDING_BATCH_ITEMS
from langchain_gigachat_ext.emulator import GigaChatEmulator

USER = {"role": "user", "content": "hi"}
CALL = {"role": "assistant", "content": "", "function_call": {"name": "f", "arguments": {}}}
FUNCS = [{"name": "f", "parameters": {"type": "object", "properties": {}}}]


def chat(**fields: Any) -> dict[str, Any]:
    return {"model": "GigaChat", "messages": [USER], **fields}


CHAT_CASES = [
    ("unknown model", {"model": "NoSuchModel", "messages": [USER]}, 404, "No such model"),
    (
        "system not first",
        chat(messages=[USER, {"role": "system", "content": "s"}]),
        422,
        "Invalid params: system message must be the first message",
    ),
    (
        "two system messages",
        chat(messages=[{"role": "system", "content": "a"}, {"role": "system", "content": "b"}]),
        422,
        "Invalid params: system message must be the first message",
    ),
    (
        "function result not json",
        chat(messages=[USER, CALL, {"role": "function", "name": "f", "content": "not json"}]),
        422,
        "Invalid params: invalid function result for function f json string",
    ),
    (
        "function message without name",
        chat(messages=[USER, CALL, {"role": "function", "content": "{}"}]),
        422,
        "Invalid params: function message must have a name",
    ),
    (
        "call without result",
        chat(messages=[USER, CALL]),
        422,
        "Invalid params: every assistant function call must have a result in history",
    ),
    (
        "string arguments",
        chat(
            messages=[
                USER,
                {"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}},
                {"role": "function", "name": "f", "content": "{}"},
            ]
        ),
        422,
        "Invalid params: function_call.arguments must be a JSON object",
    ),
    (
        "forced unknown function",
        chat(functions=FUNCS, function_call={"name": "g"}),
        404,
        "Function schema for g not found",
    ),
    (
        "name-only unknown function",
        chat(functions=[{"name": "not_valid_function"}]),
        404,
        "Function schema for not_valid_function not found",
    ),
    (
        "temperature zero",
        chat(temperature=0),
        422,
        "Invalid params: temperature must be in range (0, +inf)",
    ),
    ("top_p above one", chat(top_p=1.5), 422, "Invalid params: top_p must be in range [0, 1]"),
    (
        "repetition_penalty zero",
        chat(repetition_penalty=0),
        422,
        "Invalid params: repetition_penalty must be in range (0, +inf)",
    ),
    (
        "unknown attachment",
        chat(messages=[{"role": "user", "content": "x", "attachments": ["nope"]}]),
        404,
        "File nope not found",
    ),
    (
        "regex format on v1",
        chat(response_format={"type": "regex", "regex": "[A-Z]{3}"}),
        422,
        "Invalid params: response_format type 'regex' is only supported by the v2 API",
    ),
]


@pytest.mark.parametrize(
    ("body", "status", "message"), [c[1:] for c in CHAT_CASES], ids=[c[0] for c in CHAT_CASES]
)
def test_chat_rules(http: httpx.Client, body: dict[str, Any], status: int, message: str) -> None:
    response = http.post("/chat/completions", json=body)
    assert response.status_code == status
    assert response.json() == {"status": status, "message": message}
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["x-request-id"]


def test_invalid_json(http: httpx.Client) -> None:
    response = http.post(
        "/chat/completions", content=b'{"model": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "message": "Your request contains invalid JSON syntax.",
    }


def _upload(http: httpx.Client, name: str, data: bytes, mime: str) -> str:
    response = http.post("/files", files={"file": (name, data, mime)}, data={"purpose": "general"})
    assert response.status_code == 200, response.text
    return response.json()["id"]


def test_image_limits(http: httpx.Client) -> None:
    ids = [_upload(http, f"{i}.png", b"png", "image/png") for i in range(11)]
    two = http.post(
        "/chat/completions",
        json=chat(messages=[{"role": "user", "content": "x", "attachments": ids[:2]}]),
    )
    assert two.status_code == 422
    assert two.json()["message"] == "Invalid params: only one image per message is allowed"
    many = [{"role": "user", "content": "x", "attachments": [i]} for i in ids]
    response = http.post("/chat/completions", json=chat(messages=many))
    assert response.status_code == 422
    assert response.json()["message"].startswith("Invalid params: too many images")


def test_unsupported_upload(http: httpx.Client) -> None:
    response = http.post("/files", files={"file": ("a.exe", b"MZ", "application/x-msdownload")})
    assert response.status_code == 415
    assert set(response.json()) == {"status", "message"}


def test_oversized_upload(http: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        __import__("langchain_gigachat_ext.emulator.server.files", fromlist=["x"]).MAX_FILE_BYTES,
        "image",
        4,
    )
    response = http.post("/files", files={"file": ("a.png", b"12345", "image/png")})
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"model": "Nope", "input": ["a"]}, 404),
        ({"model": "Embeddings", "input": ["a"] * (MAX_EMBEDDING_BATCH_ITEMS + 1)}, 413),
        ({"model": "Embeddings", "input": ["ok", "word " * 600]}, 422),
        ({"model": "Embeddings", "input": []}, 422),
    ],
    ids=["unknown model", "too many items", "too long", "empty"],
)
def test_embedding_rules(http: httpx.Client, body: dict[str, Any], status: int) -> None:
    response = http.post("/embeddings", json=body)
    assert response.status_code == status
    assert response.json()["status"] == status
    if status == 422 and body["input"]:
        assert "input[1]" in response.json()["message"]


def test_unknown_path_is_json_404(http: httpx.Client) -> None:
    response = http.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"status": 404, "message": "Not Found"}


@pytest.mark.parametrize(
    ("headers", "data", "status", "body"),
    [
        (
            {"RqUID": "8da54264-2463-42be-9aa7-c844d5e45180"},
            {"scope": ""},
            400,
            {"code": 5, "message": "scope is empty"},
        ),
        (
            {"RqUID": "8da54264-2463-42be-9aa7-c844d5e45180"},
            {"scope": "GIGACHAT_API_OTHER"},
            400,
            {"code": 7, "message": "scope from db not fully includes consumed scope"},
        ),
        ({"RqUID": "not-a-uuid"}, {"scope": "GIGACHAT_API_PERS"}, 400, None),
        ({}, {"scope": "GIGACHAT_API_PERS"}, 400, None),
    ],
    ids=["empty scope", "unknown scope", "bad rquid", "missing rquid"],
)
def test_oauth_errors(
    emu: GigaChatEmulator, headers: dict[str, str], data: dict[str, str], status: int, body: Any
) -> None:
    sent = {"Authorization": f"Basic {emu.credentials}", **headers}
    response = httpx.post(emu.auth_url, headers=sent, data=data)
    assert response.status_code == status
    assert set(response.json()) == {"code", "message"}
    if body is not None:
        assert response.json() == body
    assert "x-request-id" not in response.headers


def test_oauth_bad_credentials(emu: GigaChatEmulator) -> None:
    headers = {"Authorization": "Basic d3Jvbmc=", "RqUID": "8da54264-2463-42be-9aa7-c844d5e45180"}
    response = httpx.post(emu.auth_url, headers=headers, data={"scope": "GIGACHAT_API_PERS"})
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message"}


def test_missing_and_expired_token(emu: GigaChatEmulator) -> None:
    missing = httpx.get(f"{emu.base_url}/models")
    assert missing.status_code == 401
    assert missing.json() == {"status": 401, "message": "Unauthorized"}
    emu.faults.token_ttl = -1.0  # every new token is born expired
    headers = {
        "Authorization": f"Basic {emu.credentials}",
        "RqUID": "8da54264-2463-42be-9aa7-c844d5e45180",
    }
    token = httpx.post(emu.auth_url, headers=headers, data={"scope": "GIGACHAT_API_PERS"}).json()
    expired = httpx.get(
        f"{emu.base_url}/models", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert expired.status_code == 401
    assert expired.json() == {"status": 401, "message": "Token has expired"}
