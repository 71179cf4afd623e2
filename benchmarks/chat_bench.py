"""Chat measurements: invoke, stream, abatch, cold start and the emulator's own capacity.

Each contender is the call a user would write: ``ChatGigaChat.invoke`` (ours), the official
``langchain_gigachat.GigaChat.invoke``, the raw SDK's ``GigaChat.chat(payload)`` and a bare
``httpx`` POST with a pre-fetched token (the floor: no client library at all).
"""

from __future__ import annotations

import asyncio
import json
import math
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from bench_common import MODEL, Endpoint, Row, interleaved, ms, verdict
from langchain_core.messages import HumanMessage

INVOKE_PROMPT = "Hello"
STREAM_PROMPT = "Tell me a story about a brave cat"
BATCH_SIZE = 200
COLD_CALLS = 100
SCOPE = "GIGACHAT_API_PERS"


def payload(prompt: str) -> dict[str, Any]:
    """The v1 chat body every contender sends."""
    return {"model": MODEL, "messages": [{"role": "user", "content": prompt}]}


def ours(endpoint: Endpoint, **extra: Any) -> Any:
    """Our chat model, connected to the emulator."""
    from langchain_gigachat_ext import ChatGigaChat

    return ChatGigaChat(**endpoint.client_kwargs(), model=MODEL, **extra)


def official(endpoint: Endpoint, **extra: Any) -> Any:
    """``langchain-gigachat`` 0.5.1's chat model."""
    from langchain_gigachat import GigaChat

    return GigaChat(**endpoint.client_kwargs(), model=MODEL, **extra)


def sdk(endpoint: Endpoint, **extra: Any) -> Any:
    """The raw ``gigachat`` SDK client."""
    from gigachat import GigaChat

    return GigaChat(**endpoint.client_kwargs(), model=MODEL, **extra)


def fetch_token(endpoint: Endpoint) -> str:
    """One OAuth exchange with plain httpx."""
    headers = {
        "Authorization": f"Basic {endpoint.client_kwargs()['credentials']}",
        "RqUID": str(uuid.uuid4()),
    }
    response = httpx.post(endpoint.auth_url, headers=headers, data={"scope": SCOPE})
    response.raise_for_status()
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    """Authorization header for the floor."""
    return {"Authorization": f"Bearer {token}"}


# --- invoke ---------------------------------------------------------------------------------------
def invoke_row(endpoint: Endpoint) -> list[Row]:
    """Median latency of one non-streaming call, warm clients, token already fetched."""
    model, official_model, client = ours(endpoint), official(endpoint), sdk(endpoint)
    messages = [HumanMessage(INVOKE_PROMPT)]
    body = payload(INVOKE_PROMPT)
    http = httpx.Client(base_url=endpoint.base_url, headers=bearer(fetch_token(endpoint)))

    def floor() -> object:
        response = http.post("/chat/completions", json=body)
        response.raise_for_status()
        return response.json()

    medians = interleaved(
        {
            "ours": lambda: model.invoke(messages),
            "sdk": lambda: client.chat(body),
            "official": lambda: official_model.invoke(messages),
            "floor": floor,
            "ours_path": lambda: model._generate(messages),  # noqa: SLF001
            "official_path": lambda: official_model._generate(messages),  # noqa: SLF001
        },
        warmup=30,
        runs=400,
    )
    http.close()
    row = Row(
        "invoke (latency 0)",
        "ms",
        **{k: ms(medians[k]) for k in ("ours", "sdk", "official", "floor")},
    )
    ratio = row.ratio(row.sdk) or 0.0
    row.target, row.verdict = "≤ 1.25× SDK", verdict(ratio <= 1.25)
    return [row, adapter_path_row("invoke", medians, 1.25)]


def adapter_path_row(name: str, medians: dict[str, float], limit: float) -> Row:
    """The same call through each integration's own code only (``_generate``/``_stream``).

    ``.invoke()``/``.stream()`` add langchain-core's callback and run-tree machinery, the same
    for every integration; this row shows what each adapter itself costs over the SDK call
    (issue 3: "the adapter's own overhead"), judged against the same ``limit``.
    """
    row = Row(
        f"{name}: adapter path only (no langchain-core wrapper)",
        "ms",
        ours=ms(medians["ours_path"]),
        sdk=ms(medians["sdk"]),
        official=ms(medians["official_path"]),
        floor=ms(medians["floor"]),
    )
    row.target = f"≤ {limit:.2f}× SDK"
    row.verdict = verdict((row.ratio(row.sdk) or 0.0) <= limit)
    return row


