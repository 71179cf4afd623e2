"""The shared SSE reader: the SSE line and event rules, at any byte boundary."""

from __future__ import annotations

import pytest

from langchain_gigachat_ext.chat.sse import SseDecoder, SseEvent


def _events(body: bytes, piece: int) -> list[SseEvent]:
    decoder = SseDecoder()
    events: list[SseEvent] = []
    for start in range(0, len(body), piece):
        events += decoder.feed(body[start : start + piece])
    return events + decoder.close()


CASES = [
    pytest.param(
        b"data: a\n\ndata: [DONE]\n\n",
        [SseEvent("", "a"), SseEvent("", "[DONE]")],
        id="v1 framing",
    ),
    pytest.param(
        b"event: response.message.delta\ndata: {}\n\nevent: response.message.done\ndata: {}\n\n",
        [SseEvent("response.message.delta", "{}"), SseEvent("response.message.done", "{}")],
        id="v2 named events",
    ),
    pytest.param(
        b"data: a\r\n\r\ndata: b\r\rdata: c\n\n", [SseEvent("", s) for s in "abc"], id="line ends"
    ),
    pytest.param(
        b": keep-alive\n\nid: 3\nretry: 5\ndata: x\n\n", [SseEvent("", "x")], id="comments, ids"
    ),
    pytest.param(b"data: 1\ndata: 2\n\n", [SseEvent("", "1\n2")], id="data lines joined"),
    pytest.param(b"data:x\n\ndata:  y\n\n", [SseEvent("", "x"), SseEvent("", " y")], id="space"),
    pytest.param(b"event: e\n\ndata: z\n\n", [SseEvent("", "z")], id="no data, no event"),
    pytest.param(b"data: last", [SseEvent("", "last")], id="last event without its blank line"),
    pytest.param(
        'data: "a\u2028b\x85c"\n\n'.encode(),
        [SseEvent("", '"a\u2028b\x85c"')],
        id="unicode line separators inside data are text",
    ),
    pytest.param("data: привет\n\n".encode(), [SseEvent("", "привет")], id="utf-8 split"),
]


@pytest.mark.parametrize(("body", "expected"), CASES)
@pytest.mark.parametrize("piece", [1, 2, 3, 10_000])
def test_decoder(body: bytes, expected: list[SseEvent], piece: int) -> None:
    assert _events(body, piece) == expected
