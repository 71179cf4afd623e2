"""Run independent requests with bounded concurrency, results in input order.

On the first failure nothing new is started (queued work is cancelled; in threads the requests
already in flight finish, in asyncio they are cancelled) and the error propagates. Each item is
one independent request, so a retry (done by the transport) repeats only the failed one and
completed batches are never sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")


def map_threads(
    fn: Callable[[ItemT], ResultT],
    items: Sequence[ItemT],
    *,
    max_workers: int,
    on_result: Callable[[int, ResultT], object] | None = None,
) -> list[ResultT]:
    """Apply ``fn`` to every item on at most ``max_workers`` threads.

    Args:
        fn: The blocking call (one request).
        items: Its arguments.
        max_workers: Thread-pool size.
        on_result: Called in the calling thread as each call completes (index, result).

    Returns:
        Results in the order of ``items``.
    """
    if len(items) <= 1 or max_workers <= 1:
        results = []
        for index, item in enumerate(items):
            result = fn(item)
            if on_result is not None:
                on_result(index, result)
            results.append(result)
        return results
    with ThreadPoolExecutor(max_workers=min(max_workers, len(items))) as pool:
        futures: dict[Future[ResultT], int] = {
            pool.submit(fn, item): index for index, item in enumerate(items)
        }
        collected: dict[int, ResultT] = {}
        pending: set[Future[ResultT]] = set(futures)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in done:
                    result = future.result()  # raises the first failure
                    index = futures[future]
                    collected[index] = result
                    if on_result is not None:
                        on_result(index, result)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return [collected[index] for index in range(len(items))]


async def map_async(
    fn: Callable[[ItemT], Awaitable[ResultT]],
    items: Sequence[ItemT],
    *,
    max_concurrency: int,
    on_result: Callable[[int, ResultT], object] | None = None,
) -> list[ResultT]:
    """Await ``fn`` for every item, at most ``max_concurrency`` at a time (asyncio.Semaphore).

    Args:
        fn: The coroutine function (one request).
        items: Its arguments.
        max_concurrency: Most calls in flight.
        on_result: Called as each call completes (index, result).

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
                result = await fn(item)
            except BaseException:
                failed.set()
                raise
        if on_result is not None:
            on_result(index, result)
        return result

    tasks = [asyncio.ensure_future(run(index, item)) for index, item in enumerate(items)]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
