"""Throughput of GigaChatEmbeddings per (batch_size, max_concurrency) on the emulator.

Embeds N texts (default 10,000) against an emulator child process (its own CPU and GIL, as in
``make bench``) whose ``--latency`` is 50 ms, and compares the wall time with the ideal
``ceil(ceil(N / batch_size) / max_concurrency) * latency`` (requests fully overlapped, zero
client and server CPU). Target: >= 90 % of ideal. Also prints the emulator's own capacity
(raw httpx, latency 0) and the client's CPU per request. Run
``.venv/bin/python benchmarks/embeddings_bench.py``; ``--strict`` exits 1 when the default
configuration misses the target.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from bench_common import Endpoint, emulator  # noqa: E402 - after the path set-up
from embed_rows import emulator_capacity, texts  # noqa: E402

from langchain_gigachat_ext.embeddings import GigaChatEmbeddings  # noqa: E402

TARGET = 0.90
DEFAULT = (
    int(GigaChatEmbeddings.model_fields["batch_size"].default),
    int(GigaChatEmbeddings.model_fields["max_concurrency"].default),
)
"""The class defaults of (batch_size, max_concurrency)."""
CONFIGS = tuple(dict.fromkeys((DEFAULT, (100, 4), (50, 8), (100, 8), (50, 4), (25, 16))))
"""(batch_size, max_concurrency) pairs measured; the first is the default."""
RUNS = 3
"""Timed runs per configuration and mode (median reported)."""


@dataclass(frozen=True)
class Result:
    """One measured configuration."""

    mode: str
    batch_size: int
    concurrency: int
    requests: int
    ideal_s: float
    measured_s: float
    """Median wall time."""
    best_s: float
    """Fastest run."""
    client_cpu_s: float
    """Median CPU time of this (client) process for one run."""

    @property
    def efficiency(self) -> float:
        """Ideal time over the median measured time (1.0 = ideal)."""
        return self.ideal_s / self.measured_s


def measure(
    endpoint: Endpoint, inputs: list[str], *, batch: int, workers: int, mode: str, latency: float
) -> Result:
    """Embed ``inputs`` ``RUNS`` times with one configuration."""
    model = GigaChatEmbeddings(
        **endpoint.client_kwargs(), batch_size=batch, max_concurrency=workers
    )
    walls: list[float] = []
    cpus: list[float] = []
    for run in range(RUNS + 1):  # the first run warms the connections and token
        cpu, started = time.process_time(), time.perf_counter()
        if mode == "sync":
            vectors = model.embed_documents(inputs)
        else:
            vectors = asyncio.run(model.aembed_documents(inputs))
        wall = time.perf_counter() - started
        if len(vectors) != len(inputs):
            msg = f"expected {len(inputs)} vectors, got {len(vectors)}"
            raise RuntimeError(msg)
        del vectors
        if run:
            walls.append(wall)
            cpus.append(time.process_time() - cpu)
    requests = math.ceil(len(inputs) / batch)
    ideal = math.ceil(requests / workers) * latency
    return Result(
        mode,
        batch,
        workers,
        requests,
        ideal,
        statistics.median(walls),
        min(walls),
        statistics.median(cpus),
    )


def main(argv: list[str] | None = None) -> int:
    """Measure every configuration in sync and async mode and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=10_000, help="texts to embed")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--strict", action="store_true", help="exit 1 below the target")
    args = parser.parse_args(argv)
    inputs = texts(args.n)
    capacity = emulator_capacity(DEFAULT[0])
    results: list[Result] = []
    with emulator(latency=args.latency) as endpoint:
        for batch, workers in CONFIGS:
            for mode in ("sync", "async"):
                results.append(
                    measure(
                        endpoint,
                        inputs,
                        batch=batch,
                        workers=workers,
                        mode=mode,
                        latency=args.latency,
                    )
                )
    for label in ("cold", "warm"):
        per_request = capacity[f"{label}_server_cpu_ms_per_request"]
        print(
            f"Emulator alone, {label} (latency 0, sequential raw httpx, batches of {DEFAULT[0]}): "
            f"{capacity[f'{label}_texts_per_s']:,.0f} texts/s; its CPU {per_request:.1f} ms per "
            f"request (≈ {DEFAULT[0] * 1000 / per_request:,.0f} texts/s per core)"
        )
    print(f"Embedding {args.n:,} texts, {args.latency * 1000:.0f} ms per request, median of {RUNS}")
    print(
        f"{'mode':<6} {'batch':>5} {'conc':>4} {'reqs':>5} {'ideal s':>8} {'median s':>8} "
        f"{'% ideal':>8} {'best %':>7} {'texts/s':>8} {'cpu ms/req':>10}"
    )
    for result in results:
        print(
            f"{result.mode:<6} {result.batch_size:>5} {result.concurrency:>4} "
            f"{result.requests:>5} {result.ideal_s:>8.2f} {result.measured_s:>8.2f} "
            f"{result.efficiency:>8.1%} {result.ideal_s / result.best_s:>7.1%} "
            f"{args.n / result.measured_s:>8,.0f} "
            f"{result.client_cpu_s * 1000 / result.requests:>10.2f}"
        )
    default = [r for r in results if (r.batch_size, r.concurrency) == DEFAULT]
    missed = [r for r in default if r.efficiency < TARGET]
    print(f"default {DEFAULT}: target >= {TARGET:.0%} of ideal {'missed' if missed else 'met'}")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
