"""One worker process of the four-process quota row (configured by ``GIGACHAT_*`` variables).

``python quota_worker.py COUNT``: signs in, prints ``ready``, reads the common start time
(``time.time()`` units) from stdin and waits for it, so every worker starts together with its
imports and token done; then runs ``abatch`` of COUNT prompts at ``max_concurrency=8`` and
prints one JSON line: ``{"failed", "absorbed", "ended"}``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from langchain_gigachat_ext import ChatGigaChat


async def main(count: int) -> None:
    """Warm up, wait for the common start, run the batch and report."""
    llm = ChatGigaChat(model="GigaChat")
    await llm.ainvoke("warm up")  # token and connection, before the common start
    print("ready", flush=True)
    start = float(await asyncio.to_thread(sys.stdin.readline))
    await asyncio.sleep(max(0.0, start - time.time()))
    prompts = [f"worker {start} prompt {i}" for i in range(count)]
    results = await llm.abatch(prompts, config={"max_concurrency": 8}, return_exceptions=True)
    ended = time.time()
    failed = sum(isinstance(result, Exception) for result in results)
    absorbed = sum(
        result.response_metadata["quota"]["absorbed_429"]
        for result in results
        if not isinstance(result, Exception)
    )
    print(json.dumps({"failed": failed, "absorbed": absorbed, "ended": ended}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
