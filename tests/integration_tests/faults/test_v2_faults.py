"""The v2 chat API shares v1's auth, retry and stream-safety rules: checked on the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gigachat_ext import GigaChatRateLimitError, GigaChatStreamInterruptedError
from tests.integration_tests.faults.helpers import (
    chat_entries,
    chat_model,
    oauth_entries,
    wait_until,
)

PROMPT = "Tell me a long story about a cat"


def test_v2_retries_429_and_5xx(emu: Any, retry_delays: list[float]) -> None:
    emu.faults.fail_first(2, 503)
    llm = chat_model(emu, api_version="v2")
    assert llm.invoke("Hi").text
    assert len(retry_delays) == 2
    assert [e["status"] for e in chat_entries(emu)] == [503, 503, 200]
    assert all(e["path"].endswith("/v2/chat/completions") for e in chat_entries(emu))


async def test_v2_rate_limit_exhausted_is_typed(emu: Any, retry_delays: list[float]) -> None:
    emu.faults.fail_first(10, 429, retry_after=0)
    llm = chat_model(emu, api_version="v2", max_retries=1)
    with pytest.raises(GigaChatRateLimitError):
        await llm.ainvoke("Hi")
    assert len(retry_delays) == 1


@pytest.mark.parametrize("streaming", [False, True])
def test_v2_401_on_cached_token_refreshes_once_and_replays(emu: Any, streaming: bool) -> None:
    emu.faults.unauthorized_after = 1
    llm = chat_model(emu, api_version="v2", streaming=streaming)
    assert llm.invoke("Hi").text
    assert llm.invoke("Hi again").text
    assert wait_until(lambda: len(emu.request_log) >= 5)  # streams are logged when they end
    log = [(e["oauth"], e["status"]) for e in emu.request_log]
    assert log == [(True, 200), (False, 200), (False, 401), (True, 200), (False, 200)]
    assert len(oauth_entries(emu)) == 2


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_v2_stream_cut_midway_raises_with_partial_text(emu: Any, asynchronous: bool) -> None:
    emu.faults.cut_stream_after = 2
    llm = chat_model(emu, api_version="v2")
    received: list[str] = []
    with pytest.raises(GigaChatStreamInterruptedError) as caught:
        if asynchronous:
            async for chunk in llm.astream(PROMPT):
                received.append(chunk.text)
        else:
            for chunk in llm.stream(PROMPT):
                received.append(chunk.text)
    assert received, "the chunks before the cut were delivered"
    assert "".join(received).endswith(caught.value.partial_text[-20:])
    assert len(chat_entries(emu)) == 1, "a stream that produced output is never retried"
