"""v2 request rules: bad bodies get 4xx with ``{"status", "message"}``, accepted extras pass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from langchain_gigachat_ext.emulator import GigaChatEmulator
from tests.integration_tests.emulator.emu_helpers import oauth_token

USER = {"role": "user", "content": [{"text": "hi"}]}
SPEC = {"name": "f", "parameters": {"type": "object", "properties": {}}}
TOOLS = [{"functions": {"specifications": [SPEC]}}]
CALL = {"role": "assistant", "content": [{"function_call": {"name": "f", "arguments": {}}}]}
RESULT = {"role": "tool", "content": [{"function_result": {"name": "f", "result": {"ok": True}}}]}
SYSTEM_FIRST = "Invalid params: system message must be the first message"
CALL_NEEDS_RESULT = "Invalid params: every assistant function call must have a result in history"


def chat(**fields: Any) -> dict[str, Any]:
    return {"model": "GigaChat-2", "messages": [USER], **fields}


def options(**model_options: Any) -> dict[str, Any]:
    return chat(model_options=model_options)


CASES = [
    ("unknown model", {"model": "Nope", "messages": [USER]}, 404, "No such model"),
    ("no model", {"messages": [USER]}, 422, "Invalid params: model is required"),
    ("no messages", chat(messages=[]), 422, "Invalid params: messages must be a non-empty list"),
    (
        "string content",
        chat(messages=[{"role": "user", "content": "hi"}]),
        422,
        "Invalid params: messages[0].content must be a non-empty list of parts",
    ),
    (
        "unknown role",
        chat(messages=[{"role": "bot", "content": [{"text": "x"}]}]),
        422,
        "Invalid params: messages[0].role 'bot' is not supported",
    ),
    (
        "part without a known key",
        chat(messages=[{"role": "user", "content": [{"image_url": "http://x"}]}]),
        422,
        (
            "Invalid params: messages[0].content[0] must have one of text, files, function_call, "
            "function_result"
        ),
    ),
    (
        "call in a user message",
        chat(messages=[{"role": "user", "content": CALL["content"]}]),
        422,
        "Invalid params: messages[0] with role 'user' cannot carry a function_call part",
    ),
    (
        "system not first",
        chat(messages=[USER, {"role": "system", "content": [{"text": "s"}]}]),
        422,
        SYSTEM_FIRST,
    ),
    (
        "string arguments",
        chat(
            messages=[
                USER,
                {
                    "role": "assistant",
                    "content": [{"function_call": {"name": "f", "arguments": "{}"}}],
                },
                RESULT,
            ]
        ),
        422,
        "Invalid params: function_call.arguments must be a JSON object",
    ),
    ("call without result", chat(messages=[USER, CALL]), 422, CALL_NEEDS_RESULT),
    (
        "two calls, one result",
        chat(
            messages=[
                USER,
                {"role": "assistant", "content": CALL["content"] * 2},
                RESULT,
            ]
        ),
        422,
        CALL_NEEDS_RESULT,
    ),
    (
        "result without call",
        chat(messages=[USER, RESULT]),
        422,
        "Invalid params: function result for f has no preceding function call",
    ),
    (
        "result for another function",
        chat(
            messages=[
                USER,
                CALL,
                {"role": "tool", "content": [{"function_result": {"name": "g", "result": {}}}]},
            ]
        ),
        422,
        "Invalid params: function results after messages[1] do not match its calls",
    ),
    (
        "result id of another call",
        chat(
            messages=[
                USER,
                {"role": "assistant", "content": [{"function_call": {"id": "c1", "name": "f"}}]},
                {
                    "role": "tool",
                    "content": [{"function_result": {"id": "c2", "name": "f", "result": {}}}],
                },
            ]
        ),
        422,
        "Invalid params: function results after messages[1] do not match its calls",
    ),
    (
        "unknown file",
        chat(messages=[{"role": "user", "content": [{"files": [{"id": "nope"}]}]}]),
        404,
        "File nope not found",
    ),
    (
        "temperature zero",
        options(temperature=0),
        422,
        "Invalid params: temperature must be in range (0, +inf)",
    ),
    ("top_p above one", options(top_p=1.5), 422, "Invalid params: top_p must be in range [0, 1]"),
    (
        "repetition_penalty zero",
        options(repetition_penalty=0),
        422,
        "Invalid params: repetition_penalty must be in range (0, +inf)",
    ),
    (
        "max_tokens zero",
        options(max_tokens=0),
        422,
        "Invalid params: max_tokens must be a positive integer",
    ),
    (
        "unknown effort",
        options(reasoning={"effort": "extreme"}),
        422,
        "Invalid params: reasoning.effort must be one of ['high', 'low', 'medium']",
    ),
    (
        "unknown response format",
        options(response_format={"type": "json_object"}),
        422,
        (
            "Invalid params: model_options.response_format.type must be one of "
            "['json_schema', 'regex', 'text']"
        ),
    ),
    (
        "json_schema without schema",
        options(response_format={"type": "json_schema"}),
        422,
        (
            "Invalid params: model_options.response_format.schema must be a non-empty JSON schema "
            "object"
        ),
    ),
    (
        "unsupported regex",
        options(response_format={"type": "regex", "regex": "(?=a)b"}),
        422,
        (
            "Invalid params: model_options.response_format.regex is not supported: lookarounds, "
            "inline flags and special groups are not supported at position 1"
        ),
    ),
    (
        "spec without parameters",
        chat(tools=[{"functions": {"specifications": [{"name": "f"}]}}]),
        422,
        (
            "Invalid params: tools[0].functions.specifications[0].parameters must be a JSON schema "
            "object"
        ),
    ),
    (
        "duplicate function names",
        chat(tools=[{"functions": {"specifications": [SPEC, SPEC]}}]),
        422,
        "Invalid params: function names must be unique: ['f']",
    ),
    (
        "forced unknown function",
        chat(tools=TOOLS, tool_config={"mode": "forced", "function_name": "g"}),
        422,
        "Invalid params: tool_config.function_name 'g' is not among the offered functions",
    ),
    (
        "forced built-in not offered",
        chat(tools=TOOLS, tool_config={"mode": "forced", "tool_name": "web_search"}),
        422,
        "Invalid params: tool_config.tool_name 'web_search' is not among the offered tools",
    ),
    (
        "forced without a name",
        chat(tools=TOOLS, tool_config={"mode": "forced"}),
        422,
        "Invalid params: tool_config mode 'forced' needs exactly one of function_name, tool_name",
    ),
    (
        "name without forced",
        chat(tools=TOOLS, tool_config={"mode": "auto", "function_name": "f"}),
        422,
        "Invalid params: tool_config.function_name/tool_name need mode 'forced'",
    ),
    (
        "unknown mode",
        chat(tools=TOOLS, tool_config={"mode": "required"}),
        422,
        "Invalid params: tool_config.mode must be one of ['any', 'auto', 'forced', 'none']",
    ),
    (
        "unknown any name",
        chat(tools=TOOLS, tool_config={"mode": "any", "functions_names_any": ["g"]}),
        422,
        "Invalid params: tool_config.functions_names_any: unknown ['g']",
    ),
    (
        "forced 3D",
        chat(
            tools=[{"model_3d_generate": {}}],
            tool_config={"mode": "forced", "tool_name": "model_3d_generate"},
        ),
        422,
        "model_3d_generate is not emulated",
    ),
    (
        "assistant_id",
        chat(assistant_id="a-1"),
        422,
        "assistant_id is not emulated: send model and the full messages history",
    ),
    (
        "stored thread",
        chat(storage={"thread_id": "t-1"}),
        422,
        "storage.thread_id is not emulated: send model and the full messages history",
    ),
    ("flags not a list", chat(flags="x"), 422, "Invalid params: flags must be a list of strings"),
]

PREFIX_CASES = [
    ("two keys in a tool", chat(tools=[{"web_search": {}, "image_generate": {}}]), "tools[0]"),
    ("unknown tool", chat(tools=[{"calculator": {}}]), "tools[0] must be an object with exactly"),
    (
        "bad function name",
        chat(tools=[{"functions": {"specifications": [{**SPEC, "name": "1st tool"}]}}]),
        "tools[0].functions.specifications[0].name must start with a Latin letter",
    ),
]


@pytest.fixture
def v2(emu: GigaChatEmulator) -> Iterator[httpx.Client]:
    """An httpx client on the v2 base path with a valid bearer token (fake brain)."""
    headers = {"Authorization": f"Bearer {oauth_token(emu)}"}
    with httpx.Client(base_url=f"{emu.origin}/api/v2", headers=headers, timeout=10) as client:
        yield client


@pytest.mark.parametrize(
    ("body", "status", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_v2_rules(v2: httpx.Client, body: dict[str, Any], status: int, message: str) -> None:
    response = v2.post("/chat/completions", json=body)
    assert response.status_code == status, response.text
    assert response.json() == {"status": status, "message": message}
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("body", "start"), [c[1:] for c in PREFIX_CASES], ids=[c[0] for c in PREFIX_CASES]
)
def test_v2_tool_entry_rules(v2: httpx.Client, body: dict[str, Any], start: str) -> None:
    response = v2.post("/chat/completions", json=body)
    assert response.status_code == 422
    assert response.json()["message"].startswith(f"Invalid params: {start}")


def test_invalid_json_and_no_token(v2: httpx.Client, emu: GigaChatEmulator) -> None:
    bad = v2.post("/chat/completions", content=b'{"model": ')
    assert bad.status_code == 400
    assert bad.json() == {"status": 400, "message": "Your request contains invalid JSON syntax."}
    anonymous = httpx.post(f"{emu.origin}/v2/chat/completions", json=chat())
    assert anonymous.status_code == 401
    assert anonymous.json() == {"status": 401, "message": "Unauthorized"}


def test_image_limit_per_message(v2: httpx.Client, emu: GigaChatEmulator) -> None:
    headers = {"Authorization": v2.headers["Authorization"]}
    ids = [
        httpx.post(
            f"{emu.base_url}/files",
            headers=headers,
            files={"file": (f"{i}.png", b"png", "image/png")},
        ).json()["id"]
        for i in range(2)
    ]
    one = chat(messages=[{"role": "user", "content": [{"text": "x"}, {"files": [{"id": ids[0]}]}]}])
    assert v2.post("/chat/completions", json=one).status_code == 200
    files = [{"id": file_id, "mime": "image/png"} for file_id in ids]
    two = chat(messages=[{"role": "user", "content": [{"files": files}]}])
    response = v2.post("/chat/completions", json=two)
    assert response.status_code == 422
    assert response.json()["message"] == "Invalid params: only one image per message is allowed"


def test_accepted_extras(v2: httpx.Client) -> None:
    """Fields the emulator accepts without acting on them, and echoed answer messages."""
    body = chat(
        messages=[
            {"role": "system", "content": [{"text": "Be brief."}]},
            USER,
            {"role": "reasoning", "content": [{"text": "thinking"}]},
            {
                "role": "assistant",
                "tools_state_id": "state-1",
                "content": [
                    {"text": "Checking", "inline_data": {"images": [], "sources": {}}},
                    {"function_call": {"id": "c1", "name": "f", "arguments": {"a": 1}}},
                ],
            },
            {
                "role": "function",  # v1's result role, accepted on v2 (inferred)
                "tools_state_id": "state-1",
                "content": [{"function_result": {"id": "c1", "name": "f", "result": "plain text"}}],
            },
        ],
        tools=[*TOOLS, {"web_search": {"indexes": ["x"]}}],
        tool_config={"mode": "auto"},
        storage={},
        filter_config={"request_content": {"neuro": True}},
        disable_filter=True,
        flags=["a"],
        user_info={"timezone": "Europe/Moscow"},
        ranker_options={"enabled": False},
        tools_state_id="state-1",
        something_new={"kept": "ignored, as v1 ignores unknown keys"},
        model_options={
            "preset": "default",
            "unnormalized_history": False,
            "top_logprobs": 2,
            "update_interval": 0.1,
            "response_format": {"type": "text"},
        },
    )
    response = v2.post("/chat/completions", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["finish_reason"] == "stop"
