"""The request log redacts secrets at any depth."""

from __future__ import annotations

from langchain_gigachat_ext.emulator.server.requestlog import redact


def test_redact_nested_secrets() -> None:
    data = {
        "Authorization": "Bearer x",
        "messages": [{"password": "p", "content": "ok"}],
        "tok": "t",
    }
    assert redact(data) == {
        "Authorization": "REDACTED",
        "messages": [{"password": "REDACTED", "content": "ok"}],
        "tok": "REDACTED",
    }
