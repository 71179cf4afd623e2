"""The account limiter: the adaptive rule, fair waiting across threads and loops, the budget."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from langchain_gigachat_ext.client.deadline import Deadline
from langchain_gigachat_ext.client.failures import scrubbed, translate_error
from langchain_gigachat_ext.client.limiter import Account, Limiter
from langchain_gigachat_ext.client.quota import (
    INITIAL_LIMIT,
    SUCCESSES_PER_STEP,
    AdaptiveLimit,
    LocalSlots,
    default_quota,
)
from langchain_gigachat_ext.errors import (
    GigaChatDeadlineError,
    GigaChatInvalidInputError,
    GigaChatMalformedResponseError,
)


# --- the rule ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("scope", "quota"),
    [
        ("GIGACHAT_API_PERS", 1),
        ("GIGACHAT_API_B2B", 10),
        ("GIGACHAT_API_CORP", 10),
        ("gigachat_api_b2b", 10),
        ("SOMETHING_ELSE", 1),
        (None, 1),
    ],
)
def test_default_quota_of_each_scope(scope: str | None, quota: int) -> None:
    assert default_quota(scope) == quota


@pytest.mark.parametrize(
    ("quota", "steps", "limit"),
    [
        (10, [], INITIAL_LIMIT),
        (1, [], 1),
        # slow start: each success sent at the limit raises it by one, up to the quota
        (10, [("ok", 2, 2)], 3),
        (10, [("ok", 2, 2), ("ok", 3, 3), ("ok", 4, 4)], 5),
        (3, [("ok", 2, 2), ("ok", 3, 3), ("ok", 3, 3)], 3),
        # a success far below the limit says nothing
        (10, [("ok", 1, 1), ("ok", 1, 1)], 3),
        (10, [("ok", 2, 2), ("ok", 1, 1), ("ok", 1, 1)], 3),
        # a 429 lowers it to one below what was in flight when it came
        (10, [("ok", 2, 2), ("ok", 3, 3), ("rate_limited", 4, 4)], 3),
        (10, [("rate_limited", 2, 6)], 2),
        (10, [("rate_limited", 2, 1)], 1),
        # other failures change nothing
        (10, [("other", 2, 2)], 2),
    ],
)
def test_the_adaptive_rule(quota: int, steps: list[tuple[str, int, int]], limit: int) -> None:
    state = AdaptiveLimit(quota)
    for outcome, granted_at, in_flight in steps:
        state.record(outcome, granted_at, in_flight)  # type: ignore[arg-type]
    assert state.limit == limit


def test_after_a_429_sustained_success_raises_the_limit_step_by_step() -> None:
    state = AdaptiveLimit(5)
    state.record("rate_limited", 3, 3)
    assert state.limit == 2
    for _ in range(2 * SUCCESSES_PER_STEP - 1):
        state.record("ok", 2, 2)
    assert state.limit == 2
    state.record("ok", 2, 2)
    assert state.limit == 3
    for _ in range(100 * SUCCESSES_PER_STEP):
        state.record("ok", state.limit, state.limit)
    assert state.limit == 5  # never above the quota


# --- waiting -------------------------------------------------------------------------------------
def _limiter(quota: int) -> Limiter:
    slots = LocalSlots(quota)
    slots._state.limit = quota
    return Limiter("test", slots)


def test_threads_never_exceed_the_limit_and_all_get_through() -> None:
    limiter = _limiter(2)
    in_flight = peak = done = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal in_flight, peak, done
        lease = limiter.acquire(None)
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.01)
        with lock:
            in_flight -= 1
            done += 1
        limiter.release(lease, "other")

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert (peak, done) == (2, 16)


def test_threads_and_two_event_loops_share_one_limiter() -> None:
    limiter = _limiter(3)
    in_flight = peak = done = 0
    lock = threading.Lock()

    def enter() -> None:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)

    def leave() -> None:
        nonlocal in_flight, done
        with lock:
            in_flight -= 1
            done += 1

    async def task() -> None:
        lease = await limiter.aacquire(None)
        enter()
        await asyncio.sleep(0.01)
        leave()
        limiter.release(lease, "other")

    async def many() -> None:
        await asyncio.gather(*(task() for _ in range(10)))

    def sync_work() -> None:
        for _ in range(5):
            lease = limiter.acquire(None)
            enter()
            time.sleep(0.01)
            leave()
            limiter.release(lease, "other")

    workers = [
        threading.Thread(target=asyncio.run, args=(many(),)),
        threading.Thread(target=asyncio.run, args=(many(),)),
        threading.Thread(target=sync_work),
        threading.Thread(target=sync_work),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(20)
    assert done == 30
    assert peak == 3


async def test_a_cancelled_waiter_leaves_the_queue() -> None:
    limiter = _limiter(1)
    held = await limiter.aacquire(None)
    waiter = asyncio.create_task(limiter.aacquire(None))
    await asyncio.sleep(0.01)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    limiter.release(held, "ok")
    lease = await asyncio.wait_for(limiter.aacquire(None), 1)  # not stuck behind the cancelled
    limiter.release(lease, "ok")


def test_waiting_comes_out_of_the_deadline() -> None:
    limiter = _limiter(1)
    held = limiter.acquire(None)
    started = time.monotonic()
    with pytest.raises(GigaChatDeadlineError, match="waiting for a quota slot"):
        limiter.acquire(Deadline(0.1, what="call_timeout=0.1"))
    assert time.monotonic() - started < 1
    limiter.release(held, "ok")
    limiter.release(limiter.acquire(Deadline(0.1, what="call_timeout=0.1")), "ok")


def test_a_pause_holds_every_slot_for_its_time() -> None:
    limiter = _limiter(2)
    limiter.pause(0.2)
    started = time.monotonic()
    limiter.release(limiter.acquire(None), "ok")
    assert time.monotonic() - started >= 0.15


# --- the account key -----------------------------------------------------------------------------
def test_the_account_key_is_a_keyed_hash_without_the_secret() -> None:
    key = Account.of("c2VjcmV0LWtleQ==", "GIGACHAT_API_B2B", "https://api.example/v1").key
    assert "c2VjcmV0" not in key
    assert len(key) == 32
    assert key == Account.of("c2VjcmV0LWtleQ==", "GIGACHAT_API_B2B", "https://api.example/v1/").key
    assert key != Account.of("b3RoZXI=", "GIGACHAT_API_B2B", "https://api.example/v1").key
    assert key != Account.of("c2VjcmV0LWtleQ==", "GIGACHAT_API_PERS", "https://api.example/v1").key


# --- deadlines -----------------------------------------------------------------------------------
def test_a_stream_window_moves_on_but_never_past_the_total() -> None:
    deadline = Deadline(0.05, total=0.08, what="call_timeout=0.05, stream_timeout=0.08")
    time.sleep(0.03)
    deadline.moved_on()
    assert not deadline.expired()
    time.sleep(0.06)
    assert deadline.expired()  # the total, though the window moved on


# --- typed errors without credentials ------------------------------------------------------------
def test_scrubbing_removes_credentials_from_every_request_in_the_chain() -> None:
    request = httpx.Request(
        "POST", "https://api.example/v1/chat", headers={"Authorization": "Bearer t0k3n"}
    )
    inner = httpx.ReadTimeout("slow", request=request)
    outer = RuntimeError("wrapped")
    outer.__context__ = inner
    scrubbed(outer)
    assert "authorization" not in inner.request.headers
    assert inner.request.url == request.url


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("\ud800".encode, GigaChatInvalidInputError),
        (b"\xcf\xf0".decode, GigaChatMalformedResponseError),
    ],
)
def test_unicode_failures_become_typed_errors(error: object, kind: type) -> None:
    try:
        error()  # type: ignore[operator]
    except UnicodeError as raised:
        assert isinstance(translate_error(raised), kind)
