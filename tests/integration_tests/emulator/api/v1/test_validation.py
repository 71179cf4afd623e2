"""Bad v1 chat and embeddings bodies get the real status and a ``{"status", "message"}`` body."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from langchain_gigachat_ext._catalog import MAX_EMBEDDING_BATCH_ITEMS

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
    ("stream not a boolean", chat(stream="yes"), 422, "Invalid params: stream must be a boolean"),
    (
        "string parameters",
        chat(functions=[{"name": "f", "parameters": "oops"}]),
        422,
        "Invalid params: functions[0].parameters must be a JSON schema object",
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


def test_json_nested_too_deep_to_decode_is_invalid_json(http: httpx.Client) -> None:
    deep = b'{"model": "GigaChat", "messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = http.post(
        "/chat/completions", content=deep, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Your request contains invalid JSON syntax."


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
