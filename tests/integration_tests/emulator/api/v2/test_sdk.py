"""The SDK's own v2 client (``client.chat.create/stream/parse``, ``client.achat.*``) against the
emulator's ``/api/v2/chat/completions``: every answer kind parses, round trips work."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from gigachat import GigaChat
from gigachat.context import session_id_cvar
from gigachat.exceptions import LengthFinishReasonError
from gigachat.models.chat_completions import ChatCompletionResponse, ChatMessage
from pydantic import BaseModel

from langchain_gigachat_ext.client.sdk import function_call_id
from langchain_gigachat_ext.emulator import GigaChatEmulator
from tests.integration_tests.emulator.conftest import SDK_MODEL

WEATHER = {
    "name": "get_weather",
    "description": "Current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name."}},
        "required": ["city"],
    },
}
RATE = {
    "name": "get_exchange_rate",
    "description": "Exchange rate of a currency to the rouble.",
    "parameters": {
        "type": "object",
        "properties": {"currency": {"type": "string", "description": "ISO code."}},
        "required": ["currency"],
    },
}
TWO_CALLS = "What is the weather in Moscow and the USD exchange rate?"


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"text": text}]}


def functions(*specs: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"functions": {"specifications": list(specs)}}]


def wire(message: ChatMessage) -> dict[str, Any]:
    """An answer message as the client sends it back (the SDK renames tool_state_id)."""
    return message.model_dump(exclude_none=True, by_alias=True)


def text_of(response: ChatCompletionResponse) -> str:
    assistant = [m for m in response.messages if m.role == "assistant"]
    return "".join(part.text or "" for m in assistant for part in m.content or ())


def test_create_parses_and_matches_the_stream(client: GigaChat) -> None:
    payload = {"messages": [user("Tell me about black holes")]}
    response = client.chat.create(payload)
    assert response.model is not None
    assert response.model.startswith(f"{SDK_MODEL}:")
    assert response.finish_reason == "stop"
    assert [m.role for m in response.messages] == ["assistant"]
    assert response.messages[0].tools_state_id is None
    assert "black holes" in text_of(response)
    usage = response.usage
    assert usage is not None
    assert usage.input_tokens_details is not None
    assert usage.total_tokens == (usage.input_tokens or 0) + (usage.output_tokens or 0)
    assert response.x_headers["x-request-id"]

    chunks = list(client.chat.stream(payload))
    assert [c.event for c in chunks][-1] == "response.message.done"
    assert {c.event for c in chunks[:-1]} == {"response.message.delta"}
    assert len(chunks) > 2
    streamed = "".join(
        part.text or "" for c in chunks for m in c.messages or () for part in m.content or ()
    )
    assert streamed == text_of(response)
    assert chunks[-1].finish_reason == "stop"
    assert chunks[-1].usage == response.usage


async def test_async_create_and_stream(real_emu: GigaChatEmulator) -> None:
    async with GigaChat(**real_emu.client_kwargs(), model=SDK_MODEL) as sdk:
        response = await sdk.achat.create({"messages": [user("Hello")]})
        events = [chunk.event async for chunk in sdk.achat.stream({"messages": [user("Hello")]})]
    assert text_of(response)
    assert events[-1] == "response.message.done"
    assert "response.message.delta" in events


def test_forced_function_round_trip(client: GigaChat) -> None:
    first = client.chat.create(
        {
            "messages": [user("Weather in Paris, please")],
            "tools": functions(WEATHER),
            "tool_config": {"mode": "forced", "function_name": "get_weather"},
        }
    )
    assert first.finish_reason == "function_call"
    call_message = first.messages[0]
    assert call_message.tools_state_id
    assert call_message.content is not None
    call = call_message.content[0].function_call
    assert call is not None
    assert (call.name, call.arguments) == ("get_weather", {"city": "Paris"})
    result = {
        "role": "tool",
        "tools_state_id": call_message.tools_state_id,
        "content": [{"function_result": {"name": "get_weather", "result": {"temp_c": 17}}}],
    }
    second = client.chat.create(
        {
            "messages": [user("Weather in Paris, please"), wire(call_message), result],
            "tools": functions(WEATHER),
        }
    )
    assert second.finish_reason == "stop"
    assert "17" in text_of(second)
    assert second.messages[0].tools_state_id not in {None, call_message.tools_state_id}


@pytest.mark.parametrize("separate_messages", [False, True])
def test_two_calls_in_one_turn_and_both_results(client: GigaChat, separate_messages: bool) -> None:
    tools = functions(WEATHER, RATE)
    first = client.chat.create({"messages": [user(TWO_CALLS)], "tools": tools})
    assert first.finish_reason == "function_call"
    assert len(first.messages) == 1
    parts = first.messages[0].content or []
    calls = [part.function_call for part in parts if part.function_call is not None]
    assert [(c.name, c.arguments) for c in calls] == [
        ("get_weather", {"city": "Moscow"}),
        ("get_exchange_rate", {"currency": "USD"}),
    ]
    ids = [function_call_id(c) for c in calls]
    assert all(ids)
    assert len(set(ids)) == 2
    state = first.messages[0].tools_state_id
    results = [
        {"function_result": {"id": ids[0], "name": "get_weather", "result": {"temp_c": -3}}},
        {"function_result": {"id": ids[1], "name": "get_exchange_rate", "result": {"rub": 91.2}}},
    ]
    if separate_messages:
        answers = [{"role": "tool", "tools_state_id": state, "content": [r]} for r in results]
    else:
        answers = [{"role": "tool", "tools_state_id": state, "content": results}]
    messages = [user(TWO_CALLS), wire(first.messages[0]), *answers]
    second = client.chat.create({"messages": messages, "tools": tools})
    assert second.finish_reason == "stop"
    assert "-3" in text_of(second)
    assert "91.2" in text_of(second)


def test_same_function_for_two_subjects(client: GigaChat) -> None:
    response = client.chat.create(
        {
            "messages": [user("What is the weather in Moscow and in Kazan?")],
            "tools": functions(WEATHER),
        }
    )
    parts = response.messages[0].content or []
    assert [p.function_call.arguments for p in parts if p.function_call] == [
        {"city": "Moscow"},
        {"city": "Kazan"},
    ]


def test_parallel_tool_calls_false_gives_one_call(client: GigaChat) -> None:
    response = client.chat.create(
        {
            "messages": [user(TWO_CALLS)],
            "tools": functions(WEATHER, RATE),
            "model_options": {"parallel_tool_calls": False},
        }
    )
    parts = response.messages[0].content or []
    assert len([p for p in parts if p.function_call]) == 1


def test_streamed_calls_arrive_whole_in_the_done_event(client: GigaChat) -> None:
    chunks = list(
        client.chat.stream({"messages": [user(TWO_CALLS)], "tools": functions(WEATHER, RATE)})
    )
    assert [c.event for c in chunks] == ["response.message.done"]
    done = chunks[0]
    assert done.finish_reason == "function_call"
    assert done.messages is not None
    message = done.messages[0]
    assert message.role == "assistant"
    assert message.tools_state_id
    names = [p.function_call.name for p in message.content or () if p.function_call]
    assert names == ["get_weather", "get_exchange_rate"]


def test_web_search_cites_sources(client: GigaChat) -> None:
    response = client.chat.create(
        {
            "messages": [user("What is new in the latest stable Python release?")],
            "tools": [{"web_search": {"type": "actual_info_web_search"}}],
            "tool_config": {"mode": "forced", "tool_name": "web_search"},
        }
    )
    part = (response.messages[0].content or [])[0]
    assert part.text is not None
    assert "[sources=[1]]" in part.text
    assert part.inline_data is not None
    assert part.inline_data.images == []
    sources = part.inline_data.sources or {}
    assert sorted(sources) == ["1", "2"]
    assert all((s.url or "").split("/")[2].endswith(".example") for s in sources.values())
    assert response.messages[0].tools_state_id


def test_generated_image_downloads(client: GigaChat) -> None:
    response = client.chat.create(
        {"messages": [user("Draw a red fox")], "tools": ["image_generate"]}
    )
    files_part, text_part = response.messages[0].content or []
    assert files_part.files is not None
    file = files_part.files[0]
    assert (file.mime, file.target) == ("image/jpeg", "image")
    assert text_part.text
    assert "fox" in text_part.text
    image = client.get_image(file.id_)
    assert base64.b64decode(image.content)[:3] == b"\xff\xd8\xff"


def test_streamed_image_announces_the_tool_first(client: GigaChat) -> None:
    chunks = list(
        client.chat.stream({"messages": [user("Draw a red fox")], "tools": ["image_generate"]})
    )
    events = [c.event for c in chunks]
    assert events[0] == "response.tool.completed"
    execution = (chunks[0].messages or [])[0].content[0].tool_execution  # type: ignore[index]
    assert execution is not None
    assert (execution.name, execution.status) == ("image_generate", "success")
    first_delta = (chunks[1].messages or [])[0]
    assert first_delta.content is not None
    assert first_delta.content[0].files
    assert events[-1] == "response.message.done"


@pytest.mark.parametrize(
    ("tool", "question", "expected"),
    [
        ("code_interpreter", "Calculate the sum of the first 20 prime numbers. Use code.", "639"),
        (
            "url_content_extraction",
            "Read https://docs.python.org/3/library/pathlib.html and list use cases.",
            "https://docs.python.org/3/library/pathlib.html",
        ),
    ],
)
def test_auto_builtins(client: GigaChat, tool: str, question: str, expected: str) -> None:
    response = client.chat.create(
        {"messages": [user(question)], "tools": [tool], "tool_config": {"mode": "auto"}}
    )
    assert expected in text_of(response)
    assert response.messages[0].tools_state_id


class Answer(BaseModel):
    answer: str
    n: int


def test_parse_json_schema(client: GigaChat) -> None:
    completion, parsed = client.chat.parse(
        {"messages": [user('Return {"answer":"ok","n":3} exactly.')]}, response_format=Answer
    )
    assert isinstance(parsed, Answer)
    assert json.loads(text_of(completion)) == parsed.model_dump()


def test_regex_answer_matches(client: GigaChat) -> None:
    pattern = r"[A-Z]{3}-\d{4}"
    payload = {
        "messages": [user("Generate one support ticket code.")],
        "model_options": {"response_format": {"type": "regex", "regex": pattern}},
    }
    assert re.fullmatch(pattern, text_of(client.chat.create(payload)))


def test_reasoning_comes_first(client: GigaChat) -> None:
    response = client.chat.create(
        {
            "messages": [user("Why is the sky blue?")],
            "model_options": {"reasoning": {"effort": "high"}},
        }
    )
    assert [m.role for m in response.messages] == ["reasoning", "assistant"]
    assert (response.messages[0].content or [])[0].text


def test_max_tokens_cut_is_length(client: GigaChat) -> None:
    payload = {
        "messages": [user("Tell me a long story about a dragon")],
        "model_options": {"max_tokens": 3},
    }
    assert client.chat.create(payload).finish_reason == "length"
    with pytest.raises(LengthFinishReasonError):
        client.chat.parse(payload, response_format=Answer)


def test_cached_tokens_follow_the_session(client: GigaChat) -> None:
    payload = {"messages": [user("Explain compound interest")]}
    token = session_id_cvar.set("v2-session")
    try:
        first = client.chat.create(payload)
        second = client.chat.create(payload)
    finally:
        session_id_cvar.reset(token)
    assert first.usage is not None
    assert second.usage is not None
    assert first.usage.input_tokens_details is not None
    assert second.usage.input_tokens_details is not None
    assert first.usage.input_tokens_details.cached_tokens == 0
    assert (second.usage.input_tokens_details.cached_tokens or 0) > 0


def test_password_auth_on_the_v1_front_end(real_emu: GigaChatEmulator) -> None:
    """``…/v1`` base URL (the IFT stand's layout): ``/v1/token`` then ``/v2/chat/completions``."""
    real_emu.reset()
    base_url = f"{real_emu.origin}/v1"
    with GigaChat(
        base_url=base_url, user=real_emu.user, password=real_emu.password, model=SDK_MODEL
    ) as sdk:
        assert text_of(sdk.chat.create({"messages": [user("Hello")]}))
    paths = [entry["path"] for entry in real_emu.request_log]
    assert paths == ["/v1/token", "/v2/chat/completions"]
