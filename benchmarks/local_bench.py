"""Measurements without (much) network: message conversion, import time, stream memory."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench_common import Endpoint, Row, ms, verdict
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

HERE = Path(__file__).resolve().parent
HISTORY_LENGTH = 200
IMPORT_RUNS = 9
MEMORY_LENGTHS = (2_000, 10_000)
FLAT_SLACK_BYTES = 64 * 1024
"""A 10,000-chunk stream may use this much more than a 2,000-chunk one and still be "flat"."""


def history(length: int = HISTORY_LENGTH) -> list[BaseMessage]:
    """A realistic agent history: system prompt, then user → tool call → tool result → answer."""
    messages: list[BaseMessage] = [SystemMessage("You are a helpful weather assistant.")]
    turn = 0
    while len(messages) < length:
        call_id = f"call-{turn}"
        messages += [
            HumanMessage(f"What is the weather in city number {turn}?"),
            AIMessage(
                "",
                tool_calls=[
                    {"name": "get_weather", "args": {"city": f"City {turn}"}, "id": call_id}
                ],
            ),
            ToolMessage(
                json.dumps({"temperature": 20 + turn % 10, "sky": "clear"}),
                tool_call_id=call_id,
                name="get_weather",
            ),
            AIMessage(f"It is {20 + turn % 10} °C and clear in City {turn}."),
        ]
        turn += 1
    return messages[:length]


def conversion_row(runs: int = 60) -> Row:
    """Median time to convert a 200-message history with tool calls into wire messages."""
    from langchain_gigachat.chat_models.gigachat import _convert_message_to_dict

    from langchain_gigachat_ext.messages import to_gigachat_messages

    messages = history()

    def official() -> object:
        return [_convert_message_to_dict(message) for message in messages]

    timings: dict[str, list[float]] = {"ours": [], "official": []}
    fns = {"ours": lambda: to_gigachat_messages(messages), "official": official}
    for fn in fns.values():
        for _ in range(5):
            fn()
    for _ in range(runs):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            timings[name].append(time.perf_counter() - started)
    row = Row(
        f"convert {HISTORY_LENGTH}-message history with tools",
        "ms",
        ours=ms(statistics.median(timings["ours"])),
        official=ms(statistics.median(timings["official"])),
    )
    row.target = "≤ official"
    row.verdict = verdict((row.ratio(row.official) or 0) <= 1.0)
    return row


def _import_seconds(statement: str, *, write_bytecode: bool = False) -> float:
    code = f"import time; s = time.perf_counter(); {statement}; print(time.perf_counter() - s)"
    env = dict(os.environ)
    if write_bytecode:
        # A PYTHONDONTWRITEBYTECODE in the environment (this workplace sets it) would leave an
        # editable install uncompiled while pip compiled the wheels of the other contenders.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=env,
    )
    return float(result.stdout.strip())


IMPORTS = {
    "import time (fresh process)": {
        "ours": "import langchain_gigachat_ext",
        "official": "import langchain_gigachat",
        "sdk": "import gigachat",
    },
    "import time of the chat model (fresh process)": {
        "ours": "from langchain_gigachat_ext import ChatGigaChat",
        "official": "from langchain_gigachat import GigaChat",
        "sdk": "from gigachat import GigaChat",
    },
}
"""Statements timed per row: the package itself, and the chat model a user imports."""


def import_rows(runs: int = IMPORT_RUNS) -> list[Row]:
    """Median time of each import statement in a fresh interpreter (bytecode already cached).

    The package exports load lazily (PEP 562), so the plain ``import`` row is the target the
    issue set; the chat-model row shows what ``from ... import ChatGigaChat`` costs, which is
    what a chat application pays.
    """
    rows = []
    for name, statements in IMPORTS.items():
        samples: dict[str, list[float]] = {contender: [] for contender in statements}
        for statement in statements.values():
            _import_seconds(statement, write_bytecode=True)  # warm the bytecode cache
        for _ in range(runs):
            for contender, statement in statements.items():
                samples[contender].append(_import_seconds(statement))
        row = Row(name, "ms", **{k: ms(statistics.median(v)) for k, v in samples.items()})
        row.target = "≤ official"
        row.verdict = verdict((row.ratio(row.official) or 0) <= 1.0)
        row.note = f"median of {runs}; `{statements['ours']}` vs `{statements['official']}`"
        rows.append(row)
    return rows


def _growth(endpoint: Endpoint, contender: str, chunks: int) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(HERE / "memory_worker.py"), endpoint.origin, contender, str(chunks)],
        capture_output=True,
        text=True,
        check=True,
        timeout=180,
    )
    return dict(json.loads(result.stdout))


def memory_rows(endpoint: Endpoint) -> list[Row]:
    """Memory growth (KiB, tracemalloc) over a 2,000- and a 10,000-chunk stream."""
    short, long = MEMORY_LENGTHS
    contenders = ("ours_core", "ours", "sdk", "official")
    growth = {c: {n: _growth(endpoint, c, n) for n in MEMORY_LENGTHS} for c in contenders}

    def kib(contender: str, chunks: int) -> float:
        return float(growth[contender][chunks]["growth_bytes"]) / 1024

    def flat(row: Row, contender: str) -> float:
        """Set the flat-memory target and verdict; returns the bytes per extra chunk."""
        extra_bytes = (kib(contender, long) - kib(contender, short)) * 1024
        row.target = f"flat: {long:,} vs {short:,} chunks within {FLAT_SLACK_BYTES // 1024} KiB"
        row.verdict = verdict(extra_bytes <= FLAT_SLACK_BYTES)
        return extra_bytes / (long - short)

    core = Row(
        f"stream memory growth, {long:,} chunks: package path (_stream)",
        "KiB",
        ours=kib("ours_core", long),
        sdk=kib("sdk", long),
    )
    core.note = (
        f"{short:,} chunks: ours {kib('ours_core', short):.0f} KiB, SDK {kib('sdk', short):.0f} KiB;"
        f" +{flat(core, 'ours_core'):.1f} B/chunk"
    )
    public = Row(
        f"stream memory growth, {long:,} chunks: .stream()",
        "KiB",
        ours=kib("ours", long),
        sdk=kib("sdk", long),
        official=kib("official", long),
    )
    public.note = (
        f"{short:,} chunks: ours {kib('ours', short):.0f}, official "
        f"{kib('official', short):.0f} KiB; +{flat(public, 'ours'):.1f} B/chunk (no callback "
        "handler: nothing keeps the chunks; langchain-core's BaseChatModel.stream keeps every "
        "chunk for on_llm_end)"
    )
    for row in (core, public):
        row.extra = growth
    return [core, public]
