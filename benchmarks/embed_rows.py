"""Embeddings row: ``embed_documents`` of 10,000 texts at 200 ms per request, business scope."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from bench_common import OFFICIAL, OURS, SDK, Endpoint, Row, median, rotations

LATENCY = 0.2
"""Seconds the emulator takes to answer each ``/embeddings`` request."""
SCOPE = "GIGACHAT_API_B2B"
"""A business scope: the one whose default quota allows concurrent requests."""
TEXTS = 10_000
QUICK_TEXTS = 2_000
RUNS = 5
"""Timed runs of ours and of the SDK, in turn (medians reported); the official package runs
once (it is sequential)."""
OFFICIAL_BATCH = 100
"""Texts per call for the official package, which sends all it is given in one request (the
emulator answers 413 over 100 texts), so its user loops over slices."""
EFFICIENCY_TARGET = 0.95

ACCOUNT_QUOTA: int | None = None
"""Concurrent requests the account may have in flight. None until the package knows quotas:
the ideal then assumes the quota does not limit (it equals the concurrency)."""


def texts(count: int) -> list[str]:
    """Short, distinct customer questions (the same list for every contender)."""
    return [f"Customer question {i}: how do I transfer money abroad?" for i in range(count)]


def ideal_seconds(batches: int, concurrency: int, latency: float, quota: int | None) -> float:
    """``ceil(batches / min(concurrency, quota)) × latency``: full waves, zero client CPU.

    Args:
        batches: Requests the call makes.
        concurrency: Requests the client keeps in flight.
        latency: Seconds per request.
        quota: The account's concurrent-request quota (None: no known limit).
    """
    lanes = concurrency if quota is None else min(concurrency, quota)
    return math.ceil(batches / lanes) * latency


def _seconds(job: Callable[[], object]) -> float:
    started = time.perf_counter()
    job()
    return time.perf_counter() - started


def embeddings_row(endpoint: Endpoint, *, quick: bool) -> Row:
    """Ours with its default batch size and concurrency against the ideal.

    For information: the raw SDK's ``embeddings`` over the same slices with the same number of
    threads (what this machine and emulator allow a bare client), and the official package.
    """
    from gigachat import GigaChat as SdkClient
    from langchain_gigachat import GigaChatEmbeddings as OfficialEmbeddings

    from langchain_gigachat_ext import GigaChatEmbeddings

    inputs = texts(QUICK_TEXTS if quick else TEXTS)
    ours = GigaChatEmbeddings(**endpoint.client_kwargs(SCOPE))
    official = OfficialEmbeddings(**endpoint.client_kwargs(SCOPE))
    sdk = SdkClient(**endpoint.client_kwargs(SCOPE))
    batch, concurrency = ours.batch_size, ours.max_concurrency
    slices = [inputs[start : start + batch] for start in range(0, len(inputs), batch)]

    def ours_job() -> None:
        vectors = ours.embed_documents(inputs)
        if len(vectors) != len(inputs):
            msg = f"expected {len(inputs)} vectors, got {len(vectors)}"
            raise RuntimeError(msg)

    def sdk_job() -> None:
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda chunk: sdk.embeddings(chunk).data, slices))

    def official_job() -> None:
        for start in range(0, len(inputs), OFFICIAL_BATCH):
            official.embed_documents(inputs[start : start + OFFICIAL_BATCH])

    # Untimed: connections, tokens and the emulator's vector cache are warm for all alike.
    ours_job()
    sdk_job()
    official.embed_documents(inputs[:OFFICIAL_BATCH])
    jobs = {OURS: ours_job, SDK: sdk_job}
    samples: dict[str, list[float]] = {OURS: [], SDK: []}
    runs = 1 if quick else RUNS
    for order in rotations(list(jobs), runs):
        for name in order:
            samples[name].append(_seconds(jobs[name]))
    official_seconds = _seconds(official_job)
    ours_samples = samples[OURS]
    batches = len(slices)
    ideal = ideal_seconds(batches, concurrency, LATENCY, ACCOUNT_QUOTA)
    measured, sdk_measured = median(ours_samples), median(samples[SDK])
    quota = "= concurrency (none known yet)" if ACCOUNT_QUOTA is None else str(ACCOUNT_QUOTA)
    row = Row(
        f"embed_documents {len(inputs):,} texts, {SCOPE}, {LATENCY * 1000:.0f} ms per request",
        "s",
        {OURS: measured, SDK: sdk_measured, OFFICIAL: official_seconds},
        note=(
            f"defaults batch_size={batch}, max_concurrency={concurrency}; quota {quota}; "
            f"ideal ceil({batches} / {concurrency}) × {LATENCY:g} s = {ideal:.2f} s; ours median "
            f"of {runs} (best {ideal / min(ours_samples):.0%} of ideal); SDK (info): "
            f"`.embeddings` of the same slices on {concurrency} threads, in turn with ours, "
            f"{ideal / sdk_measured:.0%}; official (info): one run, slices of {OFFICIAL_BATCH} in "
            f"sequence, {ideal / official_seconds:.0%}"
        ),
        extra={"ideal_s": ideal, "samples_s": samples, "batches": batches},
    )
    return row.judge(ideal / measured, "ideal/ours", at_least=EFFICIENCY_TARGET, percent=True)
