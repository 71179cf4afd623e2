"""One concurrency limiter per account in a process, shared by every model, thread and loop.

Every request that counts against the account's quota (chat calls, streams for their whole
duration, embeddings, token counting, files — inferred to count) takes a slot first and gives it
back when its answer is read, its stream is closed, or its caller is cancelled. Callers queue in
arrival order: threads wait on an event, tasks on a future of their own event loop, so one
limiter serves sync and async code on any number of threads and loops at once. Only the head of
the queue asks the store for a slot; a release wakes it, and it wakes the next one.

The limiter of an account is found by a keyed hash of the account (credentials or user or
token, scope, base URL): :func:`limiter_for`. Slots are counted by a
:class:`~langchain_gigachat_ext.client.quota.SlotStore`: in this process, or in Redis when a
shared limiter URL is set (every process on the account then shares one quota).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass

from langchain_gigachat_ext.client.deadline import Deadline
from langchain_gigachat_ext.client.quota import Lease, LocalSlots, Outcome, SlotStore
from langchain_gigachat_ext.client.sdk import errors as sdk
from langchain_gigachat_ext.errors import GigaChatRateLimitError

logger = logging.getLogger("langchain_gigachat_ext.quota")


@dataclass
class CallStats:
    """What the quota cost one call (``response_metadata["quota"]``)."""

    waited: float = 0.0
    """Seconds spent waiting for a slot."""
    absorbed_429: int = 0
    """429 answers the limiter absorbed (the request was queued again and re-sent)."""
    limit: int = 0
    """The account's in-flight limit when the call ended."""

    def as_metadata(self) -> dict[str, float | int]:
        """The counts as plain values."""
        return {
            "waited_s": round(self.waited, 4),
            "absorbed_429": self.absorbed_429,
            "limit": self.limit,
        }


