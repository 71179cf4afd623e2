"""``embed_documents`` of 10,000 texts against an emulator with 50 ms latency per request."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import httpx
from bench_common import Endpoint, Row, ms, verdict
from chat_bench import bearer, fetch_token

TEXTS = 10_000
BATCH = 100
"""Items per request: the emulator's (inferred) limit, ``MAX_EMBEDDING_BATCH_ITEMS``."""


def texts(count: int = TEXTS) -> list[str]:
    """Short, distinct customer questions."""
    return [f"Customer question {i}: how do I transfer money abroad?" for i in range(count)]


def _official_batched(endpoint: Endpoint, inputs: list[str]) -> float:
    """langchain-gigachat sends all texts in one request (413 for 10,000), so a user loops."""
    from langchain_gigachat import GigaChatEmbeddings as OfficialEmbeddings

    model = OfficialEmbeddings(**endpoint.client_kwargs())
    model.embed_documents(["warm-up"])
    started = time.perf_counter()
    for start in range(0, len(inputs), BATCH):
        model.embed_documents(inputs[start : start + BATCH])
    return time.perf_counter() - started


def _official_single_call(endpoint: Endpoint) -> str:
    from langchain_gigachat import GigaChatEmbeddings as OfficialEmbeddings

    try:
        OfficialEmbeddings(**endpoint.client_kwargs()).embed_documents(texts(BATCH + 1))
    except Exception as error:
        return type(error).__name__
    return "ok"


def _floor(endpoint: Endpoint, inputs: list[str], concurrency: int) -> float:
    token = fetch_token(endpoint)

    async def main() -> float:
        gate = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(
            base_url=endpoint.base_url, headers=bearer(token), timeout=60
        ) as http:

            async def one(batch: list[str]) -> Any:
                async with gate:
                    response = await http.post(
                        "/embeddings", json={"model": "Embeddings", "input": batch}
                    )
                    response.raise_for_status()
                    return response.json()

            await one(["warm-up"])
            started = time.perf_counter()
            batches = [inputs[i : i + BATCH] for i in range(0, len(inputs), BATCH)]
            await asyncio.gather(*(one(batch) for batch in batches))
            return time.perf_counter() - started

    return asyncio.run(main())


def embeddings_row(endpoint: Endpoint, latency: float) -> Row:
    """Ours with its defaults vs the official package (batched by hand) vs the httpx floor."""
    inputs = texts()
    requests = math.ceil(len(inputs) / BATCH)
    name = f"embed_documents {TEXTS:,} texts @ {ms(latency):.0f} ms latency"
    try:
        from langchain_gigachat_ext.embeddings import GigaChatEmbeddings
    except ImportError:
        return Row(name, "ms", ours=None, target="≥ 90 % of ideal, < official", verdict="pending")
    model = GigaChatEmbeddings(**endpoint.client_kwargs())
    model.embed_documents(["warm-up"])
    concurrency = int(getattr(model, "max_concurrency", 1))
    started = time.perf_counter()
    vectors = model.embed_documents(inputs)
    ours = time.perf_counter() - started
    if len(vectors) != len(inputs):
        msg = f"expected {len(inputs)} vectors, got {len(vectors)}"
        raise RuntimeError(msg)
    official = _official_batched(endpoint, inputs)
    floor = _floor(endpoint, inputs, concurrency)
    ideal = math.ceil(requests / concurrency) * latency
    efficiency = ideal / ours
    row = Row(name, "ms", ours=ms(ours), official=ms(official), floor=ms(floor))
    row.target = "≥ 90 % of ideal, < official"
    row.verdict = verdict(efficiency >= 0.9 and ours < official)
    row.note = (
        f"{requests} requests, max_concurrency={concurrency}: ideal {ms(ideal):.0f} ms, ours "
        f"{efficiency:.0%}, httpx floor {ideal / floor:.0%}; official: one call of "
        f"{BATCH + 1} texts → {_official_single_call(endpoint)}, so timed in sequential batches of {BATCH}"
    )
    row.extra = {"ideal_ms": ms(ideal), "efficiency": efficiency, "concurrency": concurrency}
    return row
