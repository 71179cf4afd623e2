"""The in-process runner: the uvicorn server it configures, the behaviour it serves."""

from __future__ import annotations

import pytest

from langchain_gigachat_ext.emulator.brain.core import Brain
from langchain_gigachat_ext.emulator.cli import build_parser
from langchain_gigachat_ext.emulator.runner import GigaChatEmulator, uvicorn_server


def test_idle_connections_are_kept_as_long_as_the_api_keeps_them() -> None:
    # PROTOCOL §3.3: the GigaChat stands answer "Keep-Alive: timeout=15".
    server = uvicorn_server(GigaChatEmulator().state)
    assert server.config.timeout_keep_alive == 15


def test_behaviour_is_helpful_unless_chosen() -> None:
    assert GigaChatEmulator().behaviour == "helpful"
    literal = GigaChatEmulator(behaviour="literal")
    assert literal.behaviour == "literal"
    assert literal.state.brain.behaviour == "literal"


def test_behaviour_is_checked_and_not_mixed_with_a_brain() -> None:
    with pytest.raises(ValueError, match="helpful, literal"):
        GigaChatEmulator(behaviour="creative")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="either brain or behaviour"):
        GigaChatEmulator(brain=Brain(), behaviour="literal")
    assert GigaChatEmulator(brain=Brain(behaviour="literal")).behaviour == "literal"


@pytest.mark.parametrize(
    ("argv", "expected"), [([], "helpful"), (["--behaviour", "literal"], "literal")]
)
def test_cli_behaviour_flag(argv: list[str], expected: str) -> None:
    assert build_parser().parse_args(argv).behaviour == expected


def test_cli_rejects_an_unknown_behaviour() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--behaviour", "creative"])