class _Waiter:
    """One caller waiting for a slot: a thread (event) or a task (future on its loop)."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self.loop = loop
        self.event = threading.Event()
        self.future: asyncio.Future[None] | None = None

    def wake(self) -> None:
        self.event.set()
        if self.loop is not None:
            with contextlib.suppress(RuntimeError):  # its loop is closed: the task is gone
                self.loop.call_soon_threadsafe(self._resolve)

    def _resolve(self) -> None:
        if self.future is not None and not self.future.done():
            self.future.set_result(None)


class Limiter:
    """The in-flight limit of one account in this process."""

    def __init__(self, account: str, store: SlotStore) -> None:
        """Create the limiter.

        Args:
            account: A short, credential-free id of the account (for logs).
            store: Where slots are counted.
        """
        self.account = account
        self.store = store
        self._lock = threading.Lock()
        self._queue: deque[_Waiter] = deque()

    # --- taking a slot -------------------------------------------------------------------------
    def acquire(self, deadline: Deadline | None, stats: CallStats | None = None) -> Lease:
        """A slot, waiting (this thread) as long as the deadline allows.

        Raises:
            GigaChatDeadlineError: The call's budget ran out while waiting.
        """
        lease = self._fast()
        if lease is not None:
            return lease
        waiter = _Waiter(None)
        started = time.monotonic()
        self._enqueue(waiter)
        granted = False
        try:
            while True:
                lease, pause = self._turn(waiter)
                if lease is not None:
                    granted = True
                    self._waited(started, stats, lease)
                    return lease
                timeout = _timeout(pause, deadline)
                waiter.event.wait(timeout)
                waiter.event.clear()
        finally:
            self._leave(waiter, granted=granted)

    async def aacquire(self, deadline: Deadline | None, stats: CallStats | None = None) -> Lease:
        """Async :meth:`acquire`; a cancelled waiter leaves the queue at once."""
        lease = self._fast()
        if lease is not None:
            return lease
        loop = asyncio.get_running_loop()
        waiter = _Waiter(loop)
        started = time.monotonic()
        self._enqueue(waiter)
        granted = False
        try:
            while True:
                lease, pause = self._turn(waiter)
                if lease is not None:
                    granted = True
                    self._waited(started, stats, lease)
                    return lease
                timeout = _timeout(pause, deadline)
                if waiter.event.is_set():
                    waiter.event.clear()
                    continue
                waiter.future = loop.create_future()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(waiter.future), timeout)
                waiter.future = None
                waiter.event.clear()
        finally:
            self._leave(waiter, granted=granted)

    def release(self, lease: Lease, outcome: Outcome) -> bool:
        """Give a slot back and wake the head of the queue; True when the limit went down."""
        before = lease.store.limit
        lease.store.release(lease, outcome)
        after = lease.store.limit
        if after != before:
            logger.debug(
                "GigaChat quota %s: in-flight limit %d -> %d (%s)",
                self.account,
                before,
                after,
                "429" if outcome == "rate_limited" else "sustained success",
            )
        self._wake_head()
        return after < before

    def pause(self, seconds: float) -> None:
        """Grant no slot for ``seconds`` (the server's ``Retry-After``)."""
        self.store.pause(seconds)
        logger.debug("GigaChat quota %s: paused %.3f s (Retry-After)", self.account, seconds)

    # --- the queue -----------------------------------------------------------------------------
    def _fast(self) -> Lease | None:
        with self._lock:
            if self._queue:
                return None
        return self.store.try_acquire()

    def _enqueue(self, waiter: _Waiter) -> None:
        with self._lock:
            self._queue.append(waiter)

    def _turn(self, waiter: _Waiter) -> tuple[Lease | None, float | None]:
        """At the head: a slot, or how long to wait before asking again (None: until woken)."""
        with self._lock:
            at_head = bool(self._queue) and self._queue[0] is waiter
        if not at_head:
            return None, None
        lease = self.store.try_acquire()
        if lease is not None:
            return lease, None
        return None, self.store.retry_in()

    def _leave(self, waiter: _Waiter, *, granted: bool) -> None:
        with self._lock:
            was_head = bool(self._queue) and self._queue[0] is waiter
            with contextlib.suppress(ValueError):
                self._queue.remove(waiter)
            head = self._queue[0] if self._queue else None
        if head is not None and (was_head or not granted):
            head.wake()  # more slots may be free, or the head's turn came

    def notify(self) -> None:
        """A slot may have been freed elsewhere: the head of the queue asks again."""
        self._wake_head()

    def _wake_head(self) -> None:
        with self._lock:
            head = self._queue[0] if self._queue else None
        if head is not None:
            head.wake()

    def _waited(self, started: float, stats: CallStats | None, lease: Lease) -> None:
        waited = time.monotonic() - started
        if stats is not None:
            stats.waited += waited
        logger.debug(
            "GigaChat quota %s: waited %.3f s for a slot (limit %d, %d in flight)",
            self.account,
            waited,
            lease.store.limit,
            lease.in_flight,
        )


class Slot:
    """The quota slot of one attempt (taken after the token, given back exactly once)."""

    def __init__(self, limiter: Limiter | None) -> None:
        """An empty slot of ``limiter`` (None: no limiter, nothing to take)."""
        self.limiter = limiter
        self.lease: Lease | None = None
        """The granted lease while the slot is held."""
        self.in_flight = 1
        """Requests in flight, this one included, when the lease was granted."""
        self.lowered = False
        """Whether giving the slot back lowered the account's limit (a 429 it learnt from)."""

    def take(self, lease: Lease) -> None:
        """Hold ``lease``."""
        self.lease = lease
        self.in_flight = lease.in_flight

    def give_back(self, outcome: Outcome) -> None:
        """Release the lease (once; later calls do nothing) and learn from ``outcome``."""
        lease, self.lease = self.lease, None
        if lease is not None and self.limiter is not None:
            self.lowered = self.limiter.release(lease, outcome)

    @property
    def learnt(self) -> bool:
        """Whether a 429 on this slot taught the limiter something (others were in flight)."""
        return self.in_flight > 1 or self.lowered


def outcome_of(exc: BaseException) -> Outcome:
    """How a request that failed with ``exc`` ended, for the limiter (any 429 reads alike)."""
    if isinstance(exc, (sdk.RateLimitError, GigaChatRateLimitError)):
        return "rate_limited"
    return "other"


def _timeout(pause: float | None, deadline: Deadline | None) -> float | None:
    """How long to wait now; raises when the deadline is spent."""
    if deadline is not None:
        deadline.check("waiting for a quota slot")
        left = deadline.remaining()
        return left if pause is None else min(pause, left)
    return pause


# --- one limiter per account ---------------------------------------------------------------------
@dataclass(frozen=True)
class Account:
    """Who the quota belongs to, as a keyed hash (no credential ever leaves this object)."""

    key: str
    """Hex digest identifying the account: HMAC-SHA256 keyed with its secret."""

    @classmethod
    def of(cls, secret: str | None, scope: str | None, base_url: str) -> Account:
        """The account of ``secret`` (credentials, user or token) on ``scope`` at ``base_url``."""
        message = f"gigachat-quota|{scope or ''}|{base_url.rstrip('/')}".encode()
        digest = hmac.new((secret or "").encode(), message, hashlib.sha256).hexdigest()
        return cls(digest[:32])

    @property
    def short(self) -> str:
        """A short id for logs."""
        return self.key[:8]


_limiters: dict[tuple[str, str | None], Limiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(
    account: Account,
    quota: int,
    *,
    shared_url: str | None = None,
    lease_seconds: float = 30.0,
) -> Limiter:
    """The process's limiter of ``account`` (made on first use, shared by every model).

    Args:
        account: The account.
        quota: Its configured quota; a model configuring another one updates it.
        shared_url: A Redis URL: slots are then counted in Redis, shared by every process.
        lease_seconds: How long a shared slot outlives a process that stopped renewing it.
    """
    with _limiters_lock:
        limiter = _limiters.get((account.key, shared_url))
        if limiter is None:
            store: SlotStore
            if shared_url:
                from langchain_gigachat_ext.client.redis_slots import SharedSlots

                store = SharedSlots(shared_url, account.key, quota, lease_seconds)
            else:
                store = LocalSlots(quota)
            limiter = Limiter(account.short, store)
            _limiters[(account.key, shared_url)] = limiter
            subscribe = getattr(store, "on_release", None)
            if subscribe is not None:  # releases in other processes wake this one's queue
                subscribe(limiter.notify)
        elif limiter.store.quota != quota:
            limiter.store.set_quota(quota)
        return limiter
