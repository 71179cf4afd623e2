"""Client-side ``stop`` sequences: the GigaChat API has no such field (peers.md (d)).

The output is cut at the first occurrence of any stop sequence (the sequence itself is not
returned, as with OpenAI). In a stream, text that might be the start of a stop sequence is
held back until it is clear, so nothing after a stop sequence ever reaches the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def cut_at_stop(text: str, stop: Sequence[str] | None) -> tuple[str, bool]:
    """``text`` up to the first stop sequence, and whether one was found."""
    if not stop:
        return text, False
    positions = [index for seq in stop if seq and (index := text.find(seq)) >= 0]
    if not positions:
        return text, False
    return text[: min(positions)], True


def cut_content_at_stop(
    content: str | list[Any], stop: Sequence[str] | None
) -> tuple[str | list[Any], bool]:
    """:func:`cut_at_stop` for message content, a string or a list of strings and blocks.

    In a list the first text (a string or a ``text`` block) holding a stop sequence is cut there
    and everything after it is dropped, as the model would not have produced it.
    """
    if isinstance(content, str):
        return cut_at_stop(content, stop)
    if not stop:
        return content, False
    for position, item in enumerate(content):
        is_block = isinstance(item, dict) and item.get("type") == "text"
        text = item.get("text", "") if is_block else item
        if not isinstance(text, str):
            continue
        cut, hit = cut_at_stop(text, stop)
        if hit:
            kept = {**item, "text": cut} if is_block else cut
            return [*content[:position], kept], True
    return content, False


class StopSequenceFilter:
    """Incremental :func:`cut_at_stop` for streamed text."""

    def __init__(self, stop: Sequence[str] | None) -> None:
        """Create a filter for ``stop`` (None or empty passes everything through)."""
        self._stop = [seq for seq in (stop or ()) if seq]
        self._hold = max((len(seq) for seq in self._stop), default=1) - 1
        self._pending = ""
        self.stopped = False
        """True once a stop sequence was seen; later input is discarded."""

    def feed(self, text: str) -> str:
        """Add streamed text; return the part that is safe to emit now."""
        if self.stopped:
            return ""
        if not self._stop:
            return text
        buffer = self._pending + text
        cut, found = cut_at_stop(buffer, self._stop)
        if found:
            self.stopped = True
            self._pending = ""
            return cut
        safe_length = max(len(buffer) - self._hold, 0)
        self._pending = buffer[safe_length:]
        return buffer[:safe_length]

    def feed_items(self, items: Sequence[Any]) -> list[Any]:
        """Add streamed list content: strings and ``text`` blocks are filtered in order.

        Held-back text is released before any block (a stop sequence cannot span a block, as
        :func:`cut_content_at_stop` treats items one by one); after a stop nothing more passes.
        """
        out: list[Any] = []
        for item in items:
            if self.stopped:
                break
            if isinstance(item, str):
                if text := self.feed(item):
                    out.append(text)
                continue
            if held := self.flush():
                out.append(held)
            if isinstance(item, dict) and item.get("type") == "text":
                cut, hit = cut_at_stop(str(item.get("text", "")), self._stop)
                if hit:
                    self.stopped = True
                    out.append({**item, "text": cut})
                    break
            out.append(item)
        return out

    def flush(self) -> str:
        """The held-back tail at the end of the stream (or before a block)."""
        tail, self._pending = self._pending, ""
        return "" if self.stopped else tail
