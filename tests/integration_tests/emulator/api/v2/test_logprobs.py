"""``model_options.top_logprobs`` through the SDK: synthetic ``logprobs`` come back, top-level."""

from __future__ import annotations

from typing import Any

from gigachat import GigaChat
from gigachat.models.chat_completions import ChatLogprob

WEATHER = {
    "name": "get_weather",
    "description": "Current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def payload(top: int | None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messages": [{"role": "user", "content": [{"text": "Tell me about black holes"}]}],
        **fields,
    }
    if top is not None:
        body["model_options"] = {"top_logprobs": top}
    return body


def _check(logprobs: list[ChatLogprob] | None, top: int, output_tokens: int | None) -> None:
    assert logprobs is not None
    assert len(logprobs) == output_tokens
    for entry in logprobs:
        assert entry.top is not None
        assert len(entry.top) == top
        assert entry.top[0] == entry.chosen


def test_create_returns_one_entry_per_output_token(client: GigaChat) -> None:
    response = client.chat.create(payload(3))
    assert response.usage is not None
    _check(response.logprobs, 3, response.usage.output_tokens)
    text = "".join(part.text or "" for m in response.messages for part in m.content or ())
    assert "".join(entry.chosen.token for entry in response.logprobs or () if entry.chosen) == text
    assert client.chat.create(payload(3)).logprobs == response.logprobs  # deterministic


def test_no_logprobs_unless_asked(client: GigaChat) -> None:
    assert client.chat.create(payload(None)).logprobs is None
    assert all(chunk.logprobs is None for chunk in client.chat.stream(payload(None)))


def test_stream_puts_them_on_the_done_event(client: GigaChat) -> None:
    chunks = list(client.chat.stream(payload(2)))
    assert [c.event for c in chunks if c.logprobs is not None] == ["response.message.done"]
    done = chunks[-1]
    assert done.usage is not None
    _check(done.logprobs, 2, done.usage.output_tokens)
    assert done.logprobs == client.chat.create(payload(2)).logprobs


def test_function_call_answers_cover_the_call(client: GigaChat) -> None:
    response = client.chat.create(
        payload(
            1,
            tools=[{"functions": {"specifications": [WEATHER]}}],
            tool_config={"mode": "forced", "function_name": "get_weather"},
        )
    )
    assert response.finish_reason == "function_call"
    assert response.usage is not None
    _check(response.logprobs, 1, response.usage.output_tokens)
    tokens = "".join(entry.chosen.token for entry in response.logprobs or () if entry.chosen)
    assert tokens.startswith("get_weather{")
