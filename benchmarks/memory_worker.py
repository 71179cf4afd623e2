"""Memory growth of one long stream, measured in a fresh process (tracemalloc).

Usage: ``python memory_worker.py ORIGIN CONTENDER CHUNKS`` (CONTENDER ``ours`` or ``sdk``) →
prints one JSON object.

The emulator answers a function result with its value quoted verbatim (``function_result_answer``
in ``emulator/brain/text.py``) and streams 4 words per chunk, so a result of ``4 × CHUNKS``
one-letter words yields about ``CHUNKS`` SSE chunks from a small request. Growth is measured from
the first chunk to the end of the stream, so the request itself does not count.
"""

from __future__ import annotations

import json
import sys
import tracemalloc
from collections.abc import Iterable
from typing import Any

from bench_common import MODEL, Endpoint
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

QUESTION = "Dump the text"


def _history(chunks: int) -> tuple[list[Any], dict[str, Any]]:
    result = json.dumps({"text": " ".join(["w"] * (4 * chunks))})
    messages = [
        HumanMessage(QUESTION),
        AIMessage("", tool_calls=[{"name": "dump", "args": {}, "id": "call-1"}]),
        ToolMessage(result, tool_call_id="call-1", name="dump"),
    ]
    body = {
        "model": MODEL,
        "messages": [
            {"role": "user", "content": QUESTION},
            {
                "role": "assistant",
                "content": "",
                "function_call": {"name": "dump", "arguments": {}},
            },
            {"role": "function", "name": "dump", "content": result},
        ],
    }
    return messages, body


def _stream(contender: str, endpoint: Endpoint, chunks: int) -> Iterable[Any]:
    messages, body = _history(chunks)
    if contender == "sdk":
        from gigachat import GigaChat as SdkClient

        return SdkClient(**endpoint.client_kwargs(), model=MODEL).stream(body)
    from langchain_gigachat_ext import ChatGigaChat

    # The package's own streaming path, without langchain-core's BaseChatModel.stream(), which
    # keeps every chunk to report the final message to callbacks.
    model = ChatGigaChat(**endpoint.client_kwargs(), model=MODEL)
    return model._stream(messages)  # noqa: SLF001


def main() -> None:
    origin, contender, chunks = sys.argv[1], sys.argv[2], int(sys.argv[3])
    endpoint = Endpoint(origin)
    tracemalloc.start()
    base = 0
    received = 0
    for _ in _stream(contender, endpoint, chunks):
        received += 1
        if received == 1:
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
    peak = tracemalloc.get_traced_memory()[1]
    print(json.dumps({"growth_bytes": peak - base, "chunks": received}))


if __name__ == "__main__":
    main()
