"""Run independent requests with bounded concurrency, results in input order.

Each item goes through two steps: ``send`` (the request, which holds one of the
``max_concurrency`` slots) and ``finish`` (decoding its answer, which holds none). Decoding an
``/embeddings`` answer costs milliseconds of CPU; done outside the slot, the next request goes
out while the previous answer is decoded instead of after it, so a slot's cycle is the
request's round trip alone:

* threads: workers only send; ``finish`` runs in the calling thread as each request completes;
* asyncio: ``finish`` runs after the semaphore is released and the loop has had one turn, so
  the next waiting call has started its request.

On the first failure (of either step) nothing new is started (queued work is cancelled; in
threads the requests already in flight finish, in asyncio they are cancelled) and the error
propagates. Each item is one independent request, so a retry (done by the transport) repeats
only the failed one and completed batches are never sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

ItemT = TypeVar("ItemT")
RawT = TypeVar("RawT")
ResultT = TypeVar("ResultT")


def map_threads(
    send: Callable[[ItemT], RawT],
    items: Sequence[ItemT],
    *,
    max_workers: int,
    finish: Callable[[int, RawT], ResultT],
) -> list[ResultT]:
    """Apply ``send`` to every item on at most ``max_workers`` threads, then ``finish``.

    Args:
        send: The blocking call (one request).
        items: Its arguments.
        max_workers: Thread-pool size (requests in flight).
        finish: ``(index, raw)`` → result, called in the calling thread as each request
            completes (decoding, progress).

    Returns:
        Results in the order of ``items``.
    """
    if len(items) <= 1 or max_workers <= 1:
        return [finish(index, send(item)) for index, item in enumerate(items)]
    collected: dict[int, ResultT] = {}
    with ThreadPoolExecutor(max_workers=min(max_workers, len(items))) as pool:
        futures: dict[Future[RawT], int] = {
            pool.submit(send, item): index for index, item in enumerate(items)
        }
        pending: set[Future[RawT]] = set(futures)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    index = futures[future]
                    collected[index] = finish(index, future.result())  # raises a failure
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return [collected[index] for index in range(len(items))]


async def map_async(
    send: Callable[[ItemT], Awaitable[RawT]],
    items: Sequence[ItemT],
    *,
    max_concurrency: int,
    finish: Callable[[int, RawT], ResultT],
) -> list[ResultT]:
    """Await ``send`` for every item, at most ``max_concurrency`` at a time, then ``finish``.

    Args:
        send: The coroutine function (one request).
        items: Its arguments.
        max_concurrency: Most requests in flight (an ``asyncio.Semaphore``).
        finish: ``(index, raw)`` → result, called outside the semaphore (decoding, progress).

    Returns:
        Results in the order of ``items``.
    """
    semaphore = asyncio.Semaphore(max(1, max_concurrency))
    failed = asyncio.Event()

    async def run(index: int, item: ItemT) -> ResultT:
        async with semaphore:
            if failed.is_set():
                raise asyncio.CancelledError
            try:
                raw = await send(item)
            except BaseException:
                failed.set()
                raise
        # One loop turn: the call woken by the release sends its request before we decode.
        await asyncio.sleep(0)
        try:
            return finish(index, raw)
        except BaseException:
            failed.set()
            raise

    tasks = [asyncio.ensure_future(run(index, item)) for index, item in enumerate(items)]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
