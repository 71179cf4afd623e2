"""Quota rows: batches on an emulator that enforces the account's quota of requests in flight.

The emulator answers 429 beyond ``--max-concurrent`` requests (as GigaChat does beyond an
account's quota). Ideal = ``ceil(requests / quota) × latency``: full waves, zero client CPU.
Rejections are counted in the emulator's request log (status 429 after the timed start).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench_common import MODEL, OFFICIAL, OURS, Endpoint, Row, emulator

HERE = Path(__file__).resolve().parent
SCOPE = "GIGACHAT_API_B2B"
"""A business scope: the client starts from the documented default quota (10) and learns 3."""
LATENCY = 0.1
QUOTA = 3
PROMPTS = 60
CONCURRENCY = 8
WORKERS = 4
EMBED_TEXTS = 2_000
EMBED_QUOTA = 2
EMBED_LATENCY = 0.2


def ideal(requests: int, quota: int, latency: float) -> float:
    """``ceil(requests / quota) × latency``."""
    return math.ceil(requests / quota) * latency


def _rejected_since(log: Path, since: float) -> int:
    count = 0
    with log.open(encoding="utf-8") as lines:
        for line in lines:
            entry = json.loads(line)
            if entry["status"] == 429 and entry["ts"] >= since:
                count += 1
    return count


@contextmanager
def quota_emulator(quota: int, latency: float) -> Iterator[tuple[Endpoint, Path]]:
    """An emulator enforcing ``quota``, with its request log in a temporary file."""
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "requests.jsonl"
        extra = ("--max-concurrent", str(quota), "--request-log", str(log))
        with emulator(latency=latency, extra=extra) as endpoint:
            yield endpoint, log


def _verdict(  # noqa: PLR0917 - the row and the figures it is judged on
    row: Row, ratio: float, at_least: float, failed: int, rejected: float, cap: float
) -> Row:
    row.judge(ratio, "ideal/ours", at_least=at_least, percent=True)
    row.target = f"≥ {at_least:.0%}, 0 failed, ≤ {cap:.0%} rejected"
    row.passed = bool(row.passed) and failed == 0 and rejected <= cap
    return row


def one_process_row() -> Row:
    """``abatch`` of 60 prompts at ``max_concurrency=8`` against quota 3, 100 ms answers."""
    from langchain_gigachat import GigaChat as Official

    from langchain_gigachat_ext import ChatGigaChat

    prompts = [f"Question {i}: what is a quota?" for i in range(PROMPTS)]
    with quota_emulator(QUOTA, LATENCY) as (endpoint, log):
        ours = ChatGigaChat(**endpoint.client_kwargs(SCOPE), model=MODEL)
        official = Official(**endpoint.client_kwargs(SCOPE), model=MODEL, max_retries=2)
        ours.invoke("warm up")
        official.invoke("warm up")

        async def run(model: Any) -> tuple[float, int]:
            started = time.perf_counter()
            results = await model.abatch(
                prompts, config={"max_concurrency": CONCURRENCY}, return_exceptions=True
            )
            return time.perf_counter() - started, sum(isinstance(r, Exception) for r in results)

        since = time.time()
        seconds, failed = asyncio.run(run(ours))
        rejected = _rejected_since(log, since)
        time.sleep(1.0)
        since_official = time.time()
        official_seconds, official_failed = asyncio.run(run(official))
        official_rejected = _rejected_since(log, since_official)
    best = ideal(PROMPTS, QUOTA, LATENCY)
    share = rejected / (PROMPTS + rejected)
    row = Row(
        f"abatch {PROMPTS} prompts, max_concurrency={CONCURRENCY}, quota {QUOTA}, "
        f"{LATENCY * 1000:.0f} ms answers, one process",
        "s",
        {OURS: seconds, OFFICIAL: official_seconds},
        note=(
            f"ideal ceil({PROMPTS}/{QUOTA}) × {LATENCY:g} s = {best:.1f} s; ours {failed} failed, "
            f"{rejected} rejected with 429 ({share:.0%} of requests); official (info, "
            f"max_retries=2): {official_failed} failed, {official_rejected} rejected, "
            f"{best / official_seconds:.0%} of ideal"
        ),
        extra={"failed": failed, "rejected": rejected, "ideal_s": best},
    )
    return _verdict(row, best / seconds, 0.90, failed, share, 0.10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway ``redis-server`` on 127.0.0.1 without persistence."""
    import redis

    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url)
        try:
            for _ in range(200):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            yield url
        finally:
            client.close()
            process.terminate()
            process.wait(10)


