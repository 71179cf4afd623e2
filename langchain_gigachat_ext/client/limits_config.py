"""The fields that bound a call: its time budget and the account's quota of requests in flight.

Kept apart from the connection fields (:mod:`~langchain_gigachat_ext.client.config`) that
inherit them; the transport is built from both.
"""

from __future__ import annotations

import os

from pydantic import BaseModel, Field, SecretStr

from langchain_gigachat_ext.client.config_env import env_number, env_secret
from langchain_gigachat_ext.client.deadline import Budgets
from langchain_gigachat_ext.client.limiter import Account, Limiter, limiter_for
from langchain_gigachat_ext.client.quota import default_quota


class CallLimits(BaseModel):
    """Whole-call budgets and the account's in-flight quota (inherited by the connection)."""

    call_timeout: float | None = Field(
        default_factory=env_number("GIGACHAT_CALL_TIMEOUT", None), gt=0, validate_default=True
    )
    """Seconds one call may take in all (default: no limit). Env ``GIGACHAT_CALL_TIMEOUT``.

    ``timeout`` bounds each read, so a server trickling a few bytes at a time could hold a call
    for as long as it likes; ``call_timeout`` bounds the call itself. For ``invoke`` (and
    ``embed_*`` requests, token counting, files) it covers the whole call: the token request,
    waiting for a quota slot, retries and ``Retry-After`` waits, and reading the answer. For a
    stream it bounds the wait for the first chunk and the longest silence between chunks, so a
    long stream that keeps talking is never cut (set ``stream_timeout`` for a total). When it
    runs out the call raises :class:`~langchain_gigachat_ext.errors.GigaChatDeadlineError` (a
    ``GigaChatTimeoutError``), at most one read after the deadline; a ``Retry-After`` longer
    than what is left raises the rate-limit error at once.

    Example:
        ```python
        llm = ChatGigaChat(call_timeout=20)  # every call done (or failed) within ~20 s
        ```
    """
    stream_timeout: float | None = Field(
        default_factory=env_number("GIGACHAT_STREAM_TIMEOUT", None), gt=0, validate_default=True
    )
    """Seconds a stream may take in all (default: no total). Env ``GIGACHAT_STREAM_TIMEOUT``."""
    max_concurrent: int | None = Field(
        default_factory=env_number("GIGACHAT_MAX_CONCURRENT", None, int),
        ge=1,
        validate_default=True,
    )
    """The account's quota of requests in flight (env ``GIGACHAT_MAX_CONCURRENT``).

    Default from the scope: ``GIGACHAT_API_PERS`` 1, ``GIGACHAT_API_B2B`` and
    ``GIGACHAT_API_CORP`` 10; 1 when the scope is unknown (an ``access_token`` or user/password
    sign-in without an explicit ``scope``). Every model of the account in this process shares
    one limiter (chat, streams for their whole duration, embeddings, token counting, files): a
    request beyond the limit waits for a slot instead of being refused with 429. The limit is
    learnt below the quota: a 429 lowers it at once and the request queues again (it does not
    spend a retry), sustained success raises it step by step back to the quota. Waits and
    absorbed 429s show in ``response_metadata["quota"]`` and at debug level on the
    ``langchain_gigachat_ext.quota`` logger. Set it to your contract's quota; the emulator
    enforces one with ``--max-concurrent N``.
    """
    shared_limiter_url: SecretStr | None = Field(
        default_factory=env_secret("GIGACHAT_SHARED_LIMITER_URL")
    )
    """``redis://host:port/db`` shared by every process on the account (a secret: it may hold a
    password). Env ``GIGACHAT_SHARED_LIMITER_URL``; needs ``langchain-gigachat-ext[redis]``.

    Processes and machines then share one quota, the learnt limit included. Keys carry no
    credentials (a keyed hash of the account); slots are leases of ``shared_limiter_lease``
    seconds renewed while a request or stream runs, so a killed worker frees its slot within
    that time. If Redis cannot be reached, calls go on with this process's own limiter and a
    warning, and Redis is tried again a few seconds later.
    """
    shared_limiter_lease: float = Field(
        default_factory=env_number("GIGACHAT_SHARED_LIMITER_LEASE", 30.0),
        gt=0,
        validate_default=True,
    )
    """Seconds a shared slot outlives a process that stopped renewing it (default 30).
    Env ``GIGACHAT_SHARED_LIMITER_LEASE``."""

    def _budgets(self) -> Budgets:
        return Budgets(call_timeout=self.call_timeout, stream_timeout=self.stream_timeout)

    def _limiter(
        self,
        *,
        secret: str | None,
        scope: str | None,
        base_url: str,
    ) -> Limiter:
        """The process's limiter of the account (``scope`` None when it is unknown)."""
        quota = self.max_concurrent if self.max_concurrent is not None else default_quota(scope)
        url = self.shared_limiter_url.get_secret_value() if self.shared_limiter_url else None
        return limiter_for(
            Account.of(secret, scope, base_url),
            quota,
            shared_url=url,
            lease_seconds=self.shared_limiter_lease,
        )


def scope_is_explicit(fields_set: set[str]) -> bool:
    """Whether the scope was given (as a field or ``GIGACHAT_SCOPE``) rather than defaulted."""
    return "scope" in fields_set or bool(os.environ.get("GIGACHAT_SCOPE"))
