"""The emulator's deadline timer: never early, in deadline order, across loops, cancellable."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from langchain_gigachat_ext.emulator.server.deadline import sleep_until


async def test_returns_at_or_after_its_deadline() -> None:
    deadline = time.monotonic() + 0.02
    await sleep_until(deadline)
    assert time.monotonic() >= deadline


async def test_a_passed_deadline_returns_without_yielding_to_the_loop() -> None:
    ran: list[str] = []
    other = asyncio.get_running_loop().call_soon(ran.append, "other")
    await sleep_until(time.monotonic() - 1)
    assert ran == []  # nothing else ran: no suspension happened
    other.cancel()


async def test_waiters_wake_in_deadline_order_not_arrival_order() -> None:
    woke: list[int] = []
    start = time.monotonic()

    async def wait(number: int, offset: float) -> None:
        await sleep_until(start + offset)
        woke.append(number)

    await asyncio.gather(wait(1, 0.06), wait(2, 0.02), wait(3, 0.04), wait(4, 0.02))
    assert woke[:2] in ([2, 4], [4, 2])
    assert woke[2:] == [3, 1]


async def test_a_cancelled_waiter_leaves_the_others_on_time() -> None:
    start = time.monotonic()
    cancelled = asyncio.ensure_future(sleep_until(start + 0.01))
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    await sleep_until(start + 0.03)
    assert time.monotonic() >= start + 0.03


def test_loops_in_several_threads_share_the_timer() -> None:
    finished: dict[str, float] = {}
    deadline = time.monotonic() + 0.03

    def run(name: str) -> None:
        asyncio.run(sleep_until(deadline))
        finished[name] = time.monotonic()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert sorted(finished) == ["a", "b", "c"]
    assert min(finished.values()) >= deadline
