"""An account's slots counted in Redis: every process and machine on the account shares one quota.

Needs the ``redis`` extra (``pip install 'langchain-gigachat-ext[redis]'``). Per account (a keyed
hash, :class:`~langchain_gigachat_ext.client.limiter.Account`; no credential is ever written):

* ``…:leases`` — a sorted set of the slots in use, each scored with the moment its lease
  expires (Redis's own clock). A lease is renewed every third of its time while its request or
  stream runs, so a process that dies frees its slots when their leases run out;
* ``…:state`` — the learnt limit (the rule of :class:`~.quota.AdaptiveLimit`, applied in Lua so
  every process learns from every 429 and every success);
* ``…:pause`` — present while a ``Retry-After`` pause runs;
* ``…:released`` — a channel announcing releases, so waiting processes ask again at once.

Every step is one Lua script, atomic in Redis. If Redis cannot be reached the process goes on
with its own :class:`~.quota.LocalSlots` (with a warning) and tries Redis again
:data:`RETRY_REDIS_AFTER` seconds later: an outage never fails a call.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from typing import Any

from langchain_gigachat_ext.client.quota import (
    INITIAL_LIMIT,
    SUCCESSES_PER_STEP,
    Lease,
    LocalSlots,
    Outcome,
)

logger = logging.getLogger("langchain_gigachat_ext.quota")

RETRY_REDIS_AFTER = 5.0
"""Seconds the process keeps to its own limiter after Redis failed, before trying Redis again."""

POLL_SECONDS = 0.01
"""How often a waiting process asks Redis again without a release announcement, for its first
:data:`BUSY_POLL_FOR` seconds of waiting (a release announcement can trail the release by a few
milliseconds, and a lease that expired in a dead process announces nothing)."""

BUSY_POLL_FOR = 1.0
"""Seconds of fast polling; after that a waiting process asks every :data:`SLOW_POLL_SECONDS`
(announcements still wake it at once)."""

SLOW_POLL_SECONDS = 0.1

SOCKET_TIMEOUT = 1.0
"""Seconds a Redis command may take before Redis counts as unreachable."""

_ACQUIRE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
local paused = redis.call('PTTL', KEYS[3])
if paused > 0 then return {-1, paused, 0} end
local quota = tonumber(ARGV[3])
local limit = tonumber(redis.call('HGET', KEYS[2], 'limit'))
if not limit then
  limit = math.min(quota, tonumber(ARGV[4]))
  redis.call('HSET', KEYS[2], 'limit', limit, 'slow', 1, 'ok', 0, 'quota', quota)
elseif tonumber(redis.call('HGET', KEYS[2], 'quota') or quota) ~= quota then
  limit = math.min(limit, quota)
  redis.call('HSET', KEYS[2], 'limit', limit, 'quota', quota)
end
redis.call('PEXPIRE', KEYS[2], 86400000)
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then return {0, n, limit} end
redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return {1, n + 1, limit}
"""

_RELEASE = """
local now = redis.call('ZCARD', KEYS[1])
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then now = now + 1 end
local quota = tonumber(ARGV[4])
local limit = tonumber(redis.call('HGET', KEYS[2], 'limit')) or math.min(quota, 2)
local slow = tonumber(redis.call('HGET', KEYS[2], 'slow')) or 1
local ok = tonumber(redis.call('HGET', KEYS[2], 'ok')) or 0
if ARGV[2] == 'rate_limited' then
  limit = math.max(1, math.min(limit, now - 1))
  slow = 0
  ok = 0
elseif ARGV[2] == 'ok' and tonumber(ARGV[3]) >= limit - 1 then
  if slow == 1 then
    limit = math.min(quota, limit + 1)
  else
    ok = ok + 1
    if ok >= limit * tonumber(ARGV[5]) then
      limit = math.min(quota, limit + 1)
      ok = 0
    end
  end
end
redis.call('HSET', KEYS[2], 'limit', limit, 'slow', slow, 'ok', ok)
redis.call('PUBLISH', KEYS[4], '1')
return limit
"""

