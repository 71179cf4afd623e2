"""Shared pieces of the benchmark suite: the emulator process, the contenders, turns, rows.

The emulator always runs in its own process (``python -m langchain_gigachat_ext.emulator``) on
127.0.0.1, so the server never competes with the measured client for the GIL. Every contender
is built the way a user would build it, from public constructors only.
"""

from __future__ import annotations

import base64
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

MODEL = "GigaChat"
"""Chat model used by every chat measurement."""

CREDENTIALS = base64.b64encode(b"bench-client-id:bench-client-secret").decode("ascii")
"""Authorization key the benchmark's emulators accept (passed with ``--credentials``)."""

START_TIMEOUT = 30.0
"""Seconds to wait for the emulator's first stdout line."""

OURS, SDK, OFFICIAL = "ours", "sdk", "official"
"""Contender keys: this package, the raw ``gigachat`` SDK, ``langchain-gigachat`` 0.5.1."""


@dataclass(frozen=True)
class Endpoint:
    """Where a running emulator answers."""

    origin: str
    """``http://127.0.0.1:PORT``."""

    def client_kwargs(self, scope: str | None = None) -> dict[str, Any]:
        """Connection keyword arguments accepted by all three clients."""
        kwargs: dict[str, Any] = {
            "base_url": f"{self.origin}/api/v1",
            "auth_url": f"{self.origin}/api/v2/oauth",
            "credentials": CREDENTIALS,
        }
        if scope is not None:
            kwargs["scope"] = scope
        return kwargs


@contextmanager
def emulator(
    *, latency: float = 0.0, chunk_delay: float = 0.0, extra: tuple[str, ...] = ()
) -> Iterator[Endpoint]:
    """Run the emulator in a child process for the duration of the block.

    Args:
        latency: Seconds from a request's arrival to its answer (the first chunk of a stream).
        chunk_delay: Seconds between the chunks of a stream.
        extra: More command-line options (``--max-concurrent 3``, ``--request-log PATH``).

    Yields:
        The endpoint, parsed from the emulator's first stdout line.
    """
    command = [sys.executable, "-m", "langchain_gigachat_ext.emulator", "--host", "127.0.0.1"]
    command += ["--port", "0", "--credentials", CREDENTIALS]
    command += ["--latency", str(latency), "--chunk-delay", str(chunk_delay)]
    command += list(extra)
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        origin = _read_origin(process)
        # Keep draining stdout so that the child never blocks on a full pipe.
        threading.Thread(target=_drain, args=(process,), daemon=True).start()
        yield Endpoint(origin)
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


# --- contenders -----------------------------------------------------------------------------------
def ours_chat(endpoint: Endpoint) -> Any:
    """This package's ``ChatGigaChat``."""
    from langchain_gigachat_ext import ChatGigaChat

    return ChatGigaChat(**endpoint.client_kwargs(), model=MODEL)


def official_chat(endpoint: Endpoint) -> Any:
    """``langchain-gigachat`` 0.5.1's ``GigaChat``.

    ``streaming=True``: with its default ``streaming=False`` langchain-core's ``.stream()``
    falls back to one non-streaming call; ``.invoke()`` does not stream either way.
    """
    from langchain_gigachat import GigaChat

    return GigaChat(**endpoint.client_kwargs(), model=MODEL, streaming=True)


def sdk_chat(endpoint: Endpoint) -> Any:
    """The raw ``gigachat`` SDK client."""
    from gigachat import GigaChat

    return GigaChat(**endpoint.client_kwargs(), model=MODEL)


def sdk_payload(prompt: str) -> dict[str, Any]:
    """The v1 chat body the SDK contender sends (what the LangChain models send for one turn)."""
    return {"model": MODEL, "messages": [{"role": "user", "content": prompt}]}


def drain(iterable: Any) -> int:
    """Consume a stream; returns its number of chunks."""
    count = 0
    for _ in iterable:
        count += 1
    return count


# --- taking turns ---------------------------------------------------------------------------------
def warm(fns: dict[str, Callable[[], object]], calls: int) -> None:
    """``calls`` unmeasured calls of each contender (connections, token, caches, bytecode)."""
    for fn in fns.values():
        for _ in range(calls):
            fn()


def rotations(names: list[str], rounds: int) -> Iterator[list[str]]:
    """The contenders' order in each round, rotated so that no one always goes first."""
    for index in range(rounds):
        shift = index % len(names)
        yield names[shift:] + names[:shift]


def wall_turns(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Wall seconds of one call of each contender per round, the contenders taking turns."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for order in rotations(list(fns), rounds):
        for name in order:
            started = time.perf_counter()
            fns[name]()
            samples[name].append(time.perf_counter() - started)
    return samples


def cpu_turns(
    fns: dict[str, Callable[[], object]], rounds: int, calls: int
) -> dict[str, list[float]]:
    """Client CPU seconds per call: per round, each contender's ``calls`` calls in turn.

    ``time.process_time`` of this process over the block of calls, divided by ``calls``: the
    work the client does (building, sending, parsing, LangChain's machinery), not the waiting.
    """
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for order in rotations(list(fns), rounds):
        for name in order:
            fn = fns[name]
            started = time.process_time()
            for _ in range(calls):
                fn()
            samples[name].append((time.process_time() - started) / calls)
    return samples


def median(values: list[float]) -> float:
    """Median of the samples."""
    return statistics.median(values)


# --- rows -----------------------------------------------------------------------------------------
@dataclass
class Row:
    """One line of the results table: values per contender and the ratio a target judges."""

    name: str
    """What was measured."""
    unit: str
    """Unit of the values (``ms``, ``s``, ``KiB``)."""
    values: dict[str, float]
    """Median per contender key (:data:`OURS`, :data:`SDK`, :data:`OFFICIAL`)."""
    ratio: float | None = None
    """The measured ratio the target is about (None: nothing to compare)."""
    ratio_label: str = ""
    """What the ratio is, e.g. ``ours/SDK``."""
    percent: bool = False
    """Show the ratio and its bound as percentages."""
    target: str = "(info)"
    """The target in words, e.g. ``≤ 1.02``; ``(info)`` when the row has none."""
    passed: bool | None = None
    """True/False against the target; None for an information row."""
    note: str = ""
    """Anything a reader needs to interpret the row."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Raw numbers kept in the JSON output."""

    @property
    def verdict(self) -> str:
        """``PASS``, ``FAIL`` or empty (information row)."""
        if self.passed is None:
            return ""
        return "PASS" if self.passed else "FAIL"

    def judge(
        self,
        ratio: float,
        label: str,
        *,
        at_most: float | None = None,
        at_least: float | None = None,
        percent: bool = False,
    ) -> Row:
        """Set the ratio and the verdict against an upper or a lower bound; returns self."""
        self.ratio, self.ratio_label, self.percent = ratio, label, percent
        bound = at_most if at_most is not None else at_least
        shown = f"{bound:.0%}" if percent else f"{bound:g}"
        if at_most is not None:
            self.target, self.passed = f"≤ {shown}", ratio <= at_most
        elif at_least is not None:
            self.target, self.passed = f"≥ {shown}", ratio >= at_least
        return self

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**asdict(self), "verdict": self.verdict}


def ms(seconds: float) -> float:
    """Seconds → milliseconds."""
    return seconds * 1000.0


def without_bytecode_flag() -> dict[str, str]:
    """The environment minus ``PYTHONDONTWRITEBYTECODE``, for processes that must write .pyc.

    This workplace sets the flag, which would leave the editable install of this package
    uncompiled while pip compiled the comparison packages' wheels.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env
