r"""The one server-sent-events reader both chat dialects stream through.

The SSE rules: a body is lines ended by ``\r\n``, ``\n`` or ``\r``; ``field: value`` lines
(one leading space of the value dropped) accumulate into an event that a blank line ends;
lines starting with ``:`` are comments; several ``data:`` lines join with ``\n``. v1 sends
``data:`` only (PROTOCOL §6.3), v2 names its events with ``event:`` (§7.3).

Lines are split here on the raw bytes rather than by ``httpx.Response.iter_lines``, because
that one splits like ``str.splitlines`` — on ``\u2028``, ``\x85`` and other characters a
JSON string may carry unescaped — and would cut a ``data:`` line in two. One departure from
the rules, as in the SDK: an event still open at the end of the body (no blank line after it)
is delivered, not dropped; the dialect's completeness rule decides whether the stream ended
well.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx

_LINE_END = re.compile(rb"\r\n|\n|\r")


@dataclass(frozen=True)
class SseEvent:
    """One dispatched event."""

    event: str
    """The ``event:`` name; empty when the block had none (every v1 event)."""
    data: str
    """The ``data:`` lines joined with ``\\n``."""


class SseDecoder:
    r"""Bytes of an SSE body in, completed events out.

    Example:
        ```python
        decoder = SseDecoder()
        decoder.feed(b"event: a\r\ndata: 1\r\n\r\ndata: ")  # [SseEvent(event='a', data='1')]
        decoder.feed(b"[DONE]\n\n")  # [SseEvent(event='', data='[DONE]')]
        decoder.close()  # []
        ```
    """

    def __init__(self) -> None:  # noqa: D107 - nothing to configure
        self._pending = b""
        self._after_cr = False  # the last bytes ended in "\r": a "\n" next completes that end
        self._event = ""
        self._data: list[str] = []

    def feed(self, data: bytes) -> list[SseEvent]:
        """The events the next bytes of the body complete."""
        if self._after_cr and data.startswith(b"\n"):
            data = data[1:]
        self._after_cr = data.endswith(b"\r")
        lines = _LINE_END.split(self._pending + data)
        self._pending = lines.pop()
        events: list[SseEvent] = []
        for line in lines:
            self._line(line, events)
        return events

    def close(self) -> list[SseEvent]:
        """The event still open when the body ended (see the module docstring)."""
        events: list[SseEvent] = []
        if self._pending:
            self._line(self._pending, events)
        self._pending = b""
        self._line(b"", events)
        return events

    def _line(self, raw: bytes, events: list[SseEvent]) -> None:
        if not raw:
            if self._data:
                events.append(SseEvent(self._event, "\n".join(self._data)))
            self._event, self._data = "", []
            return
        line = raw.decode("utf-8", "replace")
        if line.startswith(":"):
            return
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value


def iter_events(response: httpx.Response) -> Iterator[SseEvent]:
    """The events of a streamed response, as its body arrives."""
    decoder = SseDecoder()
    for data in response.iter_bytes():
        yield from decoder.feed(data)
    yield from decoder.close()


async def aiter_events(response: httpx.Response) -> AsyncIterator[SseEvent]:
    """:func:`iter_events` for an async response."""
    decoder = SseDecoder()
    async for data in response.aiter_bytes():
        for event in decoder.feed(data):
            yield event
    for event in decoder.close():
        yield event