_RENEW = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
for i, member in ipairs(ARGV) do
  if i > 1 and redis.call('ZSCORE', KEYS[1], member) then
    redis.call('ZADD', KEYS[1], 'XX', now_ms + tonumber(ARGV[1]), member)
  end
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return 1
"""


def _redis_module() -> Any:
    try:
        import redis
    except ImportError as error:
        msg = (
            "shared_limiter_url (GIGACHAT_SHARED_LIMITER_URL) needs the redis client: "
            "pip install 'langchain-gigachat-ext[redis]'"
        )
        raise ImportError(msg) from error
    return redis


def keys_of(account_key: str) -> tuple[str, str, str, str]:
    """The Redis keys of an account: leases, state, pause, release channel."""
    prefix = f"gigachat:quota:{account_key}"
    return f"{prefix}:leases", f"{prefix}:state", f"{prefix}:pause", f"{prefix}:released"


class SharedSlots:
    """Slots of one account counted in Redis, with this process's own slots as a fallback."""

    def __init__(self, url: str, account_key: str, quota: int, lease_seconds: float) -> None:
        """Connect lazily to ``url`` (nothing is sent before the first slot is asked for)."""
        redis = _redis_module()
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self._client = redis.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
        )
        self._acquire = self._client.register_script(_ACQUIRE)
        self._release = self._client.register_script(_RELEASE)
        self._renew = self._client.register_script(_RENEW)
        self._keys = keys_of(account_key)
        self._quota = quota
        self._lease_ms = max(1, int(lease_seconds * 1000))
        self._local = LocalSlots(quota)
        self._lock = threading.Lock()
        self._held: set[str] = set()
        self._limit = min(quota, INITIAL_LIMIT)
        self._paused_ms = 0
        self._down_until = 0.0
        self._denied_since: float | None = None
        self._listeners: list[Callable[[], None]] = []
        self._renewer: threading.Thread | None = None
        self._subscriber: threading.Thread | None = None

    # --- SlotStore -----------------------------------------------------------------------------
    @property
    def limit(self) -> int:
        """The shared limit as last seen (the local one while Redis is down)."""
        return self._local.limit if self._down() else self._limit

    @property
    def quota(self) -> int:
        """The configured quota."""
        return self._quota

    def set_quota(self, quota: int) -> None:
        """Change the configured quota (the shared state follows on the next acquisition)."""
        self._quota = quota
        self._local.set_quota(quota)

    def try_acquire(self) -> Lease | None:
        """A shared slot if one is free (a local one while Redis is unreachable)."""
        if self._down():
            return self._local.try_acquire()
        member = uuid.uuid4().hex
        keys = self._keys[:3]
        args = [member, self._lease_ms, self._quota, INITIAL_LIMIT]
        try:
            granted, count, limit = self._acquire(keys=keys, args=args)
        except self._errors as error:
            self._went_down(error)
            return self._local.try_acquire()
        if granted == -1:
            self._paused_ms = int(count)
            return None
        self._paused_ms = 0
        self._limit = int(limit)
        if granted != 1:
            if self._denied_since is None:
                self._denied_since = time.monotonic()
            return None
        self._denied_since = None
        with self._lock:
            self._held.add(member)
        self._start_threads()
        return Lease(member, int(count), self)

    def release(self, lease: Lease, outcome: Outcome) -> None:
        """Give the slot back in Redis and learn from the outcome there."""
        with self._lock:
            self._held.discard(lease.id)
        keys = [self._keys[0], self._keys[1], self._keys[2], self._keys[3]]
        args = [lease.id, outcome, lease.in_flight, self._quota, SUCCESSES_PER_STEP]
        try:
            self._limit = int(self._release(keys=keys, args=args))
        except self._errors as error:
            self._went_down(error)  # the lease expires on its own

    def pause(self, seconds: float) -> None:
        """No process on the account gets a slot for ``seconds``."""
        if self._down():
            self._local.pause(seconds)
            return
        try:
            self._client.set(self._keys[2], "1", px=max(1, int(seconds * 1000)))
        except self._errors as error:
            self._went_down(error)
            self._local.pause(seconds)

    def retry_in(self) -> float | None:
        """When to ask Redis again unprompted (the pause's rest, else a poll interval)."""
        if self._down():
            return self._local.retry_in() or SLOW_POLL_SECONDS
        if self._paused_ms > 0:
            return self._paused_ms / 1000
        since = self._denied_since
        if since is not None and time.monotonic() - since > BUSY_POLL_FOR:
            return SLOW_POLL_SECONDS
        return POLL_SECONDS

    def on_release(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` whenever any process on the account releases a slot."""
        self._listeners.append(callback)

    # --- Local fallback ------------------------------------------------------------------------
    def _down(self) -> bool:
        return time.monotonic() < self._down_until

    def _went_down(self, error: BaseException) -> None:
        first = not self._down()
        self._down_until = time.monotonic() + RETRY_REDIS_AFTER
        if first:
            message = (
                f"The shared GigaChat limiter (Redis) cannot be reached ({type(error).__name__}); "
                f"this process limits its own requests for the next {RETRY_REDIS_AFTER:g} s."
            )
            logger.warning(message)
            warnings.warn(message, RuntimeWarning, stacklevel=3)

    # --- Background threads --------------------------------------------------------------------
    def _start_threads(self) -> None:
        with self._lock:
            if self._renewer is None:
                self._renewer = threading.Thread(
                    target=self._renew_forever, name="gigachat-quota-leases", daemon=True
                )
                self._renewer.start()
            if self._subscriber is None and self._listeners:
                self._subscriber = threading.Thread(
                    target=self._listen_forever, name="gigachat-quota-releases", daemon=True
                )
                self._subscriber.start()

    def _renew_forever(self) -> None:
        """Renew this process's leases every third of their time, for the process's life."""
        while True:
            time.sleep(self._lease_ms / 3000)
            with self._lock:
                held = list(self._held)
            if not held or self._down():
                continue
            try:
                self._renew(keys=[self._keys[0]], args=[self._lease_ms, *held])
            except self._errors as error:
                logger.debug("GigaChat quota: lease renewal failed: %s", type(error).__name__)

    def _listen_forever(self) -> None:
        """Wake this process's waiters whenever a slot is released anywhere."""
        while True:
            try:
                pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self._keys[3])
                while True:
                    message = pubsub.get_message(timeout=POLL_SECONDS)
                    if message is not None:
                        for callback in self._listeners:
                            callback()
            except self._errors:
                time.sleep(RETRY_REDIS_AFTER)
