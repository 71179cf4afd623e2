"""map_threads / map_async: order, bounded concurrency, decoding only while no bytes move."""

from __future__ import annotations

import asyncio
import threading
import time
import weakref

import pytest

from langchain_gigachat_ext.embeddings.concurrency import Moving, map_async, map_threads


class InjectedError(Exception):
    """The failure the tests inject."""


def test_threads_keep_order_and_finish_in_the_calling_thread() -> None:
    caller = threading.get_ident()
    finish_threads: set[int] = set()

    def send(item: int, _moving: Moving) -> int:
        time.sleep(0.001 * (5 - item))  # later items complete first
        return item * 10

    def finish(index: int, raw: int) -> tuple[int, int]:
        finish_threads.add(threading.get_ident())
        return index, raw

    assert map_threads(send, range(5), max_workers=3, finish=finish) == [
        (index, index * 10) for index in range(5)
    ]
    assert finish_threads == {caller}


@pytest.mark.parametrize("workers", [1, 3])
def test_threads_bound_requests_in_flight(workers: int) -> None:
    lock = threading.Lock()
    in_flight = peak = 0

    def send(item: int, _moving: Moving) -> int:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.01)
        with lock:
            in_flight -= 1
        return item

    map_threads(send, range(9), max_workers=workers, finish=lambda _i, raw: raw)
    assert 1 <= peak <= workers


def test_threads_finish_each_result_as_it_arrives_not_at_the_end() -> None:
    slow_done = threading.Event()
    slow_was_done_at_first_finish: list[bool] = []

    def send(item: int, _moving: Moving) -> int:
        if item == 1:
            time.sleep(0.2)
            slow_done.set()
        return item

    def finish(index: int, raw: int) -> int:
        if index == 0:
            slow_was_done_at_first_finish.append(slow_done.is_set())
        return raw

    map_threads(send, range(2), max_workers=2, finish=finish)
    assert slow_was_done_at_first_finish == [False]


class _Answer:
    """A raw answer that can be watched with a weak reference."""


def test_threads_let_go_of_each_answer_once_it_is_finished() -> None:
    workers = 3
    watchers: dict[int, weakref.ref[_Answer]] = {}
    finished: list[int] = []
    kept: list[int] = []

    def send(item: int, _moving: Moving) -> _Answer:
        answer = _Answer()
        watchers[item] = weakref.ref(answer)
        return answer

    def finish(index: int, _raw: _Answer) -> None:
        kept.extend(item for item in finished if watchers[item]() is not None)
        finished.append(index)

    map_threads(send, range(30), max_workers=workers, finish=finish)
    assert sorted(finished) == list(range(30))
    assert kept == []


@pytest.mark.parametrize("fail_in", ["send", "finish"])
@pytest.mark.parametrize("workers", [1, 2])
def test_threads_stop_starting_work_after_a_failure(fail_in: str, workers: int) -> None:
    sent: list[int] = []

    def send(item: int, _moving: Moving) -> int:
        sent.append(item)
        if fail_in == "send" and item == 1:
            raise InjectedError
        time.sleep(0.005)
        return item

    def finish(_index: int, raw: int) -> int:
        if fail_in == "finish" and raw == 1:
            raise InjectedError
        return raw

    with pytest.raises(InjectedError):
        map_threads(send, range(40), max_workers=workers, finish=finish)
    assert len(sent) < 40


async def test_async_decodes_after_the_next_request_has_started() -> None:
    events: list[str] = []

    async def send(item: int, _moving: Moving) -> int:
        events.append(f"send {item}")
        await asyncio.sleep(0.001)
        events.append(f"sent {item}")
        return item

    def finish(index: int, raw: int) -> int:
        events.append(f"finish {index}")
        return raw

    assert await map_async(send, [0, 1, 2], max_concurrency=1, finish=finish) == [0, 1, 2]
    # With one slot, item 1 is on the wire while item 0 is decoded.
    assert events[:4] == ["send 0", "sent 0", "send 1", "finish 0"]
    assert events.index("finish 1") > events.index("send 2")


async def test_async_bounds_requests_in_flight() -> None:
    in_flight = peak = 0

    async def send(item: int, _moving: Moving) -> int:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.002)
        in_flight -= 1
        return item

    result = await map_async(send, range(20), max_concurrency=4, finish=lambda _i, raw: raw)
    assert result == list(range(20))
    assert peak == 4


@pytest.mark.parametrize("fail_in", ["send", "finish"])
async def test_async_stops_starting_work_after_a_failure(fail_in: str) -> None:
    sent: list[int] = []

    async def send(item: int, _moving: Moving) -> int:
        sent.append(item)
        await asyncio.sleep(0.001)
        if fail_in == "send" and item == 1:
            raise InjectedError
        return item

    def finish(_index: int, raw: int) -> int:
        if fail_in == "finish" and raw == 1:
            raise InjectedError
        return raw

    with pytest.raises(InjectedError):
        await map_async(send, range(40), max_concurrency=2, finish=finish)
    assert len(sent) < 10


def test_threads_decode_only_once_the_next_request_is_written() -> None:
    """The worker freed by a response writes its next request before that response is decoded."""
    lock = threading.Lock()
    events: list[str] = []

    def log(event: str) -> None:
        with lock:
            events.append(event)

    def send(item: int, moving: Moving) -> int:
        time.sleep(0.005)  # connecting and writing
        log(f"written {item}")
        moving(False)
        time.sleep(0.02)  # the server works
        moving(True)
        return item

    def finish(index: int, raw: int) -> int:
        log(f"finish {index}")
        return raw

    assert map_threads(send, range(4), max_workers=2, finish=finish) == [0, 1, 2, 3]
    # Items 0 and 1 complete together; the two freed workers start items 2 and 3.
    assert events.index("finish 0") > events.index("written 2")
    assert events.index("finish 1") > events.index("written 3")


def test_threads_do_not_wait_on_a_request_that_never_reports() -> None:
    """A send that reports nothing counts as moving until it returns: no deadlock, all done."""

    def send(item: int, _moving: Moving) -> int:
        time.sleep(0.001 * (item % 3))
        return item

    assert map_threads(send, range(12), max_workers=3, finish=lambda _i, raw: raw) == list(
        range(12)
    )


async def test_async_decodes_only_while_no_bytes_move() -> None:
    events: list[str] = []

    async def send(item: int, moving: Moving) -> int:
        await asyncio.sleep(0.002)  # writing the request: several loop turns
        events.append(f"written {item}")
        moving(False)
        await asyncio.sleep(0.01)  # the server works
        moving(True)
        await asyncio.sleep(0.002)  # reading the answer
        return item

    def finish(index: int, raw: int) -> int:
        events.append(f"finish {index}")
        return raw

    assert await map_async(send, [0, 1, 2], max_concurrency=1, finish=finish) == [0, 1, 2]
    # Item 0's answer waits until item 1, started by the freed slot, has been written.
    assert events.index("finish 0") > events.index("written 1")
    assert events.index("finish 1") > events.index("written 2")
