"""A worker process of the shared-limiter tests, configured by ``GIGACHAT_*`` variables.

``python -m tests.integration_tests.client.quota_worker batch N``: ``abatch`` of N prompts at
``max_concurrency=8``, then one JSON line ``{"failed": ..., "seconds": ...}``.
``… hold``: start a stream, print ``streaming`` after its first chunk, then keep reading.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from langchain_gigachat_ext import ChatGigaChat


async def _batch(count: int) -> None:
    llm = ChatGigaChat()
    prompts = [f"worker prompt {i}" for i in range(count)]
    started = time.perf_counter()
    results = await llm.abatch(prompts, config={"max_concurrency": 8}, return_exceptions=True)
    seconds = time.perf_counter() - started
    failed = [repr(r)[:200] for r in results if isinstance(r, Exception)]
    print(json.dumps({"failed": len(failed), "errors": failed[:3], "seconds": seconds}), flush=True)


def _hold() -> None:
    llm = ChatGigaChat()
    for index, _ in enumerate(llm.stream("Tell me a very long story about a cat")):
        if index == 0:
            print("streaming", flush=True)


def main() -> None:
    """Run the mode named on the command line."""
    if sys.argv[1] == "batch":
        asyncio.run(_batch(int(sys.argv[2])))
    else:
        _hold()


if __name__ == "__main__":
    main()
