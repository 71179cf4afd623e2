"""Queued exact replies that take precedence over the brain for the next chat calls (FIFO)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class ScriptedReply:
    """One queued successful answer."""

    content: str = ""
    """Assistant text."""
    function_call: dict[str, Any] | None = None
    """``{"name", "arguments"}`` when the answer calls a function."""
    reasoning_content: str | None = None
    """Reasoning text, if any."""
    finish_reason: Literal["stop", "length", "function_call"] = "stop"
    """Reported finish reason."""
    cut_after: int | None = None
    """When streamed, close the connection abruptly after this many chunks."""
    function_calls: tuple[dict[str, Any], ...] = ()
    """Several calls in one answer (v2 only; the v1 route rejects more than one)."""


@dataclass(frozen=True)
class ScriptedError:
    """One queued error answer."""

    status: int
    """HTTP status."""
    message: str
    """Body ``message``."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Extra response headers, e.g. ``Retry-After``."""


ScriptEntry = ScriptedReply | ScriptedError


class Script:
    """FIFO of scripted chat answers; thread-safe."""

    def __init__(self) -> None:
        """Create an empty script."""
        self._queue: deque[ScriptEntry] = deque()
        self._lock = threading.Lock()

    def _push(self, entry: ScriptEntry) -> Script:
        with self._lock:
            self._queue.append(entry)
        return self

    def reply_text(
        self,
        text: str,
        *,
        reasoning: str | None = None,
        finish_reason: Literal["stop", "length"] = "stop",
        cut_after: int | None = None,
    ) -> Script:
        """Queue a text answer (optionally with reasoning text). Returns self for chaining."""
        return self._push(
            ScriptedReply(
                content=text,
                reasoning_content=reasoning,
                finish_reason=finish_reason,
                cut_after=cut_after,
            )
        )

    def reply_function_call(
        self, name: str, arguments: Mapping[str, Any] | None = None, *, cut_after: int | None = None
    ) -> Script:
        """Queue a function call answer; ``arguments`` is sent as a JSON object."""
        call = {"name": name, "arguments": dict(arguments or {})}
        return self._push(
            ScriptedReply(function_call=call, finish_reason="function_call", cut_after=cut_after)
        )

    def reply_function_calls(
        self, calls: list[tuple[str, Mapping[str, Any]]], *, cut_after: int | None = None
    ) -> Script:
        """Queue one answer with several function calls (v2 only); ``(name, arguments)`` pairs."""
        parsed = tuple({"name": name, "arguments": dict(arguments)} for name, arguments in calls)
        if not parsed:
            msg = "reply_function_calls needs at least one call"
            raise ValueError(msg)
        return self._push(
            ScriptedReply(
                function_call=parsed[0],
                function_calls=parsed,
                finish_reason="function_call",
                cut_after=cut_after,
            )
        )

    def reply_error(
        self, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> Script:
        """Queue an error answer with the API's ``{"status", "message"}`` body."""
        return self._push(
            ScriptedError(status=status, message=message, headers=dict(headers or {}))
        )

    def pop(self) -> ScriptEntry | None:
        """Take the oldest queued entry, or None when the script is empty."""
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def clear(self) -> None:
        """Drop every queued entry."""
        with self._lock:
            self._queue.clear()

    def __len__(self) -> int:
        """Number of queued entries."""
        return len(self._queue)
