"""Run independent requests with bounded concurrency, results in input order.

Each item goes through two steps: ``send`` (the request, which holds one of the
``max_concurrency`` slots) and ``finish`` (decoding its answer, which holds none). Decoding an
``/embeddings`` answer costs milliseconds of CPU, all of it under the GIL. Run while another
request is being written or its answer read, it holds that transfer back, and with it the next
request of that slot; so ``finish`` runs only while no bytes are moving — every request in
flight is written and waiting on the server — and each slot's cycle stays its round trip:

* ``send(item, moving)`` reports its request's phases through ``moving(True | False)``: the
  embeddings client hooks httpcore's ``trace`` events (body written → False, answer headers
  received → True). A request counts as moving from its start until it says otherwise, and
  as done when ``send`` returns; a ``send`` that never reports turns the waiting off;
* threads: workers only send; ``finish`` runs in the calling thread as requests complete (and
  the worker each one freed has written its next request);
* asyncio: ``finish`` runs outside the semaphore, one answer per turn of the event loop.

On the first failure (of either step) nothing new is started (queued work is cancelled; in
threads the requests already in flight finish, in asyncio they are cancelled) and the error
propagates. Each item is one independent request, so a retry (done by the transport) repeats
only the failed one and completed batches are never sent again.
"""

from __future__ import annotations

import asyncio
import enum
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

ItemT = TypeVar("ItemT")
RawT = TypeVar("RawT")
ResultT = TypeVar("ResultT")

Moving = Callable[[bool], None]
"""A request reports whether its bytes are moving (being written or its answer read)."""


class _Phase(enum.Enum):
    QUEUED = enum.auto()
    MOVING = enum.auto()
    WAITING = enum.auto()
    DONE = enum.auto()


class _Activity:
    """Which requests are moving bytes; lets decoding wait until none is (thread-safe).

    A request the scheduler starts counts as moving until it reports otherwise. A ``send``
    that returns without ever reporting (a transport without httpcore's trace hook, such as
    ``httpx.MockTransport``) shows that nothing will report: from then on nobody waits.
    """

    def __init__(self, count: int, idle: asyncio.Event | None = None) -> None:
        self._phases = [_Phase.QUEUED] * count
        self._reported = [False] * count
        self._moving = 0
        self._blind = False
        self._changed = threading.Condition()
        self._idle = idle  # asyncio mode: set while nothing moves (loop thread only)

    def _set(self, index: int, phase: _Phase, *, only_from: _Phase | None = None) -> None:
        with self._changed:
            old = self._phases[index]
            if old is _Phase.DONE or (only_from is not None and old is not only_from):
                return
            self._phases[index] = phase
            self._moving += (phase is _Phase.MOVING) - (old is _Phase.MOVING)
            if self.still:
                self._changed.notify_all()
            if self._idle is not None:
                (self._idle.set if self.still else self._idle.clear)()

    @property
    def still(self) -> bool:
        """Whether decoding may run now."""
        return self._blind or not self._moving

    def expect(self, index: int) -> None:
        """Item ``index`` is starting: moving until it reports (unless it already has)."""
        self._set(index, _Phase.MOVING, only_from=_Phase.QUEUED)

    def reporter(self, index: int) -> Moving:
        """The ``moving`` callback of item ``index``."""

        def report(moving: bool) -> None:
            self._reported[index] = True
            self._set(index, _Phase.MOVING if moving else _Phase.WAITING)

        return report

    def done(self, index: int) -> None:
        """Item ``index``'s ``send`` returned or raised."""
        if not self._reported[index]:
            self._blind = True
        self._set(index, _Phase.DONE)

    def wait_still(self) -> None:
        """Block until no request is moving bytes."""
        with self._changed:
            self._changed.wait_for(lambda: self.still)


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
    activity = _Activity(len(items))
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
                activity.wait_still()
                for future in done:
                    index = futures[future]
                    collected[index] = finish(index, future.result())  # raises a failure
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
    still = asyncio.Event()
    still.set()
    activity = _Activity(len(items), idle=still)
    decoding = asyncio.Lock()

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
            await still.wait()
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


def _unobserved(_moving: bool) -> None:
    """The ``moving`` reporter where nothing waits for it (one request at a time)."""
