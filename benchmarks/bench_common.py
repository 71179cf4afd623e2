"""Shared pieces of the benchmark suite: the emulator process, timing helpers, result rows.

The emulator always runs in its own process (``python -m langchain_gigachat_ext.emulator``), so
the server never competes with the measured client for the GIL.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from langchain_gigachat_ext.emulator.runner import DEFAULT_CREDENTIALS

MODEL = "GigaChat"
"""Chat model used by every chat measurement."""

START_TIMEOUT = 30.0
"""Seconds to wait for the emulator's first stdout line."""


@dataclass(frozen=True)
class Endpoint:
    """Where a running emulator answers."""

    origin: str
    """``http://127.0.0.1:PORT``."""
    request_log: Path | None = None
    """JSON-lines request log, when the emulator was started with one."""
    pid: int | None = None
    """Process id of the emulator (to read its CPU time)."""

    def server_cpu_seconds(self) -> float:
        """CPU seconds (user + system) the emulator process has used so far; 0 when unknown."""
        if self.pid is None:
            return 0.0
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text(encoding="ascii")
            fields = stat.rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @property
    def base_url(self) -> str:
        """API base URL (``/api/v1``)."""
        return f"{self.origin}/api/v1"

    @property
    def auth_url(self) -> str:
        """OAuth URL."""
        return f"{self.origin}/api/v2/oauth"

    def client_kwargs(self) -> dict[str, Any]:
        """Connection keyword arguments accepted by all three clients."""
        return {
            "base_url": self.base_url,
            "auth_url": self.auth_url,
            "credentials": DEFAULT_CREDENTIALS,
        }

    def oauth_requests(self) -> int:
        """OAuth requests recorded so far in the request log."""
        if self.request_log is None or not self.request_log.exists():
            return 0
        count = 0
        with self.request_log.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip() and json.loads(line).get("oauth"):
                    count += 1
        return count


@contextmanager
def emulator(
    *, latency: float = 0.0, request_log: Path | None = None, python: str = sys.executable
) -> Iterator[Endpoint]:
    """Run the emulator in a child process for the duration of the block.

    Args:
        latency: Seconds the emulator waits before every API answer.
        request_log: JSON-lines file for the emulator's request log (truncated first).
        python: Interpreter that runs the emulator.

    Yields:
        The endpoint, parsed from the emulator's first stdout line.
    """
    command = [python, "-m", "langchain_gigachat_ext.emulator", "--host", "127.0.0.1"]
    command += ["--port", "0", "--latency", str(latency)]
    if request_log is not None:
        request_log.write_text("", encoding="utf-8")
        command += ["--request-log", str(request_log)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        origin = _read_origin(process)
        # Keep draining stdout so that the child never blocks on a full pipe.
        threading.Thread(target=_drain, args=(process,), daemon=True).start()
        yield Endpoint(origin, request_log, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _read_origin(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None  # noqa: S101 - Popen was given stdout=PIPE
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(process.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(START_TIMEOUT)
    if not result or "http://" not in result[0]:
        process.kill()
        msg = f"emulator did not announce its address: {result!r}"
        raise RuntimeError(msg)
    return result[0].strip().rsplit(" ", 1)[-1]


def _drain(process: subprocess.Popen[str]) -> None:
    if process.stdout is not None:
        for _ in process.stdout:
            pass


def measure(fn: Callable[[], object], *, warmup: int, runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` calls of ``fn`` after ``warmup`` unmeasured calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def interleaved(
    fns: dict[str, Callable[[], object]], *, warmup: int, runs: int
) -> dict[str, float]:
    """Median seconds per call of each function, the contenders' calls taken in turn.

    One call of each contender after the other, ``runs`` times over: every contender meets the
    same state of the machine. On a shared VM the speed drifts within a second; blocks of 80
    calls per contender (the earlier method, 5 rounds) measured the same ``invoke`` code at
    0.99-1.42x the SDK in one session, call-by-call turns at 1.09-1.15x (benchmarks/README.md).
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


@dataclass
class Row:
    """One line of the results table."""

    name: str
    """What was measured."""
    unit: str
    """Unit of the value columns (``ms``, ``KiB``, ``%``, ``req``)."""
    ours: float | None
    """Our package's median (None: pending / not measured)."""
    sdk: float | None = None
    """The raw ``gigachat`` SDK."""
    official: float | None = None
    """``langchain-gigachat`` 0.5.1."""
    floor: float | None = None
    """Raw httpx (no client library at all)."""
    target: str = ""
    """The target in words, e.g. ``≤ 1.25× SDK``."""
    verdict: str = ""
    """``PASS``, ``FAIL`` or ``pending``."""
    note: str = ""
    """Anything a reader needs to interpret the row."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Raw numbers kept in the JSON output."""

    def ratio(self, other: float | None) -> float | None:
        """``ours / other`` when both exist."""
        if self.ours is None or not other:
            return None
        return self.ours / other

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the three ratios."""
        data = asdict(self)
        data["ours_over_sdk"] = self.ratio(self.sdk)
        data["ours_over_official"] = self.ratio(self.official)
        data["ours_over_floor"] = self.ratio(self.floor)
        return data


def verdict(ok: bool) -> str:
    """``PASS`` or ``FAIL``."""
    return "PASS" if ok else "FAIL"


def ms(seconds: float) -> float:
    """Seconds → milliseconds."""
    return seconds * 1000.0
