"""Soak: thousands of mixed calls under injected 429/503 and short-lived tokens, on loopback.

Prints the figures (calls, retries seen by the server, OAuth requests, elapsed, memory) so they
can be quoted; asserts 0 unexpected errors, 0 duplicated or lost chunks, and flat memory.
"""

from __future__ import annotations

import asyncio
import gc
import time
import tracemalloc
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from langchain_gigachat_ext import ChatGigaChat, GigaChatEmbeddings
from langchain_gigachat_ext.emulator import GigaChatEmulator

CALLS = 2_000
"""Total calls (invoke : stream : embedding = 2 : 2 : 1)."""
CONCURRENCY = 32
"""Calls in flight at once."""
FAILURE_RATE = 0.05
"""Share of API requests answered 429 or 503."""
TOKEN_TTL = 5.0
"""Token lifetime in seconds: many refreshes during the run (each token is used for at most
half its life; shorter lifetimes race the in-process server's own latency under tracemalloc)."""
MEMORY_GROWTH_LIMIT = 1_500_000
"""Allowed traced-memory growth (bytes) between the end of the 2nd and of the 4th quarter."""
PROMPTS = [f"Tell me fact number {i} about cats" for i in range(16)]


@pytest.fixture(scope="module")
def soak_emulator() -> Iterator[GigaChatEmulator]:
    """A private emulator (its fault knobs must not leak into other tests)."""
    with GigaChatEmulator(token_ttl=TOKEN_TTL) as emu:
        yield emu


def _embedding_call(emu: GigaChatEmulator) -> tuple[Callable[[str], Awaitable[Any]], str]:
    embedder = GigaChatEmbeddings(**emu.client_kwargs(), max_retries=5, retry_backoff_factor=0.005)
    return embedder.aembed_query, "GigaChatEmbeddings.aembed_query"


async def _run(emu: GigaChatEmulator) -> dict[str, Any]:
    llm = ChatGigaChat(**emu.client_kwargs(), max_retries=5, retry_backoff_factor=0.005)
    expected = {p: str((await llm.ainvoke(p)).content) for p in PROMPTS}
    embed, embed_kind = _embedding_call(emu)
    await embed("warm up")
    emu.reset()
    emu.faults.failure_rate = FAILURE_RATE
    emu.faults.failure_statuses = (429, 503)

    outcomes: Counter[str] = Counter()
    unexpected: list[str] = []
    log_totals: Counter[str] = Counter()
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(index: int) -> None:
        prompt = PROMPTS[index % len(PROMPTS)]
        kind = ("invoke", "stream", "invoke", "stream", "embed")[index % 5]
        async with semaphore:
            try:
                if kind == "invoke":
                    text = str((await llm.ainvoke(prompt)).content)
                elif kind == "stream":
                    text = "".join([str(c.content) async for c in llm.astream(prompt)])
                else:
                    vector = await embed(prompt)
                    text = expected[prompt] if len(vector) > 0 else ""
            except Exception as error:
                unexpected.append(f"{kind}: {type(error).__name__}: {error}")
                return
        outcomes[kind] += 1
        if text != expected[prompt]:
            outcomes[f"{kind} mismatch"] += 1

    def drain_log() -> None:
        entries = list(emu.request_log)
        emu.state.log.clear()  # keep the in-process emulator's memory flat
        for entry in entries:
            if entry["oauth"]:
                log_totals["oauth"] += 1
            elif entry["status"] in (429, 503):
                log_totals[f"status {entry['status']}"] += 1
            else:
                log_totals["ok requests"] += 1

    quarter = CALLS // 4
    snapshots: list[int] = []
    tracemalloc.start()
    started = time.monotonic()
    try:
        for q in range(4):
            await asyncio.gather(*(one(i) for i in range(q * quarter, (q + 1) * quarter)))
            drain_log()
            gc.collect()
            snapshots.append(tracemalloc.get_traced_memory()[0])
    finally:
        elapsed = time.monotonic() - started
        tracemalloc.stop()
        emu.reset()
    return {
        "calls": sum(outcomes[k] for k in ("invoke", "stream", "embed")) + len(unexpected),
        "outcomes": dict(outcomes),
        "unexpected": unexpected,
        "log": dict(log_totals),
        "elapsed": elapsed,
        "memory": snapshots,
        "embed_kind": embed_kind,
    }


@pytest.mark.timeout(240)
async def test_soak_mixed_calls_under_faults(soak_emulator: GigaChatEmulator) -> None:
    figures = await _run(soak_emulator)
    memory = figures["memory"]
    growth = memory[3] - memory[1]
    retries = figures["log"].get("status 429", 0) + figures["log"].get("status 503", 0)
    print(
        f"\nSOAK calls={figures['calls']} outcomes={figures['outcomes']} "
        f"unexpected_errors={len(figures['unexpected'])}\n"
        f"SOAK server log: {figures['log']} (retried failures={retries})\n"
        f"SOAK elapsed={figures['elapsed']:.1f}s concurrency={CONCURRENCY} "
        f"failure_rate={FAILURE_RATE} token_ttl={TOKEN_TTL}s embeddings={figures['embed_kind']}\n"
        f"SOAK traced memory by quarter (bytes)={memory} growth Q2->Q4={growth}"
    )

    assert figures["unexpected"] == [], [u[:90] for u in figures["unexpected"]]
    assert figures["calls"] == CALLS
    assert not [k for k in figures["outcomes"] if k.endswith("mismatch")]  # no dup/lost chunks
    assert retries > 0  # faults really were injected and absorbed
    assert figures["log"]["oauth"] > 1  # short tokens really were refreshed
    assert growth < MEMORY_GROWTH_LIMIT