def four_processes_row() -> Row:
    """Four processes × 15 prompts on one account, sharing quota 3 through Redis."""
    name = (
        f"{WORKERS} processes × {PROMPTS // WORKERS} prompts through Redis, quota {QUOTA}, "
        f"{LATENCY * 1000:.0f} ms answers"
    )
    if shutil.which("redis-server") is None:
        return Row(name, "s", {}, passed=False, target="(error)", note="redis-server missing")
    with quota_emulator(QUOTA, LATENCY) as (endpoint, log), redis_server() as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIGACHAT_")}
        kwargs = endpoint.client_kwargs(SCOPE)
        env.update(
            GIGACHAT_BASE_URL=kwargs["base_url"],
            GIGACHAT_AUTH_URL=kwargs["auth_url"],
            GIGACHAT_CREDENTIALS=kwargs["credentials"],
            GIGACHAT_SCOPE=SCOPE,
            GIGACHAT_SHARED_LIMITER_URL=url,
        )
        workers = [
            subprocess.Popen(
                [sys.executable, str(HERE / "quota_worker.py"), str(PROMPTS // WORKERS)],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(WORKERS)
        ]
        for worker in workers:  # imported, signed in and warmed up
            assert worker.stdout is not None  # noqa: S101 - stdout=PIPE
            worker.stdout.readline()
        start = time.time() + 0.2
        for worker in workers:  # every worker learns the start before any result is read
            assert worker.stdin is not None  # noqa: S101 - stdin=PIPE
            worker.stdin.write(f"{start}\n")
            worker.stdin.flush()
        reports = [
            json.loads(worker.communicate(timeout=300)[0].splitlines()[-1]) for worker in workers
        ]
        rejected = _rejected_since(log, start)
    seconds = max(report["ended"] for report in reports) - start
    failed = sum(report["failed"] for report in reports)
    best = ideal(PROMPTS, QUOTA, LATENCY)
    share = rejected / (PROMPTS + rejected)
    row = Row(
        name,
        "s",
        {OURS: seconds},
        note=(
            f"ideal {best:.1f} s; {failed} failed, {rejected} rejected with 429 ({share:.0%}); "
            "wall from the common start to the last worker's end"
        ),
        extra={"failed": failed, "rejected": rejected, "ideal_s": best},
    )
    return _verdict(row, best / seconds, 0.85, failed, share, 0.20)


def embeddings_row() -> Row:
    """``embed_documents`` of 2,000 texts under quota 2, 200 ms per request."""
    from langchain_gigachat_ext import GigaChatEmbeddings

    texts = [f"Customer question {i}: how do I transfer money abroad?" for i in range(EMBED_TEXTS)]
    with quota_emulator(EMBED_QUOTA, EMBED_LATENCY) as (endpoint, log):
        ours = GigaChatEmbeddings(**endpoint.client_kwargs(SCOPE))
        ours.embed_query("warm up")
        since = time.time()
        started = time.perf_counter()
        vectors = ours.embed_documents(texts)
        seconds = time.perf_counter() - started
        rejected = _rejected_since(log, since)
        sample = range(0, EMBED_TEXTS, 97)
        in_order = all(vectors[i] == ours.embed_documents([texts[i]])[0] for i in sample)
    batches = math.ceil(EMBED_TEXTS / ours.batch_size)
    best = ideal(batches, EMBED_QUOTA, EMBED_LATENCY)
    row = Row(
        f"embed_documents {EMBED_TEXTS:,} texts under quota {EMBED_QUOTA}, "
        f"{EMBED_LATENCY * 1000:.0f} ms per request",
        "s",
        {OURS: seconds},
        note=(
            f"ideal ceil({batches}/{EMBED_QUOTA}) × {EMBED_LATENCY:g} s = {best:.1f} s; "
            f"{len(vectors)} vectors, in order: {in_order}; {rejected} rejected with 429"
        ),
        extra={"rejected": rejected, "ideal_s": best, "in_order": in_order},
    )
    row.judge(best / seconds, "ideal/ours", at_least=0.85, percent=True)
    row.target = "≥ 85%, in order, 0 failed"
    row.passed = bool(row.passed) and in_order and len(vectors) == EMBED_TEXTS
    return row
