"""The in-process runner: the uvicorn server it configures."""

from __future__ import annotations

from langchain_gigachat_ext.emulator.runner import GigaChatEmulator, uvicorn_server


def test_idle_connections_are_kept_as_long_as_the_api_keeps_them() -> None:
    # PROTOCOL §3.3: the GigaChat stands answer "Keep-Alive: timeout=15".
    server = uvicorn_server(GigaChatEmulator().state)
    assert server.config.timeout_keep_alive == 15
