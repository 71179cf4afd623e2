"""Rows measured in fresh processes: import time and the memory of a long stream."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench_common import OFFICIAL, OURS, SDK, Endpoint, Row, median, ms, without_bytecode_flag

HERE = Path(__file__).resolve().parent

IMPORTS = {
    OURS: "from langchain_gigachat_ext import ChatGigaChat",
    OFFICIAL: "from langchain_gigachat import GigaChat",
    SDK: "from gigachat import GigaChat",
}
"""The statement a chat application runs first, per contender."""
IMPORT_RUNS, QUICK_IMPORT_RUNS = 9, 3

MEMORY_LENGTHS = (2_000, 10_000)
FLAT_BYTES_PER_CHUNK = 8.0
""""Flat": the longer stream may cost at most this many bytes per extra chunk (64 KB over
8,000 chunks); keeping each chunk would cost hundreds."""


def _import_seconds(statement: str) -> float:
    code = f"import time; s = time.perf_counter(); {statement}; print(time.perf_counter() - s)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return float(result.stdout.strip())


def import_row(*, quick: bool) -> Row:
    """Median time of each contender's import statement in a fresh interpreter, bytecode warm."""
    for statement in IMPORTS.values():  # writes the bytecode, as a wheel install would have
        subprocess.run(
            [sys.executable, "-c", statement], check=True, timeout=60, env=without_bytecode_flag()
        )
    runs = QUICK_IMPORT_RUNS if quick else IMPORT_RUNS
    samples: dict[str, list[float]] = {name: [] for name in IMPORTS}
    for _ in range(runs):  # the contenders in turn
        for name, statement in IMPORTS.items():
            samples[name].append(_import_seconds(statement))
    values = {name: ms(median(times)) for name, times in samples.items()}
    row = Row(
        "import the chat model (fresh process, bytecode warm)",
        "ms",
        values,
        note=f"median of {runs}; `{IMPORTS[OURS]}` vs `{IMPORTS[OFFICIAL]}` (SDK: info)",
    )
    return row.judge(values[OURS] / values[OFFICIAL], "ours/official", at_most=1.0)


def _growth(endpoint: Endpoint, contender: str, chunks: int) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(HERE / "memory_worker.py"), endpoint.origin, contender, str(chunks)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return dict(json.loads(result.stdout))


def memory_row(endpoint: Endpoint) -> Row:
    """Traced memory growth over a 2,000- and a 10,000-chunk stream: ours ``_stream``, SDK."""
    short, long = MEMORY_LENGTHS
    growth = {c: {n: _growth(endpoint, c, n) for n in MEMORY_LENGTHS} for c in (OURS, SDK)}

    def kib(contender: str, chunks: int) -> float:
        return float(growth[contender][chunks]["growth_bytes"]) / 1024

    def per_chunk(contender: str) -> float:
        return (kib(contender, long) - kib(contender, short)) * 1024 / (long - short)

    received = growth[OURS][long]["chunks"]
    row = Row(
        f"_stream memory growth over {long:,} chunks (tracemalloc)",
        "KiB",
        {OURS: kib(OURS, long), SDK: kib(SDK, long)},
        note=(
            f"{short:,} chunks: ours {kib(OURS, short):.0f} KiB, SDK {kib(SDK, short):.0f} KiB; "
            f"bytes per extra chunk: ours {per_chunk(OURS):.1f}, SDK {per_chunk(SDK):.1f} "
            f"(target ≤ {FLAT_BYTES_PER_CHUNK:g}); ours received {received:,} chunks"
        ),
        extra={"growth": growth},
    )
    row.judge(per_chunk(OURS), "B per extra chunk", at_most=FLAT_BYTES_PER_CHUNK)
    return row