# --- stream ---------------------------------------------------------------------------------------
def _timed(chunks: Any, has_text: Callable[[Any], bool]) -> tuple[float, float, int]:
    started = time.perf_counter()
    first = None
    count = 0
    for chunk in chunks:
        count += 1
        if first is None and has_text(chunk):
            first = time.perf_counter() - started
    return first or 0.0, time.perf_counter() - started, count


def stream_rows(endpoint: Endpoint, runs: int = 150, warmup: int = 20) -> list[Row]:
    """Time to first text chunk and total time of a short streamed story.

    The official model gets ``streaming=True``: its default ``streaming=False`` makes
    langchain-core 1.7's ``.stream()`` fall back to one non-streaming call.
    """
    model, client = ours(endpoint), sdk(endpoint)
    official_model = official(endpoint, streaming=True)
    messages = [HumanMessage(STREAM_PROMPT)]
    body = payload(STREAM_PROMPT)
    http = httpx.Client(base_url=endpoint.base_url, headers=bearer(fetch_token(endpoint)))

    def floor_chunks() -> Any:
        with http.stream("POST", "/chat/completions", json={**body, "stream": True}) as response:
            for line in response.iter_lines():
                if line.startswith("data:") and not line.endswith("[DONE]"):
                    yield json.loads(line[5:])

    def lc_text(chunk: Any) -> bool:
        return bool(chunk.content)

    def sdk_text(chunk: Any) -> bool:
        return bool(chunk.choices and chunk.choices[0].delta.content)

    def floor_text(chunk: Any) -> bool:
        return bool(chunk["choices"][0]["delta"].get("content"))

    def generation_text(chunk: Any) -> bool:
        return bool(chunk.text)

    contenders: dict[str, Callable[[], tuple[float, float, int]]] = {
        "ours": lambda: _timed(model.stream(messages), lc_text),
        "sdk": lambda: _timed(client.stream(body), sdk_text),
        "official": lambda: _timed(official_model.stream(messages), lc_text),
        "floor": lambda: _timed(floor_chunks(), floor_text),
        "ours_path": lambda: _timed(model._stream(messages), generation_text),  # noqa: SLF001
        "official_path": lambda: _timed(
            official_model._stream(messages),  # noqa: SLF001
            generation_text,
        ),
    }
    samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in contenders}
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    for _ in range(runs):  # one stream of each contender in turn (see bench_common.interleaved)
        for name, fn in contenders.items():
            samples[name].append(fn())
    http.close()
    first_all = {k: ms(statistics.median(s[0] for s in v)) for k, v in samples.items()}
    total_all = {k: ms(statistics.median(s[1] for s in v)) for k, v in samples.items()}
    first = {k: first_all[k] for k in ("ours", "sdk", "official", "floor")}
    total = {k: total_all[k] for k in ("ours", "sdk", "official", "floor")}
    chunks = samples["floor"][0][2]
    ttfc = Row("stream: time to first chunk", "ms", **first, note=f"{chunks} SSE chunks")
    ttfc.target = "(info)"
    whole = Row("stream: total", "ms", **total)
    whole.target, whole.verdict = "≤ 1.15× SDK", verdict((whole.ratio(whole.sdk) or 0) <= 1.15)
    path = adapter_path_row("stream total", {k: v / 1000 for k, v in total_all.items()}, 1.15)
    return [ttfc, whole, path]


# --- abatch ---------------------------------------------------------------------------------------
Job = Callable[[int], Awaitable[object]]
"""One contender's batch: ``job(n)`` runs ``n`` calls with the contender's client."""


