"""The script: queued replies and errors come out first in, first out."""

from __future__ import annotations

from langchain_gigachat_ext.emulator.script import Script, ScriptedError, ScriptedReply


def test_script_is_fifo() -> None:
    script = Script().reply_text("a").reply_error(429, "Too many requests", {"Retry-After": "2"})
    assert script.pop() == ScriptedReply(content="a")
    assert script.pop() == ScriptedError(429, "Too many requests", {"Retry-After": "2"})
    assert script.pop() is None
