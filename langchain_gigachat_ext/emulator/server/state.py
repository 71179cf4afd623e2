"""Mutable state shared by the routes of one emulator instance."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from langchain_gigachat_ext.emulator.brain.core import Brain
from langchain_gigachat_ext.emulator.faults import Faults
from langchain_gigachat_ext.emulator.script import Script
from langchain_gigachat_ext.emulator.server.auth import TokenStore
from langchain_gigachat_ext.emulator.server.bodies import BodyLimits
from langchain_gigachat_ext.emulator.server.files import FileStore
from langchain_gigachat_ext.emulator.server.quota import ConcurrencyQuota
from langchain_gigachat_ext.emulator.server.requestlog import RequestLog
from langchain_gigachat_ext.emulator.server.sessions import SessionCache

INITIAL_BALANCE: dict[str, int] = {
    "embeddings": 9_999_967,
    "GigaChat-Pro": 991_490,
    "GigaChat-Max": 50_000,
    "GigaChat": 900_000,
}
"""Starting ``/balance`` (values of recorded/data/balance.json, a real output per 3P)."""


@dataclass
class EmulatorState:
    """Everything the routes read and write."""

    brain: Brain
    """The scripted model."""
    tokens: TokenStore
    """Issued bearer tokens and accepted credentials."""
    faults: Faults = field(default_factory=Faults)
    """Fault knobs."""
    script: Script = field(default_factory=Script)
    """Queued scripted replies."""
    files: FileStore = field(default_factory=FileStore)
    """Uploaded files."""
    sessions: SessionCache = field(default_factory=SessionCache)
    """Prompt-cache accounting."""
    log: RequestLog = field(default_factory=RequestLog)
    """Request log."""
    limits: BodyLimits = field(default_factory=BodyLimits)
    """Request body caps (413 past them)."""
    quota: ConcurrencyQuota = field(default_factory=ConcurrencyQuota)
    """Requests allowed in flight (429 past them; unlimited unless configured)."""
    balance: dict[str, int] = field(default_factory=lambda: dict(INITIAL_BALANCE))
    """Remaining tokens per usage bucket."""
    calls_since_token: int = 0
    """Successful API calls since the last token was issued (for ``unauthorized_after``)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Guards the counters above."""

    def charge(self, bucket: str, tokens: int) -> None:
        """Subtract ``tokens`` from a balance bucket the account has (others are free)."""
        with self.lock:
            if bucket in self.balance:
                self.balance[bucket] = max(0, self.balance[bucket] - tokens)

    def reset(self) -> None:
        """Clear log, script, faults, files, sessions and balance."""
        self.log.clear()
        self.script.clear()
        self.faults.reset()
        self.files.clear()
        self.sessions.clear()
        with self.lock:
            self.balance = dict(INITIAL_BALANCE)
            self.calls_since_token = 0
