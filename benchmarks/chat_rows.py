"""Chat rows: wall time at a realistic latency, and client CPU per call at zero latency.

Each contender is the call a user writes: ``ChatGigaChat.invoke``/``.stream`` (ours),
``langchain_gigachat.GigaChat.invoke``/``.stream`` (official) and the raw SDK's
``GigaChat.chat(payload)``/``.stream(payload)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench_common import (
    OFFICIAL,
    OURS,
    SDK,
    Endpoint,
    Row,
    cpu_turns,
    drain,
    median,
    ms,
    official_chat,
    ours_chat,
    sdk_chat,
    sdk_payload,
    wall_turns,
    warm,
)
from langchain_core.messages import HumanMessage

INVOKE_PROMPT = "Hello"
STREAM_PROMPT = "Tell me a story about a brave cat"
"""The emulator answers this with a story of 12 SSE chunks (checked: the row notes the count)."""

LATENCY = 0.2
"""Seconds from a request to its answer (the first chunk of a stream) in the wall-time rows."""
CHUNK_DELAY = 0.02
"""Seconds between stream chunks in the wall-time rows."""

WALL_LIMIT = 1.02
"""Wall time at realistic latency: ours/SDK at most this, for invoke and for stream."""
STREAM_CPU_LIMIT = 1.4
"""Client CPU of ``.stream()``: ours/SDK at most this."""


@dataclass(frozen=True)
class Plan:
    """How many calls each measurement makes."""

    wall_rounds: int
    """Calls per contender in the wall-time rows (one of each in turn per round)."""
    cpu_rounds: int
    """Blocks per contender in the CPU rows."""
    cpu_calls: int
    """Calls per block in the CPU rows."""


FULL = Plan(wall_rounds=40, cpu_rounds=40, cpu_calls=25)
QUICK = Plan(wall_rounds=5, cpu_rounds=5, cpu_calls=10)


class Contenders:
    """One client of each kind, connected to one emulator, with the calls the rows time."""

    def __init__(self, endpoint: Endpoint) -> None:
        """Build the three clients."""
        self.ours = ours_chat(endpoint)
        self.official = official_chat(endpoint)
        self.sdk = sdk_chat(endpoint)
        self.invoke_messages = [HumanMessage(INVOKE_PROMPT)]
        self.stream_messages = [HumanMessage(STREAM_PROMPT)]
        self.invoke_body = sdk_payload(INVOKE_PROMPT)
        self.stream_body = sdk_payload(STREAM_PROMPT)

    def invokes(self) -> dict[str, Callable[[], object]]:
        """One non-streaming answer per call."""
        return {
            OURS: lambda: self.ours.invoke(self.invoke_messages),
            SDK: lambda: self.sdk.chat(self.invoke_body),
            OFFICIAL: lambda: self.official.invoke(self.invoke_messages),
        }

    def streams(self) -> dict[str, Callable[[], int]]:
        """One whole stream per call (returns the number of chunks)."""
        return {
            OURS: lambda: drain(self.ours.stream(self.stream_messages)),
            SDK: lambda: drain(self.sdk.stream(self.stream_body)),
            OFFICIAL: lambda: drain(self.official.stream(self.stream_messages)),
        }

    def our_stream_core(self) -> int:
        """Our ``_stream`` iterated directly: the package's own path without ``BaseChatModel``."""
        return drain(self.ours._stream(self.stream_messages))  # noqa: SLF001

    def sse_chunks(self) -> int:
        """Chunks of the story stream as the SDK sees them."""
        return drain(self.sdk.stream(self.stream_body))


# --- wall time at a realistic latency ------------------------------------------------------------
def wall_rows(endpoint: Endpoint, plan: Plan) -> list[Row]:
    """Median wall time of invoke and of a whole stream, at :data:`LATENCY`/:data:`CHUNK_DELAY`."""
    clients = Contenders(endpoint)
    invokes, streams = clients.invokes(), clients.streams()
    warm(invokes, 2)
    warm(streams, 2)
    invoke = {k: median(v) for k, v in wall_turns(invokes, plan.wall_rounds).items()}
    stream = {k: median(v) for k, v in wall_turns(streams, plan.wall_rounds).items()}
    chunks = clients.sse_chunks()
    setting = f"answer after {ms(LATENCY):.0f} ms"
    invoke_row = Row(
        f"invoke, wall time ({setting})",
        "ms",
        {k: ms(v) for k, v in invoke.items()},
        note=f"median of {plan.wall_rounds} calls each, contenders in turn",
    ).judge(invoke[OURS] / invoke[SDK], "ours/SDK", at_most=WALL_LIMIT)
    stream_row = Row(
        f"stream, total wall time ({setting}, {chunks} chunks {ms(CHUNK_DELAY):.0f} ms apart)",
        "ms",
        {k: ms(v) for k, v in stream.items()},
        note=(
            f"median of {plan.wall_rounds} streams each, contenders in turn; ideal "
            f"{ms(LATENCY + (chunks - 1) * CHUNK_DELAY):.0f} ms (latency + delays)"
        ),
        extra={"chunks": chunks},
    ).judge(stream[OURS] / stream[SDK], "ours/SDK", at_most=WALL_LIMIT)
    return [invoke_row, stream_row]


# --- client CPU per call at zero latency ----------------------------------------------------------
def cpu_rows(endpoint: Endpoint, plan: Plan) -> list[Row]:
    """Median client CPU per call of invoke, ``.stream()`` and ``_stream`` (emulator latency 0)."""
    clients = Contenders(endpoint)
    invokes = clients.invokes()
    streams: dict[str, Callable[[], object]] = {
        **clients.streams(),
        "ours_core": clients.our_stream_core,
    }
    warm(invokes, 20)
    warm(streams, 20)
    rounds, calls = plan.cpu_rounds, plan.cpu_calls
    invoke = {k: median(v) for k, v in cpu_turns(invokes, rounds, calls).items()}
    stream = {k: median(v) for k, v in cpu_turns(streams, rounds, calls).items()}
    method = f"process time over {calls} calls / {calls}, median of {rounds} blocks in turn"
    invoke_row = Row(
        "invoke, client CPU per call (latency 0)",
        "ms",
        {k: ms(v) for k, v in invoke.items()},
        note=method,
    ).judge(invoke[OURS] / invoke[OFFICIAL], "ours/official", at_most=1.0)
    public = Row(
        ".stream(), client CPU per stream (latency 0)",
        "ms",
        {k: ms(stream[k]) for k in (OURS, SDK, OFFICIAL)},
        note=method,
    ).judge(stream[OURS] / stream[SDK], "ours/SDK", at_most=STREAM_CPU_LIMIT)
    core = Row(
        "_stream iterated directly, client CPU per stream (latency 0)",
        "ms",
        {OURS: ms(stream["ours_core"]), SDK: ms(stream[SDK])},
        ratio=stream["ours_core"] / stream[SDK],
        ratio_label="ours/SDK",
        note="the package's own path without BaseChatModel.stream; SDK as in the row above",
    )
    return [invoke_row, public, core]