def _interleaved_batches(
    endpoint: Endpoint, makers: dict[str, Callable[[], Job]], runs: int, warm_calls: int
) -> tuple[dict[str, float], float]:
    """Median seconds of ``runs`` batches of :data:`BATCH_SIZE` per contender, in turns.

    Every client lives in ONE event loop (the SDK's async client is bound to the loop that
    created its httpx.AsyncClient); after one warm-up batch of ``warm_calls`` each, the
    contenders' batches alternate, the order rotating every run, so drift of a shared VM meets
    all of them alike. Also returns the emulator's busy share during ours' batches.
    """

    async def main() -> tuple[dict[str, float], float]:
        jobs = {name: make() for name, make in makers.items()}
        for job in jobs.values():
            await job(warm_calls)
        samples: dict[str, list[float]] = {name: [] for name in jobs}
        server_cpu = ours_wall = 0.0
        order = list(jobs)
        for run in range(runs):
            for name in order[run % len(order) :] + order[: run % len(order)]:
                cpu_before = endpoint.server_cpu_seconds()
                started = time.perf_counter()
                await jobs[name](BATCH_SIZE)
                samples[name].append(time.perf_counter() - started)
                if name == "ours":
                    server_cpu += endpoint.server_cpu_seconds() - cpu_before
                    ours_wall += samples[name][-1]
        medians = {name: statistics.median(values) for name, values in samples.items()}
        return medians, server_cpu / ours_wall if ours_wall else 0.0

    return asyncio.run(main())


ABATCH_CONCURRENCY = (4, 16, 50, 200)
"""``max_concurrency`` levels of the abatch sweep (the same for every contender)."""

ABATCH_TARGET_CONCURRENCY = 4
"""The level the ≥ 90 % target applies to: the highest level at which the client's CPU for one
wave (``c`` calls × ~1 ms) stays under 10 % of the 50 ms latency (see benchmarks/README.md)."""


def concurrency_ideal(calls: int, concurrency: int, latency: float) -> float:
    """Seconds ``calls`` requests need at best: ``ceil(calls / concurrency)`` waves of latency."""
    return math.ceil(calls / concurrency) * latency


def _abatch_seconds(
    endpoint: Endpoint, concurrency: int, runs: int
) -> tuple[dict[str, float], float]:
    """Median seconds per contender at one concurrency, and the emulator's busy share (ours)."""
    inputs = [[HumanMessage(INVOKE_PROMPT)] for _ in range(BATCH_SIZE)]
    body = payload(INVOKE_PROMPT)
    config = {"max_concurrency": concurrency}
    # A pool as large as the concurrency for every contender, so the pool never queues calls.
    pool = {"max_connections": concurrency}

    def ours_job() -> Job:
        model = ours(endpoint, **pool)
        return lambda n: model.abatch(inputs[:n], config=config)

    def official_job() -> Job:
        model = official(endpoint, **pool)
        return lambda n: model.abatch(inputs[:n], config=config)

    def gated(call: Callable[[], Awaitable[object]]) -> Job:
        async def run(n: int) -> object:
            gate = asyncio.Semaphore(concurrency)

            async def one() -> object:
                async with gate:
                    return await call()

            return await asyncio.gather(*(one() for _ in range(n)))

        return run

    def sdk_job() -> Job:
        client = sdk(endpoint, **pool)
        return gated(lambda: client.achat(body))

    token = fetch_token(endpoint)

    def floor_job() -> Job:
        limits = httpx.Limits(max_connections=concurrency)  # keep-alive: httpx's default
        http = httpx.AsyncClient(base_url=endpoint.base_url, headers=bearer(token), limits=limits)

        async def one() -> object:
            response = await http.post("/chat/completions", json=body)
            response.raise_for_status()
            return response.json()

        return gated(one)

    warm = min(BATCH_SIZE, 4 * concurrency)  # opens the pool, fetches the token, warms code
    makers = {"ours": ours_job, "sdk": sdk_job, "official": official_job, "floor": floor_job}
    return _interleaved_batches(endpoint, makers, runs, warm)


def abatch_rows(endpoint: Endpoint, latency: float, runs: int = 3) -> list[Row]:
    """``abatch`` of 200 calls at ``latency`` per answer, for each ``max_concurrency`` level.

    The ideal is ``ceil(200 / concurrency) × latency``; the target applies at
    :data:`ABATCH_TARGET_CONCURRENCY` (median of ``runs``), the other levels (median of 2)
    show where client CPU takes over.
    """
    rows = []
    for concurrency in ABATCH_CONCURRENCY:
        level_runs = runs if concurrency == ABATCH_TARGET_CONCURRENCY else 2
        seconds, busy = _abatch_seconds(endpoint, concurrency, level_runs)
        ideal = concurrency_ideal(BATCH_SIZE, concurrency, latency)
        row = Row(
            f"abatch {BATCH_SIZE} @ {ms(latency):.0f} ms latency, max_concurrency={concurrency}",
            "ms",
            **{k: ms(v) for k, v in seconds.items()},
        )
        efficiency = {k: ideal / v for k, v in seconds.items()}
        if concurrency == ABATCH_TARGET_CONCURRENCY:
            row.target = "≥ 90 % of ideal"
            row.verdict = verdict(efficiency["ours"] >= 0.9)
        else:
            row.target = "(info)"
        row.note = (
            f"ideal {ms(ideal):.0f} ms; of ideal: ours {efficiency['ours']:.0%}, "
            f"SDK {efficiency['sdk']:.0%}, official {efficiency['official']:.0%}, "
            f"httpx floor {efficiency['floor']:.0%}; emulator CPU busy {busy:.0%} (ours' run)"
        )
        row.extra = {
            "concurrency": concurrency,
            "ideal_ms": ms(ideal),
            "efficiency": efficiency,
            "emulator_cpu_share": busy,
        }
        rows.append(row)
    return rows


