"""The pytest plugin's fixtures and option, used the way a downstream project would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

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


CONVERT = {
    "name": "convert_currency",
    "description": "Convert an amount of money from one currency to another.",
    "parameters": {
        "type": "object",
        "properties": {
            "amount": {"type": "number"},
            "source": {"type": "string"},
            "target": {"type": "string"},
            "rounding": {"type": "integer", "description": "Decimals; 2 for money."},
        },
        "required": ["amount", "source", "target"],
    },
}


def _forced_call(emulator: GigaChatEmulator, text: str) -> dict[str, Any]:
    from gigachat import GigaChat
    from gigachat.models import Chat, Function, Messages

    chat = Chat(
        messages=[Messages(role="user", content=text)],
        functions=[Function.model_validate(CONVERT)],
        function_call={"name": "convert_currency"},
    )
    with GigaChat(**emulator.client_kwargs(), model="GigaChat") as sdk:
        message = sdk.chat(chat).choices[0].message
    assert message.function_call is not None
    return dict(message.function_call.arguments or {})


def test_default_fixture_is_helpful_and_literal_fixture_is_strict(
    gigachat_emulator: GigaChatEmulator, gigachat_emulator_literal: GigaChatEmulator
) -> None:
    assert gigachat_emulator.behaviour == "helpful"
    assert gigachat_emulator_literal.behaviour == "literal"
    assert gigachat_emulator_literal.port != gigachat_emulator.port
    text = "Convert 20 EUR to RUB with rounding 2"
    assert _forced_call(gigachat_emulator, text) == {
        "amount": 20,
        "source": "EUR",
        "target": "RUB",
        "rounding": 2,
    }
    assert _forced_call(gigachat_emulator_literal, text) == {
        "amount": 20,
        "source": "EUR",
        "target": "RUB",
    }


def test_literal_fixture_was_reset(gigachat_emulator_literal: GigaChatEmulator) -> None:
    assert gigachat_emulator_literal.request_log == []


DOWNSTREAM_TEST = """
def test_behaviour(gigachat_emulator):
    assert gigachat_emulator.behaviour == "{expected}"
"""


@pytest.mark.parametrize(
    ("argv", "expected"),
    [([], "helpful"), (["--gigachat-emulator-behaviour", "literal"], "literal")],
    ids=["default", "literal"],
)
def test_command_line_option_sets_the_default_fixture(
    argv: list[str], expected: str, tmp_path: Path
) -> None:
    test_file = tmp_path / "test_downstream.py"
    test_file.write_text(DOWNSTREAM_TEST.format(expected=expected), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "langchain_gigachat_ext.emulator.pytest_plugin",
        "-p",
        "no:cacheprovider",
        "-q",
        *argv,
        str(test_file),
    ]
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_command_line_option_rejects_an_unknown_behaviour(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "langchain_gigachat_ext.emulator.pytest_plugin",
        "--gigachat-emulator-behaviour",
        "creative",
        str(tmp_path),
    ]
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 4  # pytest's usage error
    assert "invalid choice" in result.stderr
