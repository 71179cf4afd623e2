"""Run independent requests with bounded concurrency, results in input order.

Each item goes through two steps: ``send`` (the request, which holds one of the
``max_concurrency`` slots) and ``finish`` (decoding its answer, which holds none). Decoding an
``/embeddings`` answer costs milliseconds of CPU under the GIL, so ``finish`` runs when
:class:`~._embedding_activity.Activity` says no request's bytes are moving and no answer is due
within a decode; each slot's cycle then stays its round trip:

* ``send(item, moving)`` reports its request's phases through ``moving(True | False)``: the
  embeddings client hooks httpcore's ``trace`` events (body written → False, answer headers
  received → True); a ``send`` that never reports turns the waiting off;
* threads: workers only send; ``finish`` runs in the calling thread as requests complete (and
  once the worker each one freed has written its next request);
* asyncio: ``finish`` runs outside the semaphore, one answer per turn of the event loop.

On the first failure (of either step) nothing new is started (queued work is cancelled; in
threads the requests already in flight finish, in asyncio they are cancelled) and the error
propagates. Each item is one independent request, so a retry (done by the transport) repeats
only the failed one and completed batches are never sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from langchain_gigachat_ext.embeddings.activity import Activity, Moving

ItemT = TypeVar("ItemT")
RawT = TypeVar("RawT")
ResultT = TypeVar("ResultT")


def map_threads(
    send: Callable[[ItemT, Moving], RawT],
    items: Sequence[ItemT],
    *,
    max_workers: int,
    finish: Callable[[int, RawT], ResultT],
) -> list[ResultT]:
    """Apply ``send`` to every item on at most ``max_workers`` threads, then ``finish``.

    Args:
        send: The blocking call (one request), given its ``moving`` reporter.
        items: Its arguments.
        max_workers: Thread-pool size (requests in flight).
        finish: ``(index, raw)`` → result, called in the calling thread as each request
            completes (decoding, progress).

    Returns:
        Results in the order of ``items``.
    """
    if len(items) <= 1 or max_workers <= 1:
        return [finish(index, send(item, _unobserved)) for index, item in enumerate(items)]
    workers = min(max_workers, len(items))
    activity = Activity(len(items))
    for index in range(workers):
        activity.expect(index)
    next_queued = workers  # the pool takes queued items in submission order

    def run(index: int, item: ItemT) -> RawT:
        activity.expect(index)
        try:
            return send(item, activity.reporter(index))
        finally:
            activity.done(index)

    collected: dict[int, ResultT] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures: dict[Future[RawT], int] = {
            pool.submit(run, index, item): index for index, item in enumerate(items)
        }
        pending: set[Future[RawT]] = set(futures)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for _ in done:  # each freed worker starts the next queued item at once
                    if next_queued < len(items):
                        activity.expect(next_queued)
                        next_queued += 1
                while done:  # popped: an answer is not held here once it is decoded
                    future = done.pop()
                    index = futures.pop(future)
                    raw = future.result()  # raises a failure
                    activity.wait()
                    started = time.perf_counter()
                    collected[index] = finish(index, raw)
                    activity.decoded(time.perf_counter() - started)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return [collected[index] for index in range(len(items))]


async def map_async(
    send: Callable[[ItemT, Moving], Awaitable[RawT]],
    items: Sequence[ItemT],
    *,
    max_concurrency: int,
    finish: Callable[[int, RawT], ResultT],
) -> list[ResultT]:
    """Await ``send`` for every item, at most ``max_concurrency`` at a time, then ``finish``.

    Args:
        send: The coroutine function (one request), given its ``moving`` reporter.
        items: Its arguments.
        max_concurrency: Most requests in flight (an ``asyncio.Semaphore``).
        finish: ``(index, raw)`` → result, called outside the semaphore (decoding, progress).

    Returns:
        Results in the order of ``items``.
    """
    semaphore = asyncio.Semaphore(max(1, max_concurrency))
    failed = asyncio.Event()
    changed = asyncio.Event()
    activity = Activity(len(items), on_change=changed.set)  # reports come from the loop thread
    decoding = asyncio.Lock()

    async def quiet() -> None:
        while (delay := activity.pause()) is not None:
            changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), None if delay == math.inf else delay)

    async def run(index: int, item: ItemT) -> ResultT:
        async with semaphore:
            if failed.is_set():
                raise asyncio.CancelledError
            activity.expect(index)
            try:
                raw = await send(item, activity.reporter(index))
            except BaseException:
                failed.set()
                raise
            finally:
                activity.done(index)
        # One loop turn lets the call woken by the release start its request (and count as
        # moving); one answer is then decoded per turn, and only while no bytes are moving.
        await asyncio.sleep(0)
        async with decoding:
            await quiet()
            started = time.perf_counter()
            try:
                return finish(index, raw)
            except BaseException:
                failed.set()
                raise
            finally:
                activity.decoded(time.perf_counter() - started)

    tasks = [asyncio.ensure_future(run(index, item)) for index, item in enumerate(items)]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _unobserved(_moving: bool) -> None:
    """The ``moving`` reporter where nothing waits for it (one request at a time)."""