# --- cold start -----------------------------------------------------------------------------------
def cold_start_row(endpoint: Endpoint, reps: int = 3) -> Row:
    """100 concurrent ``ainvoke`` on a brand-new client: how many OAuth exchanges happen."""
    messages = [HumanMessage(INVOKE_PROMPT)]
    body = payload(INVOKE_PROMPT)

    def run(make: Callable[[], Callable[[], Awaitable[object]]]) -> tuple[int, float]:
        worst, times = 0, []
        for _ in range(reps):
            before = endpoint.oauth_requests()

            async def main() -> float:
                job = make()
                started = time.perf_counter()
                await asyncio.gather(*(job() for _ in range(COLD_CALLS)))
                return time.perf_counter() - started

            times.append(asyncio.run(main()))
            worst = max(worst, endpoint.oauth_requests() - before)
        return worst, statistics.median(times)

    def ours_make() -> Callable[[], Awaitable[object]]:
        model = ours(endpoint)
        return lambda: model.ainvoke(messages)

    def official_make() -> Callable[[], Awaitable[object]]:
        model = official(endpoint)
        return lambda: model.ainvoke(messages)

    def sdk_make() -> Callable[[], Awaitable[object]]:
        client = sdk(endpoint)
        return lambda: client.achat(body)

    results = {"ours": run(ours_make), "sdk": run(sdk_make), "official": run(official_make)}
    row = Row(
        f"cold client, {COLD_CALLS} concurrent: OAuth requests (max of {reps})",
        "req",
        **{k: float(v[0]) for k, v in results.items()},
        floor=1.0,
    )
    row.target, row.verdict = "= 1", verdict(results["ours"][0] == 1)
    row.note = "wall ms: " + ", ".join(f"{k} {ms(v[1]):.0f}" for k, v in results.items())
    row.extra = {k: {"oauth": v[0], "wall_ms": ms(v[1])} for k, v in results.items()}
    return row


# --- emulator capacity ----------------------------------------------------------------------------
def capacity(endpoint: Endpoint, seconds: float = 3.0, concurrency: int = 16) -> dict[str, float]:
    """The emulator's throughput for raw httpx (latency 0) and its own CPU per chat request.

    The throughput is bounded by whichever side runs out of CPU first (on a small machine, the
    client); the emulator's CPU seconds per request, read from its process, say what the
    emulator alone could serve: ``1 / cpu_per_request`` requests per second per core.
    """
    token = fetch_token(endpoint)
    body = payload(INVOKE_PROMPT)

    async def main() -> tuple[int, float]:
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(
            base_url=endpoint.base_url, headers=bearer(token), limits=limits
        ) as http:
            done = 0
            deadline = time.perf_counter() + seconds

            async def worker() -> None:
                nonlocal done
                while time.perf_counter() < deadline:
                    (await http.post("/chat/completions", json=body)).raise_for_status()
                    done += 1

            (await http.post("/chat/completions", json=body)).raise_for_status()  # warm-up
            started = time.perf_counter()
            deadline = started + seconds
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return done, time.perf_counter() - started

    cpu_before = endpoint.server_cpu_seconds()
    done, wall = asyncio.run(main())
    server_cpu = endpoint.server_cpu_seconds() - cpu_before
    per_request = server_cpu / done if done else 0.0
    return {
        "client_rps": done / wall,
        "server_cpu_ms_per_request": per_request * 1000,
        "server_rps_per_core": 1 / per_request if per_request else 0.0,
        "server_busy_share": server_cpu / wall,
    }
