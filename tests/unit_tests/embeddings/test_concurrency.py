"""map_threads / map_async: input order, bounded sends, decoding outside the slot, failures."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from langchain_gigachat_ext.embeddings.concurrency import map_async, map_threads


class InjectedError(Exception):
    """The failure the tests inject."""


class InFlight:
    """Counts calls running at once (thread-safe)."""

    def __init__(self) -> None:
        self.now = self.peak = 0
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        with self._lock:
            self.now -= 1


# --- threads -----------------------------------------------------------------------------------
def test_threads_keep_input_order_and_report_in_the_calling_thread() -> None:
    caller = threading.get_ident()
    worker_of: dict[str, int] = {}
    reports: list[tuple[int, int, int]] = []

    def send(item: int) -> int:
        worker_of[f"send {item}"] = threading.get_ident()
        time.sleep(0.002 * (5 - item))  # later items complete first
        return item * 10

    def read(item: int, raw: int) -> int:
        worker_of[f"read {item}"] = threading.get_ident()
        return raw + 1

    results = map_threads(
        send,
        read,
        range(5),
        max_concurrency=3,
        on_result=lambda index, result: reports.append((index, result, threading.get_ident())),
    )
    assert results == [1, 11, 21, 31, 41]
    assert sorted(reports) == [(index, index * 10 + 1, caller) for index in range(5)]
    # Each answer is decoded by the worker that received it, not by the caller.
    assert all(worker_of[f"read {item}"] == worker_of[f"send {item}"] for item in range(5))
    assert caller not in worker_of.values()


def keep(_item: object, raw: int) -> int:
    return raw


@pytest.mark.parametrize("slots", [1, 3])
def test_threads_bound_the_sends_in_flight(slots: int) -> None:
    in_flight = InFlight()

    def send(item: int) -> int:
        in_flight.enter()
        time.sleep(0.01)
        in_flight.leave()
        return item

    assert map_threads(send, keep, range(9), max_concurrency=slots) == list(range(9))
    assert in_flight.peak == slots


def test_threads_run_a_single_item_in_the_calling_thread() -> None:
    caller = threading.get_ident()
    ran_in = map_threads(lambda _item: threading.get_ident(), keep, ["q"], max_concurrency=4)
    assert ran_in == [caller]


def test_threads_decode_outside_the_slot() -> None:
    """With one slot, the next request is sent while the previous answer is being decoded."""
    second_sent = threading.Event()
    overlapped: list[bool] = []

    def send(item: int) -> int:
        if item == 1:
            second_sent.set()
        return item

    def read(item: int, raw: int) -> int:
        if item == 0:
            overlapped.append(second_sent.wait(timeout=5))
        return raw

    assert map_threads(send, read, range(2), max_concurrency=1) == [0, 1]
    assert overlapped == [True]


def test_threads_report_each_result_as_it_completes_not_at_the_end() -> None:
    slow_done = threading.Event()
    slow_was_done_at_first_report: list[bool] = []

    def send(item: int) -> int:
        if item == 1:
            time.sleep(0.2)
            slow_done.set()
        return item

    def on_result(index: int, _result: int) -> None:
        if index == 0:
            slow_was_done_at_first_report.append(slow_done.is_set())

    map_threads(send, keep, range(2), max_concurrency=2, on_result=on_result)
    assert slow_was_done_at_first_report == [False]


@pytest.mark.parametrize("fail_in", ["send", "read", "on_result"])
@pytest.mark.parametrize("slots", [1, 2])
def test_threads_stop_sending_after_a_failure(fail_in: str, slots: int) -> None:
    sent: list[int] = []

    def send(item: int) -> int:
        sent.append(item)
        if fail_in == "send" and item == 1:
            raise InjectedError
        time.sleep(0.005)
        return item

    def read(_item: int, raw: int) -> int:
        if fail_in == "read" and raw == 1:
            raise InjectedError
        return raw

    def on_result(_index: int, result: int) -> None:
        if fail_in == "on_result" and result == 1:
            raise InjectedError

    with pytest.raises(InjectedError):
        map_threads(send, read, range(40), max_concurrency=slots, on_result=on_result)
    assert len(sent) < 10


# --- asyncio -----------------------------------------------------------------------------------
async def test_async_keeps_input_order_and_reports_each_result() -> None:
    reports: list[tuple[int, int]] = []

    async def send(item: int) -> int:
        await asyncio.sleep(0.01 * (5 - item))  # later items complete first
        return item * 10

    results = await map_async(
        send, keep, range(5), max_concurrency=5, on_result=lambda i, r: reports.append((i, r))
    )
    assert results == [0, 10, 20, 30, 40]
    assert [index for index, _ in reports] == [4, 3, 2, 1, 0]  # in completion order


@pytest.mark.parametrize("slots", [1, 4])
async def test_async_bounds_the_sends_in_flight(slots: int) -> None:
    in_flight = InFlight()

    async def send(item: int) -> int:
        in_flight.enter()
        await asyncio.sleep(0.002)
        in_flight.leave()
        return item

    assert await map_async(send, keep, range(20), max_concurrency=slots) == list(range(20))
    assert in_flight.peak == slots


async def test_async_decodes_outside_the_slot() -> None:
    """With one slot, the next request is on the wire before the previous answer is decoded."""
    events: list[str] = []

    async def send(item: int) -> int:
        events.append(f"send {item}")
        await asyncio.sleep(0.001)
        return item

    def read(item: int, raw: int) -> int:
        events.append(f"read {item}")
        return raw

    assert await map_async(send, read, range(3), max_concurrency=1) == [0, 1, 2]
    assert events.index("read 0") > events.index("send 1")
    assert events.index("read 1") > events.index("send 2")


@pytest.mark.parametrize("fail_in", ["send", "read", "on_result"])
async def test_async_stops_sending_after_a_failure(fail_in: str) -> None:
    started: list[int] = []
    cancelled: list[int] = []

    async def send(item: int) -> int:
        started.append(item)
        try:
            await asyncio.sleep(0.001 if item <= 1 else 0.05)
        except asyncio.CancelledError:
            cancelled.append(item)
            raise
        if fail_in == "send" and item == 1:
            raise InjectedError
        return item

    def read(_item: int, raw: int) -> int:
        if fail_in == "read" and raw == 1:
            raise InjectedError
        return raw

    def on_result(_index: int, result: int) -> None:
        if fail_in == "on_result" and result == 1:
            raise InjectedError

    with pytest.raises(InjectedError):
        await map_async(send, read, range(40), max_concurrency=2, on_result=on_result)
    assert len(started) < 10
    assert cancelled  # the call still in flight was cancelled, not awaited to the end
