"""The pytest plugin's fixture, used the way a downstream project would."""

from __future__ import annotations

import httpx

from langchain_gigachat_ext.emulator import GigaChatEmulator

pytest_plugins = ["langchain_gigachat_ext.emulator.pytest_plugin"]


def test_fixture_serves_and_starts_clean(gigachat_emulator: GigaChatEmulator) -> None:
    assert gigachat_emulator.request_log == []
    assert len(gigachat_emulator.script) == 0
    gigachat_emulator.script.reply_text("left over")
    response = httpx.get(f"{gigachat_emulator.base_url}/models")
    assert response.status_code == 401


def test_fixture_was_reset(gigachat_emulator: GigaChatEmulator) -> None:
    assert len(gigachat_emulator.script) == 0
    assert gigachat_emulator.request_log == []


def test_default_brain_answers_through_the_sdk(gigachat_emulator: GigaChatEmulator) -> None:
    from gigachat import GigaChat

    with GigaChat(**gigachat_emulator.client_kwargs(), model="GigaChat") as sdk:
        completion = sdk.chat("Hello")
        chunks = list(sdk.stream("Hello"))
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].finish_reason in {"stop", "length"}
    assert chunks[-1].choices[0].finish_reason in {"stop", "length"}
    streamed = "".join(chunk.choices[0].delta.content for chunk in chunks)
    assert streamed == completion.choices[0].message.content  # deterministic brain
