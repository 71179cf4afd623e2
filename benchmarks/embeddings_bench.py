"""Throughput of GigaChatEmbeddings on the emulator with a fixed per-request latency.

Embeds N texts (default 10,000) with ``emu.faults.latency`` = 50 ms and compares the wall time
with the ideal ``ceil(N / batch_size) / max_concurrency * latency`` (requests fully overlapped,
zero client overhead). Target: >= 90 % of ideal. Run ``python benchmarks/embeddings_bench.py``;
``--strict`` exits 1 when a configuration misses the target. The ``cpu s`` column repeats the
run with zero latency: with the emulator in this process (one GIL) encoding and decoding
100 x 1024 floats per request costs more CPU than the 50 ms latency, which bounds the result.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in {None, ""}:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_gigachat_ext.embeddings import GigaChatEmbeddings
from langchain_gigachat_ext.emulator import GigaChatEmulator

TARGET = 0.90
CONFIGS = ((100, 4), (100, 10), (50, 10), (100, 20))
"""(batch_size, max_concurrency) pairs measured."""


@dataclass(frozen=True)
class Row:
    """One measured configuration."""

    mode: str
    batch_size: int
    concurrency: int
    requests: int
    ideal_s: float
    measured_s: float
    floor_s: float
    """The same run with zero latency: client + in-process emulator CPU (JSON of 1024 floats)."""

    @property
    def efficiency(self) -> float:
        """Ideal time over measured time (1.0 = ideal)."""
        return self.ideal_s / self.measured_s


def run(
    emu: GigaChatEmulator, texts: list[str], *, batch: int, workers: int, mode: str, latency: float
) -> Row:
    model = GigaChatEmbeddings(**emu.client_kwargs(), batch_size=batch, max_concurrency=workers)
    emu.faults.latency = 0.0
    model.embed_documents(["прогрев"])  # token fetch and connection set-up stay out of the timing
    if mode == "async":
        asyncio.run(model.aembed_documents(["прогрев"]))
    floor, _ = _timed(model, texts, mode)
    emu.faults.latency = latency
    elapsed, vectors = _timed(model, texts, mode)
    if len(vectors) != len(texts):
        msg = f"expected {len(texts)} vectors, got {len(vectors)}"
        raise RuntimeError(msg)
    requests = math.ceil(len(texts) / batch)
    ideal = math.ceil(requests / workers) * latency
    return Row(mode, batch, workers, requests, ideal, elapsed, floor)


def _timed(
    model: GigaChatEmbeddings, texts: list[str], mode: str
) -> tuple[float, list[list[float]]]:
    started = time.perf_counter()
    if mode == "sync":
        vectors = model.embed_documents(texts)
    else:
        vectors = asyncio.run(model.aembed_documents(texts))
    return time.perf_counter() - started, vectors


def main(argv: list[str] | None = None) -> int:
    """Measure every configuration in sync and async mode and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="texts to embed")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--strict", action="store_true", help="exit 1 below the target")
    args = parser.parse_args(argv)
    texts = [f"Вопрос клиента номер {i}: как перевести деньги по СБП?" for i in range(args.n)]
    rows: list[Row] = []
    with GigaChatEmulator() as emu:
        for batch, workers in CONFIGS:
            for mode in ("sync", "async"):
                rows.append(
                    run(emu, texts, batch=batch, workers=workers, mode=mode, latency=args.latency)
                )
    print(f"Embedding {args.n} texts, {args.latency * 1000:.0f} ms per request (emulator)")
    print(
        f"{'mode':<6} {'batch':>5} {'conc':>4} {'reqs':>5} {'ideal s':>8} {'real s':>7} {'% ideal':>8} {'texts/s':>8} {'cpu s':>6} {'overlap':>8}"
    )
    for row in rows:
        print(
            f"{row.mode:<6} {row.batch_size:>5} {row.concurrency:>4} {row.requests:>5} "
            f"{row.ideal_s:>8.2f} {row.measured_s:>7.2f} {row.efficiency:>8.1%} "
            f"{args.n / row.measured_s:>8.0f} {row.floor_s:>6.2f}"
        )
    missed = [row for row in rows if row.efficiency < TARGET]
    print(
        f"target >= {TARGET:.0%} of ideal: {'met' if not missed else f'missed by {len(missed)} row(s)'}"
    )
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
